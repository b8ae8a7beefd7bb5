"""Loan products offered by a lender."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.choices import Grade
from agents.money import MONEY_FIELD
from agents.restrict import NOTHING, RestrictedManager, Viewer

from ..choices import BorrowerKind, Frequency, InstalmentMultiple, RepaymentMethod

RATE_FIELD = {"max_digits": 10, "decimal_places": 8}
# Penalty interest (罚息) is 1.5 × the contract rate unless the product says otherwise.
DEFAULT_PENALTY_MULTIPLIER = Decimal("1.5")
LENDER_KINDS = ("finance_company", "institution", "investor")


class Product(models.Model):
    """A loan product of a lender (the finance company, an institution or an investor): amount,
    term and annual-rate ranges (or base rate + spread), repayment method and frequency, penalty
    rate, fees, instalment rounding and eligibility. Applications are made against a product."""

    lender = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="loan_products",
                               verbose_name=_("lender"))
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    borrower_kind = models.CharField(_("who may borrow"), max_length=16, choices=BorrowerKind.choices,
                                     default=BorrowerKind.ENTERPRISE)
    min_amount = models.DecimalField(_("minimum amount"), **MONEY_FIELD)
    max_amount = models.DecimalField(_("maximum amount"), **MONEY_FIELD)
    min_periods = models.PositiveSmallIntegerField(_("shortest term (periods)"))
    max_periods = models.PositiveSmallIntegerField(_("longest term (periods)"))
    method = models.CharField(_("repayment method"), max_length=20, choices=RepaymentMethod.choices)
    frequency = models.CharField(_("repayment frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.MONTHLY)
    rate_min = models.DecimalField(_("lowest annual rate"), **RATE_FIELD)
    rate_max = models.DecimalField(_("highest annual rate"), **RATE_FIELD)
    base_rate_name = models.CharField(_("base rate"), max_length=40, blank=True,
                                      help_text=_("e.g. “1-year LPR”; leave empty for a fixed rate range."))
    base_rate = models.DecimalField(_("base rate value"), null=True, blank=True, **RATE_FIELD)
    spread = models.DecimalField(_("spread over the base rate"), null=True, blank=True, **RATE_FIELD)
    penalty_rate = models.DecimalField(
        _("penalty annual rate"), null=True, blank=True, **RATE_FIELD,
        help_text=_("Annual rate on overdue amounts; empty means 1.5 × the contract rate."))
    fee_rate = models.DecimalField(_("upfront fee (share of the amount)"), default=0, **RATE_FIELD)
    fee_flat = models.DecimalField(_("upfront fee (fixed)"), default=0, **MONEY_FIELD)
    instalment_multiple = models.CharField(_("instalment rounding"), max_length=5,
                                           choices=InstalmentMultiple.choices, default=InstalmentMultiple.FEN)
    min_rating = models.CharField(_("minimum credit rating"), max_length=10, blank=True,
                                  help_text=_("Eligibility once ratings exist; empty means no minimum."))
    # The grade gate: a firm rated below ``min_grade`` (or not rated) is refused; ``grade_limits``
    # caps the amount per grade ({"BBB": "500000.00"}, grades absent = the product's maximum).
    # Grades are the core's (agents.choices.Grade), read from Agent.current_grade.
    min_grade = models.CharField(_("minimum credit grade"), max_length=3, choices=Grade.choices, blank=True,
                                 help_text=_("Firms rated below this grade are refused; empty means no minimum."))
    grade_limits = models.JSONField(_("maximum amount per grade"), default=dict, blank=True)
    accepts_platform_payments = models.BooleanField(_("accepts repayments through the platform"), default=True)
    is_active = models.BooleanField(_("open for applications"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["lender__name", "name"]
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        constraints = [models.UniqueConstraint(fields=["lender", "name"], name="lending_product_lender_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def default_rate(self) -> Decimal:
        """The rate offered unless the lender says otherwise: base rate + spread, or the lowest rate."""
        if self.base_rate is not None and self.spread is not None:
            return self.base_rate + self.spread
        return self.rate_min

    def penalty_rate_for(self, contract_rate: Decimal) -> Decimal:
        if self.penalty_rate is not None:
            return self.penalty_rate
        return (contract_rate * DEFAULT_PENALTY_MULTIPLIER).quantize(Decimal("0.00000001"))

    def clean(self) -> None:
        errors = {}
        if self.lender_id and self.lender.kind not in LENDER_KINDS:
            errors["lender"] = _("Only the finance company, an institution or an investor can offer loans.")
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            errors["max_amount"] = _("The maximum amount is below the minimum.")
        if self.min_amount is not None and self.min_amount <= 0:
            errors["min_amount"] = _("The minimum amount must be greater than zero.")
        if self.min_periods is not None and self.min_periods < 1:
            errors["min_periods"] = _("The term must be at least one period.")
        if self.min_periods and self.max_periods is not None and self.min_periods > self.max_periods:
            errors["max_periods"] = _("The longest term is below the shortest.")
        if self.rate_min is not None and self.rate_max is not None and self.rate_min > self.rate_max:
            errors["rate_max"] = _("The highest rate is below the lowest.")
        if (self.base_rate is None) != (self.spread is None):
            errors["spread"] = _("Give both the base rate and the spread, or neither.")
        elif self.base_rate is not None and self.rate_min is not None and self.rate_max is not None \
                and not self.rate_min <= self.default_rate <= self.rate_max:
            errors["spread"] = _("Base rate + spread must lie within the product's rate range.")
        if self.instalment_multiple != InstalmentMultiple.FEN and self.method in (
                RepaymentMethod.INTEREST_ONLY, RepaymentMethod.BULLET):
            errors["instalment_multiple"] = _("Instalment rounding applies to equal instalments and equal "
                                              "principal only.")
        for grade, limit in (self.grade_limits or {}).items():
            try:
                ok = grade in Grade.values and Decimal(str(limit)).is_finite() and Decimal(str(limit)) > 0
            except ArithmeticError:
                ok = False
            if not ok:
                errors["grade_limits"] = _("Give a positive amount for each grade, e.g. {\"BBB\": \"500000\"}.")
                break
        if errors:
            raise ValidationError(errors)

    # --- visibility ---------------------------------------------------------------------
    @classmethod
    def restrict_anonymous_q(cls, action: str) -> Q:
        # The catalogue of open products is public information (disclosure).
        return Q(is_active=True, lender__status="active") if action == "view" else NOTHING

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        own = Q(lender_id__in=viewer.agent_ids)
        if action == "view":
            return own | cls.restrict_anonymous_q("view")
        return own
