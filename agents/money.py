"""Money, the one place where amounts are rounded (DESIGN.md §4.3).

Amounts are ``Decimal`` in yuan with two places (fen). Floats are refused outright: a float
has already lost cents by the time it reaches us.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# Far above any SME loan or fund: anything larger is a typing error, not a transaction.
MAX_AMOUNT = Decimal("9999999999.99")
MONEY_FIELD = {"max_digits": 18, "decimal_places": 2}

_FULLWIDTH_RANGE = ("\uff01", "\uff5e")  # full-width ASCII forms (１２３．４５, ＋, ％ …)


def refuse_fullwidth(raw, *, what=None) -> None:
    """Full-width digits (typed with a Chinese input method) are refused, not guessed at: the
    error shows the half-width number the user probably meant, so they can retype it."""
    text = str(raw)
    if any(_FULLWIDTH_RANGE[0] <= ch <= _FULLWIDTH_RANGE[1] or ch == "\u3000" for ch in text):
        meant = "".join(chr(ord(ch) - 0xFEE0) if _FULLWIDTH_RANGE[0] <= ch <= _FULLWIDTH_RANGE[1] else
                        (" " if ch == "\u3000" else ch) for ch in text).strip()
        raise ValidationError(
            _("“%(value)s” is typed with full-width characters; use half-width digits, e.g. %(meant)s."),
            code="fullwidth", params={"value": text, "meant": meant},
        )



def quantize(value: Decimal, step: Decimal = FEN) -> Decimal:
    """Round half-up to ``step`` (a fen unless told otherwise)."""
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def parse_amount(raw, *, allow_zero: bool = False, allow_negative: bool = False,
                 maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """Parse user input (a form field, a CSV cell, an API value) into an exact amount.

    Accepts ``1234.5``, ``1,234.50`` and ``¥100``; rejects floats, full-width digits
    (``１２３４``), NaN, infinity, more than two decimals, negatives and zero (unless allowed) and
    absurd sizes, each with a clear, translated message.
    """
    if isinstance(raw, float):
        raise ValidationError(_("Amounts must be given as exact decimals, not floating point."),
                              code="float")
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if text.startswith("￥"):  # the full-width yen sign is what Chinese keyboards type
            text = text[1:]
        refuse_fullwidth(text)
        text = text.replace(",", "").replace("¥", "").strip()
        if not text:
            raise ValidationError(_("Enter an amount."), code="required")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not an amount."), code="invalid",
                                  params={"value": raw})
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not an amount."), code="invalid", params={"value": raw})
    if value < 0 and not allow_negative:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    # Size before precision, and without arithmetic: ``abs()`` or quantizing 1e3000000 would
    # overflow the decimal context (a 500), while comparing the exponent never does.
    if value and value.adjusted() > maximum.adjusted() or value.copy_abs() > maximum:
        raise ValidationError(_("The amount is too large (at most %(max)s)."), code="too_large",
                              params={"max": f"{maximum:,}"})
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise ValidationError(_("Amounts have at most two decimals (fen)."), code="precision")
    if value == 0 and not allow_zero:
        raise ValidationError(_("The amount must be greater than zero."), code="zero")
    return quantize(value)


def format_yuan(value) -> str:
    if value is None or value == "":
        return "—"
    value = quantize(Decimal(value))
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def format_wan(value) -> str:
    """10k-yuan display (万元), two decimals: 1,234,567.89 → 123.46 万元."""
    if value is None or value == "":
        return "—"
    wan = quantize(Decimal(value) / Decimal(10000))
    return f"{wan:,.2f} 万元"


# --- sums and ratios in queries and figures -------------------------------------------------------

RATIO_PLACES = Decimal("0.0001")


def money_sum(expression, condition=None):
    """``SUM(expression)`` as an exact money column, 0.00 when there are no rows (one helper for
    every aggregate of amounts, so no page or figure re-spells the Coalesce)."""
    from django.db.models import DecimalField, Sum, Value
    from django.db.models.functions import Coalesce

    output = DecimalField(**MONEY_FIELD)
    return Coalesce(Sum(expression, filter=condition, output_field=output), Value(ZERO), output_field=output)


def ratio(part, whole, places: Decimal = RATIO_PLACES) -> Decimal:
    """``part / whole`` to four places (0.1234 = 12.34 %), 0 when the whole is zero."""
    if not whole:
        return Decimal(0).quantize(places)
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)
