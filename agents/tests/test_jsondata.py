"""The one strict JSON loader: what Python's json accepts but no database can store is refused
with a clear message (NaN, infinity, 1e400, absurd integers, deep nesting), never a crash."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agents.jsondata import MAX_DEPTH, json_check_value, json_depth, json_loads_strict


def test_ordinary_json_is_read_with_decimals_when_asked():
    assert json_loads_strict('{"revenue": 1234.56, "n": 3, "s": "[{"}') == {"revenue": 1234.56, "n": 3, "s": "[{"}
    assert json_loads_strict('{"revenue": 1234.56}', decimals=True) == {"revenue": Decimal("1234.56")}
    assert json_loads_strict(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


@pytest.mark.parametrize(("text", "code"), [
    ('{"a": NaN}', "json_constant"), ('{"a": Infinity}', "json_constant"), ('[-Infinity]', "json_constant"),
    ('{"a": 1e400}', "json_number_too_large"), ('[-1e400]', "json_number_too_large"),
    ("[" + "1" * 5000 + "]", "json_number_too_large"),
    ("[" * 3000 + "]" * 3000, "json_depth"), ('{"a":' * 5000 + "1" + "}" * 5000, "json_depth"),
    ("[" * 200000, "json_depth"),
    ("{not json", "json_invalid"), ("", "json_invalid"),
])
def test_what_no_database_can_store_is_refused(text, code):
    for decimals in (False, True):
        with pytest.raises(ValidationError) as caught:
            json_loads_strict(text, decimals=decimals)
        assert caught.value.code == code


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = '{"a": "' + "[" * 1000 + '\\"{"}'
    assert json_depth(text) == 1
    assert json_loads_strict(text) == {"a": "[" * 1000 + '"{'}


def test_the_depth_limit_is_the_last_level_allowed():
    assert json_loads_strict("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(ValidationError):
        json_loads_strict("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize("value", [{"a": float("nan")}, {"a": [float("inf")]}, {"a": Decimal("1e400")},
                                   {"a": Decimal("NaN")}])
def test_python_values_get_the_same_limits(value):
    with pytest.raises(ValidationError):
        json_check_value(value)


def test_a_deep_python_value_is_refused_without_recursion():
    deep = []
    for _n in range(100000):
        deep = [deep]
    with pytest.raises(ValidationError) as caught:
        json_check_value({"a": deep})
    assert caught.value.code == "json_depth"
    json_check_value({"a": [1, 2.5, Decimal("3.10"), {"b": "c"}]})  # fine
