"""The government's oversight: the loan prime rate it keeps, the thresholds of its compliance
monitor and the alerts the monitor raises (with their history)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import NOTHING, RestrictedManager, Viewer

RATE = {"max_digits": 10, "decimal_places": 8}
SHARE = {"max_digits": 6, "decimal_places": 4}
MEASURE = {"max_digits": 20, "decimal_places": 6}


def _own_government_q(viewer: Viewer, field: str = "government_id") -> Q:
    ids = viewer.ids_of("government")
    return Q(**{f"{field}__in": ids}) if ids else NOTHING


class LprTenor(models.TextChoices):
    ONE_YEAR = "1y", _("1-year LPR")
    FIVE_YEARS = "5y", _("5-year LPR")


class LoanPrimeRate(models.Model):
    """A value of the loan prime rate (贷款市场报价利率, LPR) as the government records it, from
    the day it takes effect. The value in force on a day is the latest one effective by then;
    earlier values stay as the history."""

    government = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="loan_prime_rates",
                                   limit_choices_to={"kind": "government"}, verbose_name=_("government"))
    tenor = models.CharField(_("tenor"), max_length=2, choices=LprTenor.choices, default=LprTenor.ONE_YEAR)
    value = models.DecimalField(_("rate"), **RATE,
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))])
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("source or note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-effective_on", "-pk"]
        verbose_name = _("loan prime rate")
        verbose_name_plural = _("loan prime rates")
        constraints = [models.UniqueConstraint(fields=["government", "tenor", "effective_on"],
                                               name="government_lpr_one_per_day")]

    def __str__(self) -> str:
        return f"{self.get_tenor_display()} {self.value} ({self.effective_on})"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _own_government_q(viewer)


class ComplianceSettings(models.Model):
    """The thresholds of the government's compliance monitor (the caps on private lending live
    in lending's ``PrivateLendingCaps``, which the investor portal enforces too)."""

    government = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="compliance_settings",
                                      limit_choices_to={"kind": "government"}, verbose_name=_("government"))
    borrower_share = models.DecimalField(
        _("largest share of one borrower"), **SHARE, default=Decimal("0.1000"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text=_("Alert when one borrower owes more than this share of the region's outstanding loans."))
    industry_share = models.DecimalField(
        _("largest share of one industry"), **SHARE, default=Decimal("0.6000"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text=_("Alert when one industry owes more than this share of the region's outstanding loans."))
    negative_reports_count = models.PositiveIntegerField(
        _("unverified negative reports"), default=10, validators=[MinValueValidator(1)],
        help_text=_("Alert when at least this many negative reports about the region's firms wait for verification."))
    negative_reports_days = models.PositiveIntegerField(
        _("days a negative report may wait"), default=30, validators=[MinValueValidator(1)],
        help_text=_("Alert when the oldest unverified negative report is older than this many days."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("compliance settings")
        verbose_name_plural = _("compliance settings")

    def __str__(self) -> str:
        return str(self.government)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _own_government_q(viewer)


class ComplianceRule(models.TextChoices):
    SME_INSTITUTIONS_COUNT = "sme_count", _("Small and medium institutions by count")
    SME_INSTITUTIONS_VOLUME = "sme_volume", _("Small and medium institutions by lending volume")
    PRIVATE_FIRM_CAP = "private_firm_cap", _("Borrowing from private investors per firm")
    PRIVATE_PERSON_CAP = "private_person_cap", _("Borrowing from private investors per natural person")
    PRIVATE_LENDER_CAP = "private_lender_cap", _("Lending per private investor")
    INVESTOR_SUITABILITY = "suitability", _("Investor suitability")
    BORROWER_CONCENTRATION = "borrower_concentration", _("Single-borrower concentration")
    INDUSTRY_CONCENTRATION = "industry_concentration", _("Industry concentration")
    NEGATIVE_REPORTS = "negative_reports", _("Unverified negative reports")
    LEDGER_RECONCILIATION = "ledger", _("Ledger reconciliation")
    GUARANTEE_CIRCLE = "guarantee_circle", _("Guarantee circle over its threshold")


class MeasureUnit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    SHARE = "share", _("share")
    COUNT = "count", _("count")
    DAYS = "days", _("days")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open, not yet acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class ComplianceAlert(models.Model):
    """A breach the compliance monitor found in a government's region: which rule, about what
    (``subject_key`` names it: a firm, an investor, an industry, a circle, the region), the value
    measured against the threshold, who owns it and where it stands (open → acknowledged →
    resolved). At most one unresolved alert per rule and subject: a later check updates it."""

    government = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="compliance_alerts",
                                   limit_choices_to={"kind": "government"}, verbose_name=_("government"))
    rule = models.CharField(_("rule"), max_length=32, choices=ComplianceRule.choices, db_index=True)
    subject_key = models.CharField(_("subject key"), max_length=200)
    subject_label = models.CharField(_("subject"), max_length=300)
    subject_agent = models.ForeignKey("agents.Agent", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("agent concerned"))
    measured = models.DecimalField(_("measured"), **MEASURE)
    threshold = models.DecimalField(_("threshold"), **MEASURE)
    unit = models.CharField(_("unit"), max_length=8, choices=MeasureUnit.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN,
                              db_index=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("owner"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    last_checked_at = models.DateTimeField(_("last checked at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("compliance alert")
        verbose_name_plural = _("compliance alerts")
        constraints = [
            models.UniqueConstraint(fields=["government", "rule", "subject_key"], condition=~Q(status="resolved"),
                                    name="government_alert_one_unresolved"),
        ]
        indexes = [models.Index(fields=["government", "status"], name="government_alert_gov_status")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.subject_label}"

    @property
    def is_resolved(self) -> bool:
        return self.status == AlertStatus.RESOLVED

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _own_government_q(viewer)


class AlertAction(models.TextChoices):
    RAISED = "raised", _("Raised by the monitor")
    UPDATED = "updated", _("Measured again")
    ASSIGNED = "assigned", _("Owner assigned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved by hand")
    AUTO_RESOLVED = "auto_resolved", _("Back within limits")


class ComplianceAlertEvent(models.Model):
    """One step in an alert's history: who (nobody for the monitor itself), when, what, a note."""

    alert = models.ForeignKey(ComplianceAlert, on_delete=models.CASCADE, related_name="history",
                              verbose_name=_("alert"))
    action = models.CharField(_("action"), max_length=16, choices=AlertAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=AlertStatus.choices)
    measured = models.DecimalField(_("measured"), **MEASURE, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("alert history")
        verbose_name_plural = _("alert history")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _own_government_q(viewer, "alert__government_id") if action == "view" else NOTHING


__all__ = ["AlertAction", "AlertStatus", "ComplianceAlert", "ComplianceAlertEvent", "ComplianceRule",
           "ComplianceSettings", "LoanPrimeRate", "LprTenor", "MeasureUnit"]
