"""Reading an import file: detect the format and the text encoding, read the header row,
then yield the data rows in chunks so that memory stays bounded whatever the file size.

CSV goes through pandas (``dtype=str``: no number ever becomes a float). Excel goes through
openpyxl in read-only mode with formulas kept (``data_only=False``) so that a formula cell is
seen as a formula and refused, not silently replaced by its cached result.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import FileFormat

CHUNK_ROWS = 5000
SCAN_BLOCK = 1 << 20
MAX_COLUMNS = 200

UTF8_BOM = codecs.BOM_UTF8
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


@dataclass
class FileInfo:
    file_format: str
    encoding: str = ""  # CSV only: utf-8, utf-8-sig or gb18030


def _rewind(fileobj) -> None:
    fileobj.seek(0)


def _decodes(fileobj, encoding: str) -> bool:
    _rewind(fileobj)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while block := fileobj.read(SCAN_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        _rewind(fileobj)
    return True


def detect(fileobj, filename: str = "") -> FileInfo:
    """Format and encoding of an uploaded file, or a clear error."""
    _rewind(fileobj)
    head = fileobj.read(8)
    _rewind(fileobj)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    if head.startswith(ZIP_MAGIC):
        return FileInfo(FileFormat.XLSX)
    if head.startswith(OLE_MAGIC):
        raise ValidationError(_("This is an old Excel 97–2003 file (.xls): save it as .xlsx or as CSV and upload "
                                "it again."), code="xls")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValidationError(_("The file is encoded as UTF-16. Save it as “CSV UTF-8” (or GBK) and upload it "
                                "again."), code="encoding")
    if head.startswith(UTF8_BOM):
        if not _decodes(fileobj, "utf-8-sig"):
            raise ValidationError(_("The file starts as UTF-8 but contains bytes that are not UTF-8. Save it "
                                    "again as “CSV UTF-8”."), code="encoding")
        return FileInfo(FileFormat.CSV, "utf-8-sig")
    if _has_nul(fileobj):
        raise ValidationError(_("This does not look like a CSV text file (it contains binary data). Upload a "
                                "CSV file (UTF-8 or GBK) or an Excel .xlsx file."), code="binary")
    if _decodes(fileobj, "utf-8"):
        return FileInfo(FileFormat.CSV, "utf-8")
    if _decodes(fileobj, "gb18030"):
        return FileInfo(FileFormat.CSV, "gb18030")
    raise ValidationError(_("The text encoding of the file is neither UTF-8 nor GBK. Save it as “CSV UTF-8” "
                            "and upload it again."), code="encoding")


def _has_nul(fileobj) -> bool:
    _rewind(fileobj)
    try:
        while block := fileobj.read(SCAN_BLOCK):
            if b"\x00" in block:
                return True
        return False
    finally:
        _rewind(fileobj)


def _text(fileobj, encoding: str):
    _rewind(fileobj)
    return io.TextIOWrapper(fileobj, encoding=encoding, newline="")


def _detach(wrapper) -> None:
    # Leave the underlying file open for the next pass (TextIOWrapper closes it otherwise).
    with contextlib.suppress(ValueError):
        wrapper.detach()


# --- CSV -------------------------------------------------------------------------------------
def csv_headers(fileobj, encoding: str) -> list[str]:
    wrapper = _text(fileobj, encoding)
    try:
        row = next(csv.reader(wrapper), None)
    except csv.Error as exc:
        raise ValidationError(_("The header row cannot be read: %(error)s"), code="csv", params={"error": exc})
    finally:
        _detach(wrapper)
    if not row or not any(cell.strip() for cell in row):
        raise ValidationError(_("The first row must hold the column names, but it is empty."), code="no_header")
    return row


def csv_count_rows(fileobj) -> int:
    """Data rows, roughly (line breaks minus the header): enough for the progress bar."""
    _rewind(fileobj)
    lines, last = 0, b""
    while block := fileobj.read(SCAN_BLOCK):
        lines += block.count(b"\n")
        last = block
    _rewind(fileobj)
    if last and not last.endswith(b"\n"):
        lines += 1
    return max(0, lines - 1)


def csv_chunks(fileobj, encoding: str, ncols: int, chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[int, list]]:
    """(first row number, rows) per chunk; row 1 is the header, so data starts at row 2."""
    wrapper = _text(fileobj, encoding)
    try:
        reader = pd.read_csv(
            wrapper, header=None, skiprows=1, names=list(range(ncols)), dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, chunksize=chunk_rows, engine="c",
        )
        row_no = 2
        try:
            for frame in reader:
                rows = frame.to_numpy(dtype=object, na_value="").tolist()
                yield row_no, rows
                row_no += len(rows)
        except pd.errors.ParserError as exc:
            raise ValidationError(
                _("The file cannot be read near row %(row)s: a row has more cells than the header has columns "
                  "(%(error)s)."), code="csv", params={"row": row_no, "error": exc})
    finally:
        _detach(wrapper)


# --- Excel -----------------------------------------------------------------------------------
def _open_sheet(fileobj):
    from openpyxl import load_workbook

    _rewind(fileobj)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any damage in the zip/xml is the same answer to the user
        raise ValidationError(_("The Excel file cannot be opened (%(error)s). Save it again as .xlsx."),
                              code="xlsx", params={"error": type(exc).__name__})
    return workbook, workbook.worksheets[0]


def xlsx_cell(value) -> str:
    """An Excel value as the text a person sees. Numbers go through ``repr`` — the shortest
    text that round-trips — so 1234.56 stays 1234.56 exactly; dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def xlsx_headers(fileobj) -> tuple[list[str], int]:
    workbook, sheet = _open_sheet(fileobj)
    try:
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        total = max(0, (sheet.max_row or 1) - 1)
    finally:
        workbook.close()
    headers = [xlsx_cell(v) for v in (first or ())]
    while headers and not headers[-1].strip():
        headers.pop()
    if not headers:
        raise ValidationError(_("The first row must hold the column names, but it is empty."), code="no_header")
    return headers, total


