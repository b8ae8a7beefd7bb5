"""Demo firm records: eight quarters of financial statements, tax and social-insurance records
for every demo firm, supplied by the government through the import service from generated
files — statements as GBK CSV, tax as UTF-8 CSV with BOM, social insurance as Excel — so the
demo shows completed import jobs. Idempotent: a file already imported is not imported again."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from agents.choices import Role
from infocenter.choices import ImportStatus, RecordKind
from infocenter.imports.services import import_job_create, import_job_run
from infocenter.models import ImportJob

FEN = Decimal("0.01")


def quarters(today: date, n: int = 8) -> list[tuple[int, int]]:
    """The last ``n`` finished quarters, oldest first."""
    y, q = today.year, (today.month - 1) // 3  # the current quarter has not ended
    result = []
    for _ in range(n):
        if q == 0:
            y, q = y - 1, 4
        result.append((y, q))
        q -= 1
    return list(reversed(result))


def _rows(firms, periods, rng: random.Random):
    """Per firm and quarter: revenue around a quarter of the annual revenue with a seasonal
    swing and growth; profit margin, taxes and contributions in the ranges of a hardware cluster."""
    for firm in firms:
        profile = getattr(firm, "enterprise_profile", None)
        annual = profile.annual_revenue if profile else Decimal(5_000_000)
        staff = profile.employees if profile else 50
        margin = Decimal(rng.randint(-3, 12)) / 100
        growth = Decimal(rng.randint(-4, 9)) / 100
        for i, (y, q) in enumerate(periods):
            season = Decimal((0.9, 0.95, 1.0, 1.15)[q - 1]).quantize(Decimal("0.01"))
            revenue = (annual / 4 * season * (1 + growth * i / 4)).quantize(FEN)
            profit = (revenue * (margin + Decimal(rng.randint(-2, 2)) / 100)).quantize(FEN)
            assets = (annual * Decimal(rng.randint(70, 130)) / 100).quantize(FEN)
            liabilities = (assets * Decimal(rng.randint(30, 75)) / 100).quantize(FEN)
            tax = (revenue * Decimal(rng.randint(25, 45)) / 1000).quantize(FEN)
            arrears = (tax * 2).quantize(FEN) if rng.random() < 0.04 else Decimal("0.00")
            headcount = max(1, staff + rng.randint(-5, 5))
            contributions = (Decimal(headcount) * Decimal(rng.randint(2800, 3600))).quantize(FEN)
            yield firm, f"{y}Q{q}", {"revenue": revenue, "profit": profit, "assets": assets,
                                     "liabilities": liabilities, "tax": tax, "arrears": arrears,
                                     "headcount": headcount, "contributions": contributions}


def _csv(header, rows, *, encoding, bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _xlsx(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "社保缴费"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def seed(world: dict, out) -> None:
    from django.utils import timezone

    gov, firms, user = world["government"], world["firms"], world["users"][Role.GOV_SUPERVISOR]
    periods = quarters(timezone.localdate())
    data = list(_rows(firms, periods, random.Random(20261126)))  # same figures every run
    tag = f"{periods[0][0]}Q{periods[0][1]}-{periods[-1][0]}Q{periods[-1][1]}"
    files = [
        (RecordKind.STATEMENT, f"财务报表-{tag}.csv", "永康市统计局企业一套表", _csv(
            ["统一社会信用代码", "企业名称", "报告期", "营业收入", "净利润", "资产总额", "负债总额"],
            [[f.credit_code, f.name, p, d["revenue"], d["profit"], d["assets"], d["liabilities"]] for f, p, d in data],
            encoding="gbk")),
        (RecordKind.TAX, f"纳税记录-{tag}.csv", "金税三期", _csv(
            ["统一社会信用代码", "纳税人名称", "税款所属期", "实缴税额", "欠税额"],
            [[f.credit_code, f.name, p, d["tax"], d["arrears"]] for f, p, d in data], encoding="utf-8", bom=True)),
        (RecordKind.SOCIAL_INSURANCE, f"社保缴费-{tag}.xlsx", "永康市社会保险事业管理中心", _xlsx(
            ["统一社会信用代码", "单位名称", "费款所属期", "参保人数", "实缴社保费"],
            [[f.credit_code, f.name, p, d["headcount"], str(d["contributions"])] for f, p, d in data])),
    ]
    done = 0
    for kind, name, source, content in files:
        if ImportJob.objects.filter(agent=gov, original_name=name, status=ImportStatus.SUCCEEDED).exists():
            continue
        job = import_job_create(user=user, agent=gov, kind=kind, source_name=source,
                                file=SimpleUploadedFile(name, content))
        job = import_job_run(job_id=job.pk)
        job.refresh_from_db()
        if job.status != ImportStatus.SUCCEEDED:
            raise RuntimeError(f"demo import {name} failed: {job.message} {job.error_preview[:3]}")
        done += 1
    out.write(f"  records: {len(firms)} firms × {len(periods)} quarters × 3 kinds ({done} files imported now)")
