"""Labelled rows for a publication's structured data.

A publishing app declares, per category, how its data reads (``data_layout_register`` in its
``AppConfig.ready()``): which keys, under which translatable label, in which format (an amount
in 万元 or yuan, a ratio as a percentage, a count, a date, a text, or a list of objects shown as a
small table). The centre renders any publication of that category with it, in the reader's
language, without importing the publisher. Data of a category without a layout — and keys a
layout does not name — are shown as they are."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

FORMATS = ("text", "count", "date", "wan", "yuan", "percent", "table")
_NUMERIC = ("count", "wan", "yuan", "percent")


@dataclass(frozen=True)
class DataField:
    """One key of a publication's data: its label (lazily translated), its format and, for a
    ``table``, the fields of each row."""

    key: str
    label: str
    format: str = "text"
    columns: tuple[DataField, ...] = ()

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"unknown data format {self.format!r}")


_LAYOUTS: dict[str, tuple[DataField, ...]] = {}


def data_layout_register(category: str, fields) -> None:
    """Declare how the data of ``category`` publications reads (the last declaration wins)."""
    _LAYOUTS[category] = tuple(fields)


def _cell(field: DataField, value) -> dict:
    """A value in its format; anything that does not fit the format is shown as text (the data
    may come from any publisher, the page must never fail on it)."""
    if value is None or value == "":
        return {"value": "", "format": "text"}
    if field.format in _NUMERIC and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is not None and number.is_finite():
            return {"value": number, "format": field.format}
    if isinstance(value, dict | list):
        return {"value": str(value), "format": "text"}
    return {"value": value, "format": "text"}


def data_rows(category: str, data) -> list[dict] | None:
    """The rows to show for ``data``: ``{"label", "value", "format"}``, or for a table
    ``{"label", "format": "table", "columns": [labels], "rows": [[cells]]}``. None when the
    category has no layout (the caller shows the raw data)."""
    layout = _LAYOUTS.get(category)
    if layout is None or not isinstance(data, dict):
        return None
    rows = []
    for field in layout:
        if field.key not in data:
            continue
        value = data[field.key]
        if field.format == "table":
            items = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
            rows.append({"label": field.label, "format": "table", "columns": [c.label for c in field.columns],
                         "rows": [[_cell(c, item.get(c.key)) for c in field.columns] for item in items]})
        else:
            rows.append({"label": field.label, **_cell(field, value)})
    named = {f.key for f in layout}
    rows += [{"label": key, **_cell(DataField(key, key), value)} for key, value in data.items() if key not in named]
    return rows
