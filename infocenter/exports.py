"""Bulk data out: any list a user can see, as CSV or Excel.

Usage in a list view (a ``ListView`` or anything with ``get_queryset``)::

    from infocenter.exports import Col, ExportMixin

    class LoanListView(ExportMixin, ListView):
        export_filename = "loans"
        export_columns = [
            Col(_("Borrower"), "borrower.name"),
            Col(_("Amount (yuan)"), "amount"),            # Decimal → a number cell
            Col(_("Status"), lambda loan: loan.get_status_display()),
        ]

and a link ``?export=csv`` / ``?export=xlsx`` on the page (``{% include
"partials/export_links.html" %}``). The export uses the view's ``get_queryset()``, so it contains
exactly the rows the user may see (the same ``restrict()`` rules and filters as the page), not
only the current page of a paginated list.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return) as a formula; every text cell that does is written with a leading ``'``
(OWASP "CSV injection"). Numbers are written as numbers and are not touched.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import slugify

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_EXPORT_ROWS = 200_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Col:
    header: object  # a (lazy) translatable string
    value: str | Callable  # "attr.path" or a callable(obj)


def _resolve(obj, accessor):
    if callable(accessor):
        return accessor(obj)
    for part in accessor.split("."):
        obj = getattr(obj, part, None) if not isinstance(obj, dict) else obj.get(part)
        if obj is None:
            return None
        if callable(obj) and not hasattr(obj, "all"):
            obj = obj()
    return obj


def _plain(value):
    """A value as a cell: numbers stay numbers, dates stay dates, the rest becomes text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | int):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    return escape_cell(force_str(value))


def rows_of(objects: Iterable, columns: list[Col]) -> Iterable[list]:
    for obj in objects:
        yield [_plain(_resolve(obj, c.value)) for c in columns]


def _csv_text(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value):
        return value


def csv_response(objects: Iterable, columns: list[Col], filename: str) -> StreamingHttpResponse:
    """UTF-8 with a BOM (Excel then shows Chinese correctly), streamed row by row."""
    writer = csv.writer(_Echo())

    def stream():
        yield BOM + writer.writerow([escape_cell(force_str(c.header)) for c in columns])
        for row in rows_of(objects, columns):
            yield writer.writerow([_csv_text(v) for v in row])

    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in stream()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(objects: Iterable, columns: list[Col], sheet_title: str = "export") -> bytes:
    """A workbook written in openpyxl's write-only (streaming) mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "export")
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=escape_cell(force_str(c.header)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows_of(objects, columns):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never let openpyxl read a leading "=" as a formula
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            cells.append(cell)
        sheet.append(cells)
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def xlsx_response(objects: Iterable, columns: list[Col], filename: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(objects, columns, filename), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, objects: Iterable, columns: list[Col], filename: str):
    stamped = f"{slugify(filename) or 'export'}-{timezone.localdate():%Y%m%d}"
    if fmt == "xlsx":
        return xlsx_response(objects, columns, stamped)
    return csv_response(objects, columns, stamped)


class ExportMixin:
    """Adds ``?export=csv`` and ``?export=xlsx`` to a list view (see the module docstring)."""

    export_columns: list[Col] = []
    export_filename = "export"
    export_formats = ("csv", "xlsx")

    def get_export_columns(self) -> list[Col]:
        return self.export_columns

    def get_export_queryset(self):
        return self.get_queryset()

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in self.export_formats:
            objects = self.get_export_queryset()
            if hasattr(objects, "iterator"):
                objects = objects[:MAX_EXPORT_ROWS].iterator(chunk_size=2000)
            return export_response(fmt, objects, self.get_export_columns(), self.export_filename)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        query.pop("page", None)
        prefix = (query.urlencode() + "&") if query else ""
        ctx["export_links"] = [(fmt, f"?{prefix}export={fmt}") for fmt in self.export_formats]
        return ctx


__all__ = ["Col", "ExportMixin", "escape_cell", "export_response", "csv_response", "xlsx_response", "BOM",
           "rows_of"]
