"""Money parsing and display: exact decimals, clear refusals, ¥ and 万元."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agents.money import format_wan, format_yuan, parse_amount, quantize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1234.5", "1234.50"), ("1,234.56", "1234.56"), ("¥100", "100.00"), ("￥100", "100.00"),
     (Decimal("0.01"), "0.01"), (7, "7.00")],
)
def test_parse_amount_accepts_what_users_type(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [(0.1, "float"), ("NaN", "invalid"), ("Infinity", "invalid"), ("abc", "invalid"), ("", "required"),
     ("-5", "negative"), ("0", "zero"), ("1.005", "precision"), ("99999999999", "too_large"),
     ("１２３４．５６", "fullwidth"), ("１２34", "fullwidth"), ("1e400", "too_large"), ("-1e400", "negative"), ("1e-400", "precision")],
)
def test_parse_amount_refuses_bad_input(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_amount(raw)
    assert exc.value.code == code


def test_quantize_rounds_half_up_and_refuses_floats():
    assert quantize(Decimal("0.005")) == Decimal("0.01")
    assert quantize(Decimal("2.675")) == Decimal("2.68")
    with pytest.raises(TypeError):
        quantize(0.1)


def test_display_filters():
    assert format_yuan(Decimal("1234567.891")) == "¥1,234,567.89"
    assert format_yuan(Decimal("-5")) == "-¥5.00"
    assert format_wan(Decimal("1234567.89")) == "123.46 万元"
    assert format_yuan(None) == "—"


def test_person_names_follow_their_script():
    from types import SimpleNamespace

    from agents.templatetags.money import person

    assert person(SimpleNamespace(first_name="建国", last_name="陈", email="a@b.cn")) == "陈建国"
    assert person(SimpleNamespace(first_name="Jane", last_name="Smith", email="a@b.cn")) == "Jane Smith"
    assert person(SimpleNamespace(first_name="", last_name="", email="a@b.cn")) == "a@b.cn"


def test_full_width_refusal_shows_the_number_meant():
    with pytest.raises(ValidationError) as exc:
        parse_amount("１，２３４．５６")
    assert exc.value.code == "fullwidth"
    assert "1,234.56" in exc.value.messages[0]


@pytest.mark.parametrize("raw", ["1e3000000", "1E999999999", "-1e3000000", "9.9e999999"])
def test_exponents_beyond_the_decimal_context_are_too_large_not_a_crash(raw):
    with pytest.raises(ValidationError) as exc:
        parse_amount(raw, allow_negative=True)
    assert exc.value.code == "too_large"


def test_a_negative_huge_amount_where_negatives_are_refused_is_negative():
    with pytest.raises(ValidationError) as exc:
        parse_amount("-1e3000000")
    assert exc.value.code == "negative"
