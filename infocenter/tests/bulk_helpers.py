"""Helpers of the bulk-data tests: files in every encoding and format, uploads as a role."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

STATEMENT_HEADERS = ["统一社会信用代码", "企业名称", "期间", "营业收入", "净利润", "资产总额", "负债总额"]


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", bom: bool = False, newline: str = "\r\n") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for row in rows:
        writer.writerow(row)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list], *, formulas: bool = True) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "statements.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def statement_rows(firms, periods=("2026Q1", "2026Q2"), revenue="1234567.89") -> list[list]:
    rows = [STATEMENT_HEADERS]
    for firm in firms:
        for period in periods:
            rows.append([firm.credit_code, firm.name, period, revenue, "-1200.50", "5000000", "2000000.00"])
    return rows
