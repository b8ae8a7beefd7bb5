"""Unified social credit code (GB 32100-2015) and GB/T 4754 industry codes."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from agents.industries import industry_name, validate_industry_code
from agents.validators import is_valid_uscc, make_uscc, normalise_uscc, uscc_check_char, validate_uscc

# Published codes of real organisations (business licences are public documents).
REAL_CODES = ["91350100M000100Y43", "911100001000080343", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert is_valid_uscc(code)
    validate_uscc(code)


def test_wrong_check_character_names_the_expected_one():
    code = "91350100M000100Y44"
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == "uscc_check"
    assert "3" in exc.value.messages[0]  # the correct check character is 3


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M000100Y433", "uscc_length"),
        ("91350100M0001O0Y43", "uscc_format"),  # letter O is not allowed
        ("81350100M000100Y43", "uscc_format"),  # 8 is no registration authority
        ("91AB0100M000100Y43", "uscc_format"),  # the division must be digits
    ],
)
def test_malformed_codes_are_refused_with_a_reason(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == error


def test_full_width_and_lower_case_input_is_normalised():
    assert normalise_uscc(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"


@given(serial=st.integers(min_value=0, max_value=99_999_999), division=st.sampled_from(["330784", "110000", "440305"]))
def test_generated_codes_are_valid(serial, division):
    code = make_uscc(division=division, serial=serial)
    assert is_valid_uscc(code), code


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_exactly_one_check_character_fits(first17):
    first17 = "9" + first17[1:2] + "330784" + first17[8:]
    valid = [c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if is_valid_uscc(first17 + c)]
    assert valid == [uscc_check_char(first17)]


def test_industry_codes():
    validate_industry_code("C33")
    validate_industry_code("C3311")
    assert industry_name("C3311") == "金属制品业"
    for bad in ("X99", "C3", "C99", "33"):
        with pytest.raises(ValidationError):
            validate_industry_code(bad)
