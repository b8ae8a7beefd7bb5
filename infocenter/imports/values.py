"""Parsing one cell of an import file (or one API value) into what the model stores.

Each function returns the parsed value or raises ``ValidationError`` with a translated message
that the error report shows next to the row number. Amounts never pass through float.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.money import MAX_AMOUNT, parse_amount, quantize, refuse_fullwidth
from agents.validators import normalise_uscc, validate_uscc

from ..choices import PeriodType

FORMULA_PREFIX = "="
EARLIEST_YEAR = 1990


def clean_text(raw) -> str:
    """Full-width digits and letters to half-width, surrounding spaces removed."""
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def is_formula(raw) -> bool:
    return isinstance(raw, str) and clean_text(raw).startswith(FORMULA_PREFIX)


def parse_credit_code(raw) -> str:
    code = normalise_uscc(clean_text(raw))
    if not code:
        raise ValidationError(_("The unified social credit code is missing."), code="required")
    validate_uscc(code)
    return code


@dataclass(frozen=True)
class Period:
    label: str  # 2026-09, 2026Q3, 2026
    type: str
    start: date
    end: date


_MONTH_RES = (
    re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(份)?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
)
_QUARTER_RES = (
    re.compile(r"^(?P<y>\d{4})\s*[-/ ]?\s*q(?P<q>[1-4])$", re.IGNORECASE),
    re.compile(r"^(?P<y>\d{4})\s*年\s*第?\s*(?P<q>[1-4一二三四])\s*季(度)?$"),
)
_YEAR_RES = (re.compile(r"^(?P<y>\d{4})\s*(年|年度)?$"),)
_DATE_RES = (
    re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?:[ t]00:00(?::00)?)?$"),
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
_CN_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_date(raw, *, what: str | None = None) -> date:
    """A calendar date: 2026-02-28, 2026/2/28, 2026年2月28日, 20260228. 30 February is refused."""
    text = clean_text(raw).lower()
    for regex in _DATE_RES:
        match = regex.match(text)
        if match:
            y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
            if not 1 <= m <= 12:
                raise ValidationError(_("“%(value)s” is not a date: there is no month %(month)s."),
                                      code="invalid_date", params={"value": raw, "month": m})
            last = calendar.monthrange(y, m)[1]
            if not 1 <= d <= last:
                raise ValidationError(
                    _("“%(value)s” is not a date: that month has %(days)s days."),
                    code="invalid_date", params={"value": raw, "days": last})
            return date(y, m, d)
    raise ValidationError(_("“%(value)s” is not a date; write it as 2026-09-30."), code="invalid_date",
                          params={"value": raw})


def _year(y: int, raw) -> int:
    if y < EARLIEST_YEAR:
        raise ValidationError(_("The period %(value)s is too long ago (from %(year)s on)."), code="period_old",
                              params={"value": raw, "year": EARLIEST_YEAR})
    return y


def parse_period(raw, *, today: date | None = None, allow_future: bool = False) -> Period:
    """A month (2026-09, 2026年9月, 202609), a quarter (2026Q3, 2026年第三季度) or a year (2026).
    A full date names its month (30 February is refused). A period that has not started is
    refused (records describe the past) unless ``allow_future`` (a publication may announce a
    policy or a plan)."""
    text = clean_text(raw).lower()
    if not text:
        raise ValidationError(_("The period is missing."), code="required")
    today = today or timezone.localdate()
    period = None
    for regex in _MONTH_RES:
        match = regex.match(text)
        if match:
            y, m = _year(int(match["y"]), raw), int(match["m"])
            if not 1 <= m <= 12:
                raise ValidationError(_("“%(value)s” is not a period: there is no month %(month)s."),
                                      code="invalid_period", params={"value": raw, "month": m})
            period = Period(f"{y}-{m:02d}", PeriodType.MONTH, date(y, m, 1),
                            date(y, m, calendar.monthrange(y, m)[1]))
            break
    if period is None:
        for regex in _QUARTER_RES:
            match = regex.match(text)
            if match:
                y = _year(int(match["y"]), raw)
                q = _CN_QUARTERS.get(match["q"]) or int(match["q"])
                end_month = q * 3
                period = Period(f"{y}Q{q}", PeriodType.QUARTER, date(y, end_month - 2, 1),
                                date(y, end_month, calendar.monthrange(y, end_month)[1]))
                break
    if period is None:
        for regex in _YEAR_RES:
            match = regex.match(text)
            if match:
                y = _year(int(match["y"]), raw)
                period = Period(str(y), PeriodType.YEAR, date(y, 1, 1), date(y, 12, 31))
                break
    if period is None and any(r.match(text) for r in _DATE_RES):
        day = parse_date(raw)
        period = Period(f"{day.year}-{day.month:02d}", PeriodType.MONTH, day.replace(day=1),
                        day.replace(day=calendar.monthrange(day.year, day.month)[1]))
    if period is None:
        raise ValidationError(
            _("“%(value)s” is not a period; write a month as 2026-09, a quarter as 2026Q3 or a year as 2026."),
            code="invalid_period", params={"value": raw})
    if period.start > today and not allow_future:
        raise ValidationError(_("The period %(value)s has not started yet."), code="period_future",
                              params={"value": period.label})
    return period


_EMPTY_CELLS = ("", "-", "—")


def _number_text(raw) -> str:
    """A number cell as typed, spaces removed. Not NFKC-normalised: full-width digits are refused
    by the one rule of ``agents.money`` (as in every form), not silently converted."""
    return str(raw if raw is not None else "").strip()


def parse_figure(raw, *, signed: bool = False, scale: Decimal | None = None) -> Decimal | None:
    """An amount in yuan (or in 万元 when the header says so); empty → None. Parsed by
    ``agents.money.parse_amount``: full-width digits, floats, NaN and absurd sizes are refused."""
    if isinstance(raw, str) or raw is None:
        text = _number_text(raw)
        if text in _EMPTY_CELLS:
            return None
        raw = text
    try:
        value = parse_amount(raw, allow_zero=True, allow_negative=signed, maximum=MAX_AMOUNT / (scale or 1))
    except InvalidOperation:
        # Defensive: a Decimal operation that cannot be carried out is not an amount either.
        raise ValidationError(_("“%(value)s” is not an amount."), code="invalid", params={"value": raw})
    if scale and scale != 1:
        value = quantize(value * scale)
    return value


def parse_count(raw) -> int | None:
    """A head count: a whole number, 0 or more; empty → None."""
    if isinstance(raw, float):
        raise ValidationError(_("Counts must be whole numbers."), code="float")
    text = _number_text(raw)
    if text in _EMPTY_CELLS:
        return None
    refuse_fullwidth(text)
    text = text.replace(",", "")
    if text.endswith(".0"):  # spreadsheets store 12 as 12.0
        text = text[:-2]
    if not re.fullmatch(r"\d{1,9}", text):
        if re.fullmatch(r"-\d+", text):
            raise ValidationError(_("A count cannot be negative."), code="negative")
        raise ValidationError(_("“%(value)s” is not a whole number."), code="invalid", params={"value": raw})
    return int(text)
