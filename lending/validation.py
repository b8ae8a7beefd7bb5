"""Strict parsing of lending input: rates, terms, dates, choices.

Every parser turns raw user input (a form value, a CLI option, an API field) into an exact
value or raises a ``ValidationError`` with a clear, translated message. Amounts are parsed by
``agents.money.parse_amount``. ``collect()`` runs several parsers and reports every bad field at
once, keyed by field name, so a form can show each error beside its field.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from agents.money import parse_amount, quantize, refuse_fullwidth
from agents.parsing import collect, parse_date

__all__ = ["collect", "parse_amount", "parse_choice", "parse_date", "parse_periods", "parse_rate", "validate_terms"]

MAX_RATE = Decimal("1")  # 100 % a year: anything above is a typing error
RATE_PLACES = 8
MAX_PERIODS = 360


def _text(raw) -> str:
    text = str(raw if raw is not None else "").strip()
    refuse_fullwidth(text)
    return text.replace(",", "")


def parse_rate(raw, *, allow_zero: bool = True) -> Decimal:
    """An annual interest rate as a fraction: ``0.0435`` (or ``"4.35%"``) → ``Decimal("0.0435")``.

    Floats, NaN, negatives, more than 8 decimals and rates above 100 % a year are refused.
    """
    if isinstance(raw, float):
        raise ValidationError(_("Rates must be given as exact decimals, not floating point."), code="float")
    if isinstance(raw, bool):
        raise ValidationError(_("“%(value)s” is not an interest rate."), code="invalid", params={"value": raw})
    if isinstance(raw, Decimal | int):
        value = Decimal(raw)
    else:
        text = _text(raw)
        if not text:
            raise ValidationError(_("Enter an interest rate."), code="required")
        percent = text.endswith("%")
        try:
            value = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not an interest rate."), code="invalid", params={"value": raw})
        if percent and value.is_finite():
            # Exponents far out of range stay as typed (still refused below): dividing 1e3000000 by 100
            # would overflow the decimal context, and 1e-999999999 would silently round to zero.
            value = value.scaleb(-2) if -99 < value.adjusted() < 99 else value
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not an interest rate."), code="invalid", params={"value": raw})
    if value < 0:
        raise ValidationError(_("The interest rate cannot be negative."), code="negative")
    if value == 0 and not allow_zero:
        raise ValidationError(_("The interest rate must be greater than zero."), code="zero")
    if value > MAX_RATE:
        raise ValidationError(
            _("An annual rate above %(max)s is not plausible; give the rate as a fraction, e.g. 0.0435 for %(example)s."),
            code="too_large", params={"max": "100%", "example": "4.35%"})
    if value != value.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise ValidationError(_("Rates have at most %(places)s decimals."), code="precision",
                              params={"places": RATE_PLACES})
    return value.normalize() if value else Decimal("0")


def parse_periods(raw, *, maximum: int = MAX_PERIODS) -> int:
    """A number of repayment periods (the term): a whole number from 1 to ``maximum``."""
    if isinstance(raw, bool | float):
        raise ValidationError(_("The term must be a whole number of periods."), code="invalid")
    if isinstance(raw, int):
        value = raw
    else:
        text = _text(raw)
        if not text:
            raise ValidationError(_("Enter the term (number of periods)."), code="required")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("The term must be a whole number of periods."), code="invalid")
        if not number.is_finite() or number != number.to_integral_value():
            raise ValidationError(_("The term must be a whole number of periods."), code="invalid")
        # int(1e999999999) would build a billion-digit number; anything that long is too long.
        value = int(number) if number.adjusted() < 9 else (maximum + 1 if number > 0 else -1)
    if value <= 0:
        raise ValidationError(_("The term must be at least one period."), code="zero")
    if value > maximum:
        raise ValidationError(_("The term is too long (at most %(max)s periods)."), code="too_large",
                              params={"max": maximum})
    return value


def parse_choice(raw, choices) -> str:
    """One of the values of a ``TextChoices`` class."""
    value = _text(raw)
    if value not in choices.values:
        raise ValidationError(_("“%(value)s” is not one of: %(choices)s."), code="invalid_choice",
                              params={"value": raw, "choices": ", ".join(choices.values)})
    return value


def amount_parser(raw, **kwargs) -> Callable[[], Decimal]:
    return lambda: parse_amount(raw, **kwargs)


def validate_terms(*, product, amount, periods, annual_rate) -> dict:
    """Parse and check amount, term and rate against the product's ranges (errors keyed by field)."""
    values = collect(amount=lambda: parse_amount(amount), periods=lambda: parse_periods(periods),
                     annual_rate=lambda: parse_rate(annual_rate if annual_rate not in (None, "")
                                                    else product.default_rate))
    errors = {}
    if not product.min_amount <= values["amount"] <= product.max_amount:
        errors["amount"] = gettext_now("This product lends from %(min)s to %(max)s yuan.") % {
            "min": f"{product.min_amount:,}", "max": f"{product.max_amount:,}"}
    if not product.min_periods <= values["periods"] <= product.max_periods:
        errors["periods"] = gettext_now("This product's term is %(min)s to %(max)s periods.") % {
            "min": product.min_periods, "max": product.max_periods}
    if not product.rate_min <= values["annual_rate"] <= product.rate_max:
        errors["annual_rate"] = gettext_now("This product's annual rate is between %(min)s%% and %(max)s%%.") % {
            "min": f"{product.rate_min * 100:.4f}".rstrip("0").rstrip("."),
            "max": f"{product.rate_max * 100:.4f}".rstrip("0").rstrip(".")}
    fee = quantize(values["amount"] * product.fee_rate) + product.fee_flat
    if "amount" not in errors and fee >= values["amount"]:
        errors["amount"] = gettext_now("The fees would take the whole amount.")
    if errors:
        raise ValidationError(errors)
    # the schedule must be computable (e.g. rounding to 100 yuan does not suit a tiny loan)
    from .schedules import build_schedule

    build_schedule(principal=values["amount"], annual_rate=values["annual_rate"], periods=values["periods"],
                   method=product.method, frequency=product.frequency, start=timezone.localdate(),
                   instalment_multiple=product.instalment_multiple)
    return values
