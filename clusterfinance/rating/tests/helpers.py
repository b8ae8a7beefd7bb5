"""Test helpers of the rating: records, reports and loans about a firm, built as users would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from infocenter.models import FirmRecord
from infocenter.tests.factories import ReportFactory


def statement(world, firm, *, year: int, revenue="10000000", profit="800000", assets="8000000",
              liabilities="4000000"):
    return FirmRecord.objects.create(
        agent=firm, kind="statement", period=str(year), period_type="year", period_start=date(year, 1, 1),
        period_end=date(year, 12, 31), revenue=Decimal(revenue), net_profit=Decimal(profit),
        total_assets=Decimal(assets), total_liabilities=Decimal(liabilities), source="api", supplied_by=world.gov)


def tax(world, firm, *, year: int, paid="300000", arrears="0"):
    return FirmRecord.objects.create(
        agent=firm, kind="tax", period=str(year), period_type="year", period_start=date(year, 1, 1),
        period_end=date(year, 12, 31), tax_paid=Decimal(paid), tax_arrears=Decimal(arrears), source="api",
        supplied_by=world.gov)


def social(world, firm, *, year: int, headcount=50, arrears="0"):
    return FirmRecord.objects.create(
        agent=firm, kind="social_insurance", period=str(year), period_type="year", period_start=date(year, 1, 1),
        period_end=date(year, 12, 31), insured_headcount=headcount, contributions_paid=Decimal("100000"),
        contribution_arrears=Decimal(arrears), source="api", supplied_by=world.gov)


def solid_firm(world, firm):
    """Two years of good statements and government records."""
    for year, revenue in ((2024, "9000000"), (2025, "10000000")):
        statement(world, firm, year=year, revenue=revenue)
        tax(world, firm, year=year, paid="280000" if year == 2024 else "300000")
        social(world, firm, year=year, headcount=48 if year == 2024 else 50)


def negative_report(world, firm, *, status="unverified", reporter=None):
    return ReportFactory(subject=firm, reporter=reporter or world.bank, report_type="negative", status=status)
