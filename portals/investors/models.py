"""Private investors: residents and investor groups who lend or invest under supervision."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import cluster_members_q, government_prefixes_q
from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager

from .choices import HoldingStatus, InvestorType, OpportunityKind, OpportunityStatus, RiskLevel, Suitability


class InvestorProfile(models.Model):
    """Suitability profile (C1–C5) of a private investor or group; what products it may buy
    depends on it. Individuals are private: only themselves, the finance company and the
    government of their region see this profile."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="investor_profile",
                                 limit_choices_to={"kind": "investor"})
    investor_type = models.CharField(_("type"), max_length=12, choices=InvestorType.choices)
    suitability = models.CharField(_("suitability"), max_length=2, choices=Suitability.choices)
    assessed_on = models.DateField(_("suitability assessed on"))
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("investor profile")
        verbose_name_plural = _("investor profiles")

    def __str__(self) -> str:
        return str(self.agent)

    @classmethod
    def restrict_q(cls, viewer, action):
        q = Q(agent_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "agent__region_code")
            if viewer.ids_of("finance_company"):
                q |= cluster_members_q(finance_company=viewer.ids_of("finance_company"), field="agent_id")
        return q

    @property
    def valid_until(self):
        from .questionnaire import VALID_DAYS

        return self.assessed_on + datetime.timedelta(days=VALID_DAYS)

    def is_current(self, today=None) -> bool:
        """Whether the suitability assessment still holds (one year); expired = retake before investing."""
        return (today or timezone.localdate()) < self.valid_until


class SuitabilityAssessment(models.Model):
    """One completed questionnaire: the answers, the total score and the level it gave. The
    latest sets the investor's profile; all are kept (the history a supervisor may ask for)."""

    investor = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="suitability_assessments",
                                 limit_choices_to={"kind": "investor"}, verbose_name=_("investor"))
    answers = models.JSONField(_("answers"), default=dict)
    total = models.PositiveSmallIntegerField(_("total score"))
    level = models.CharField(_("suitability"), max_length=2, choices=Suitability.choices)
    assessed_on = models.DateField(_("assessed on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("suitability assessment")
        verbose_name_plural = _("suitability assessments")

    def __str__(self) -> str:
        return f"{self.investor} {self.level} {self.assessed_on}"

    @classmethod
    def restrict_q(cls, viewer, action):
        q = Q(investor_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "investor__region_code")
        return q


class Opportunity(models.Model):
    """Something an investor may put money into, with its risk level and disclosure: a note of a
    cluster's finance company, a member firm's need opened to investors (a direct loan, link b)
    or a deposit with an institution (link c). Each investment in it is a ``Holding``."""

    kind = models.CharField(_("kind"), max_length=12, choices=OpportunityKind.choices, db_index=True)
    issuer = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="investor_opportunities",
                               verbose_name=_("issuer"))
    cluster = models.ForeignKey("agents.Cluster", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="investor_opportunities", verbose_name=_("cluster"))
    title = models.CharField(_("title"), max_length=120)
    purpose = models.TextField(_("purpose"), blank=True)
    risk_disclosure = models.TextField(_("risk disclosure"))
    annual_rate = models.DecimalField(_("annual rate"), max_digits=10, decimal_places=8,
                                      validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.24"))])
    term_months = models.PositiveSmallIntegerField(_("term (months)"), validators=[MinValueValidator(1),
                                                                                  MaxValueValidator(120)])
    method = models.CharField(_("repayment method"), max_length=20, blank=True,
                              help_text=_("Direct loans only: how the firm repays."))
    size = models.DecimalField(_("amount sought"), **MONEY_FIELD, null=True, blank=True,
                               help_text=_("Empty: no limit (deposits)."))
    min_amount = models.DecimalField(_("minimum investment"), **MONEY_FIELD, default=Decimal("1000.00"))
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices)
    cooling_off_hours = models.PositiveSmallIntegerField(_("cooling-off period (hours)"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=OpportunityStatus.choices,
                              default=OpportunityStatus.OPEN, db_index=True)
    opens_on = models.DateField(_("opens on"), default=timezone.localdate)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["kind", "risk_level", "-opens_on", "pk"]
        verbose_name = _("investment opportunity")
        verbose_name_plural = _("investment opportunities")

    def __str__(self) -> str:
        return self.title

    @property
    def method_label(self) -> str:
        from lending.choices import RepaymentMethod

        return str(RepaymentMethod(self.method).label) if self.method in RepaymentMethod.values else self.method

    @classmethod
    def restrict_q(cls, viewer, action):
        # the shelf is public to every member; the issuer sees and changes its own
        q = Q(issuer_id__in=viewer.agent_ids)
        if action == "view" and viewer.agent_ids:
            q |= Q(status=OpportunityStatus.OPEN)
        return q


class Holding(models.Model):
    """One investment of an investor in an opportunity, with the record behind it: the note (a
    pool ``FundSource``), the loan (a lending ``Loan``, lender = the investor) or the deposit's
    ledger entry. ``risk_level`` and ``investor_level`` are those at the time of investing."""

    investor = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="holdings",
                                 limit_choices_to={"kind": "investor"}, verbose_name=_("investor"))
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="holdings",
                                    verbose_name=_("opportunity"))
    amount = models.DecimalField(_("amount"), **MONEY_FIELD, validators=[MinValueValidator(Decimal("0.01"))])
    status = models.CharField(_("status"), max_length=12, choices=HoldingStatus.choices, db_index=True)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices)
    investor_level = models.CharField(_("suitability"), max_length=2, choices=Suitability.choices)
    invested_on = models.DateField(_("invested on"))
    maturity_date = models.DateField(_("matures on"))
    cooling_off_until = models.DateTimeField(_("cooling-off ends"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    fund_source = models.OneToOneField("clusterfinance.FundSource", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="holding", verbose_name=_("note"))
    loan = models.OneToOneField("lending.Loan", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="holding", verbose_name=_("loan"))
    entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("ledger entry"))
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-invested_on", "-pk"]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        indexes = [models.Index(fields=["investor", "status"], name="investors_holding_inv_status")]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.amount}"

    @property
    def may_cancel(self) -> bool:
        return (self.status == HoldingStatus.COOLING_OFF and self.cooling_off_until is not None
                and timezone.now() < self.cooling_off_until)

    @classmethod
    def restrict_q(cls, viewer, action):
        q = Q(investor_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "investor__region_code")
        return q