def xlsx_chunks(fileobj, ncols: int, chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[int, list]]:
    workbook, sheet = _open_sheet(fileobj)
    try:
        rows, start, row_no = [], 2, 2
        for values in sheet.iter_rows(min_row=2, values_only=True):
            cells = [xlsx_cell(v) for v in values[:ncols]]
            extra = [xlsx_cell(v) for v in values[ncols:] if v not in (None, "")]
            if extra:
                raise ValidationError(
                    _("Row %(row)s has values beyond the last named column. Give every column a header or "
                      "remove those cells."), code="xlsx", params={"row": row_no})
            cells += [""] * (ncols - len(cells))
            rows.append(cells)
            row_no += 1
            if len(rows) >= chunk_rows:
                yield start, rows
                rows, start = [], row_no
        if rows:
            yield start, rows
    finally:
        workbook.close()


# --- either ----------------------------------------------------------------------------------
def read_headers(fileobj, info: FileInfo) -> tuple[list[str], int]:
    """Header texts (trailing empty ones dropped) and an estimate of the data rows."""
    if info.file_format == FileFormat.XLSX:
        headers, total = xlsx_headers(fileobj)
    else:
        headers = csv_headers(fileobj, info.encoding)
        total = csv_count_rows(fileobj)
    headers = [h.replace("\ufeff", "").strip() for h in headers]
    if len(headers) > MAX_COLUMNS:
        raise ValidationError(_("The file has %(n)s columns; at most %(max)s are read."), code="columns",
                              params={"n": len(headers), "max": MAX_COLUMNS})
    return headers, total


def iter_chunks(fileobj, info: FileInfo, ncols: int, chunk_rows: int = CHUNK_ROWS):
    if info.file_format == FileFormat.XLSX:
        return xlsx_chunks(fileobj, ncols, chunk_rows)
    return csv_chunks(fileobj, info.encoding, ncols, chunk_rows)
