"""Labelled rows for a publication's data: formats applied, bad values shown as text, never an error."""

from decimal import Decimal

import pytest

from infocenter.data_display import DataField, data_layout_register, data_rows

CATEGORY = "test_layout"


@pytest.fixture(autouse=True)
def layout():
    data_layout_register(CATEGORY, (
        DataField("amount", "Amount", "wan"), DataField("rate", "Rate", "percent"), DataField("n", "Number", "count"),
        DataField("rows", "Rows", "table", columns=(DataField("name", "Name"), DataField("v", "Value", "yuan"))),
    ))


def test_values_take_their_format_and_unknown_keys_stay_visible():
    rows = data_rows(CATEGORY, {"amount": "45550000.00", "rate": "0.7403", "n": 3, "extra_key": "x",
                                "rows": [{"name": "甲", "v": "1.50"}, "not a row"]})
    by_label = {r["label"]: r for r in rows}
    assert by_label["Amount"] == {"label": "Amount", "value": Decimal("45550000.00"), "format": "wan"}
    assert by_label["Rate"]["value"] == Decimal("0.7403") and by_label["Rate"]["format"] == "percent"
    assert by_label["Rows"]["columns"] == ["Name", "Value"]
    assert by_label["Rows"]["rows"] == [[{"value": "甲", "format": "text"}, {"value": Decimal("1.50"), "format": "yuan"}]]
    assert by_label["extra_key"]["value"] == "x"


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", True, {"a": 1}, [1], None])
def test_a_value_that_does_not_fit_its_format_is_shown_as_text(bad):
    (row,) = data_rows(CATEGORY, {"amount": bad})
    assert row["format"] == "text"


def test_no_layout_or_no_object_means_raw_data():
    assert data_rows("no_such_category", {"a": 1}) is None
    assert data_rows(CATEGORY, ["not", "an", "object"]) is None
    assert data_rows(CATEGORY, {"rows": "not a list"})[0]["rows"] == []
