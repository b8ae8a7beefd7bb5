"""The disclosure calendar: calendar months as periods, and the working days on which the monthly
disclosure falls due (Monday–Friday; public holidays are not known to the platform, see
docs/decisions.md)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# The monthly platform disclosure is due within the first five working days of the next month.
WORKING_DAYS_TO_DISCLOSE = 5


def month_bounds(period: str) -> tuple[date, date]:
    """``"2026-10"`` → (2026-10-01, 2026-10-31)."""
    year, month = (int(p) for p in period.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_period(today: date) -> str:
    """The calendar month before ``today``'s, as ``YYYY-MM``."""
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def working_day_of_month(today: date) -> int:
    """1 for the first Monday–Friday of the month, …; 0 on a weekend."""
    if today.weekday() >= 5:
        return 0
    return sum(1 for d in range(1, today.day + 1) if today.replace(day=d).weekday() < 5)


def monthly_disclosure_due(*, today: date) -> str | None:
    """The period to disclose today, or None: the previous month, on the first five working days."""
    day = working_day_of_month(today)
    return previous_period(today) if 1 <= day <= WORKING_DAYS_TO_DISCLOSE else None
