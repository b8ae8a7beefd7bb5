"""Writes of loan products."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import Grade

from ..choices import BorrowerKind, Frequency, InstalmentMultiple, RepaymentMethod
from ..models import Product
from ..permissions import MANAGE_PRODUCTS
from ..validation import collect, parse_amount, parse_choice, parse_periods, parse_rate

PRODUCT_FIELDS = (
    "name", "description", "borrower_kind", "min_amount", "max_amount", "min_periods", "max_periods", "method",
    "frequency", "rate_min", "rate_max", "base_rate_name", "base_rate", "spread", "penalty_rate", "fee_rate",
    "fee_flat", "instalment_multiple", "min_rating", "min_grade", "grade_limits", "accepts_platform_payments",
    "is_active",
)


def _optional_rate(raw):
    return None if raw is None or raw == "" else parse_rate(raw)


def _grade(raw) -> str:
    """A grade of the core's scale (AAA … C) or "" for none."""
    text = str(raw or "").strip().upper()
    return "" if not text else parse_choice(text, Grade)


def _grade_limits(raw) -> dict:
    """{grade: amount} with every amount parsed exactly (kept as a decimal string in the JSON);
    empty amounts mean the product's maximum and are dropped."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValidationError(_("Give the maximum amount per grade as grade → amount, e.g. BBB → 500000."),
                              code="invalid")
    limits = {}
    for grade, amount in raw.items():
        key = str(grade).strip().upper()
        if key not in Grade.values:
            raise ValidationError(_("“%(grade)s” is not a credit grade (AAA … C).") % {"grade": grade}, code="grade")
        if amount in (None, ""):
            continue
        limits[key] = f"{parse_amount(amount):f}"
    return limits


def _parse_product_fields(fields: dict) -> dict:
    parsers = {
        "min_amount": lambda: parse_amount(fields["min_amount"]),
        "max_amount": lambda: parse_amount(fields["max_amount"]),
        "min_periods": lambda: parse_periods(fields["min_periods"]),
        "max_periods": lambda: parse_periods(fields["max_periods"]),
        "method": lambda: parse_choice(fields["method"], RepaymentMethod),
        "frequency": lambda: parse_choice(fields["frequency"], Frequency),
        "rate_min": lambda: parse_rate(fields["rate_min"]),
        "rate_max": lambda: parse_rate(fields["rate_max"]),
        "base_rate": lambda: _optional_rate(fields["base_rate"]),
        "spread": lambda: _optional_rate(fields["spread"]),
        "penalty_rate": lambda: _optional_rate(fields["penalty_rate"]),
        "fee_rate": lambda: parse_rate(fields["fee_rate"]),
        "fee_flat": lambda: parse_amount(fields["fee_flat"], allow_zero=True),
        "instalment_multiple": lambda: parse_choice(fields["instalment_multiple"], InstalmentMultiple),
        "borrower_kind": lambda: parse_choice(fields["borrower_kind"], BorrowerKind),
        "min_grade": lambda: _grade(fields["min_grade"]),
        "grade_limits": lambda: _grade_limits(fields["grade_limits"]),
    }
    values = collect(**{k: p for k, p in parsers.items() if k in fields})
    return {**fields, **values}


@transaction.atomic
def product_create(*, lender, user, name: str, min_amount, max_amount, min_periods, max_periods, method: str,
                   rate_min, rate_max, frequency: str = Frequency.MONTHLY, description: str = "",
                   borrower_kind: str = BorrowerKind.ENTERPRISE, base_rate_name: str = "", base_rate=None,
                   spread=None, penalty_rate=None, fee_rate=Decimal("0"), fee_flat=Decimal("0"),
                   instalment_multiple: str = InstalmentMultiple.FEN, min_rating: str = "",
                   min_grade: str = "", grade_limits: dict | None = None, accepts_platform_payments: bool = True, is_active: bool = True) -> Product:
    """A new product of ``lender`` (a manager of the lender only). Amounts and rates may be raw
    input; errors come back keyed by field. ``min_grade`` refuses firms rated below it (or not
    rated); ``grade_limits`` caps the amount per grade ({"BBB": "500000"}, absent = the maximum)."""
    require(user, lender, MANAGE_PRODUCTS)
    fields = _parse_product_fields({k: v for k, v in locals().items() if k in PRODUCT_FIELDS})
    product = Product(lender=lender, created_by=user, **fields)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, user, **changes) -> Product:
    """Change a product's terms (a manager of its lender). Running loans keep the terms of their
    contract; only new applications see the change."""
    require(user, product.lender, MANAGE_PRODUCTS)
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    values = _parse_product_fields(changes)
    for name, value in values.items():
        setattr(product, name, value)
    product.full_clean()
    product.save()
    return product
