"""Strict parsing shared by every layer: business dates and the collection of field errors.

Each parser turns raw input (a form value, a CLI option, an API field) into an exact value or
raises a ``ValidationError`` with a clear, translated message. Amounts are parsed by
``agents.money.parse_amount``; lending adds its rates and terms in ``lending.validation``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .money import refuse_fullwidth

MIN_YEAR, MAX_YEAR = 1990, 2100


def parse_date(raw) -> date:
    """A business date: a ``date`` or ``YYYY-MM-DD`` text; impossible dates (30 February) are refused."""
    if isinstance(raw, datetime):
        raise ValidationError(_("Give a calendar date, not a date and time."), code="invalid")
    if isinstance(raw, date):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        refuse_fullwidth(text)
        if not text:
            raise ValidationError(_("Enter a date."), code="required")
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a valid date (YYYY-MM-DD)."), code="invalid",
                                  params={"value": raw})
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(_("“%(value)s” is outside the years this platform handles."), code="out_of_range",
                              params={"value": raw})
    return value


def collect(**parsers: Callable[[], object]) -> dict:
    """Run each parser; return ``{field: value}`` or raise one ``ValidationError`` keyed by field."""
    values, errors = {}, {}
    for name, parser in parsers.items():
        try:
            values[name] = parser()
        except ValidationError as error:
            errors[name] = error.error_list if hasattr(error, "error_list") else [error]
    if errors:
        raise ValidationError(errors)
    return values
