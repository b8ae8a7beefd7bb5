"""The pool's sources and their movements. ``FundSource.outstanding`` is a cache of its
movements (in − out), updated in the same transaction as each movement and its ledger entry,
and reconciled against the ledger by ``ledger_check`` (the pool is a registered sub-ledger)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager, Viewer

from .choices import GovernmentFundPurpose, MovementKind, SourceKind, SourceStatus

RATE = {"max_digits": 9, "decimal_places": 6}


class PoolPolicy(models.Model):
    """The finance company's liquidity rules for its cluster's pool: the reserve floor (cash
    as a share of what the pool owes) and the share of one source above which it warns."""

    cluster = models.OneToOneField("agents.Cluster", on_delete=models.CASCADE, related_name="pool_policy")
    reserve_floor = models.DecimalField(_("reserve floor"), max_digits=5, decimal_places=4, default="0.1000",
                                        validators=[MinValueValidator(0), MaxValueValidator(1)],
                                        help_text=_("Cash available as a share of what the pool owes, at least."))
    concentration_warning = models.DecimalField(
        _("concentration warning"), max_digits=5, decimal_places=4, default="0.4000",
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Warn when one source is more than this share of the pool."))

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("pool policy")
        verbose_name_plural = _("pool policies")

    def __str__(self) -> str:
        return str(self.cluster)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = Q(cluster__finance_company_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "cluster__region_code")
        return q


class FundSource(models.Model):
    """One source of the pool with its terms: a member's deposit of idle funds (rate, notice
    period), an institution's credit line to the finance company (limit, rate, term), a note
    subscribed by a private investor (amount, rate, maturity) or government money placed with
    the finance company (risk compensation or subsidies)."""

    cluster = models.ForeignKey("agents.Cluster", on_delete=models.PROTECT, related_name="fund_sources")
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices, db_index=True)
    counterparty = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="pool_sources",
                                     verbose_name=_("counterparty"))
    reference = models.CharField(_("reference"), max_length=40, blank=True,
                                 help_text=_("The contract, line or note number."))
    annual_rate = models.DecimalField(_("annual rate"), **RATE, validators=[MinValueValidator(0),
                                                                            MaxValueValidator(1)])
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    maturity_date = models.DateField(_("matures on"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=0)
    limit = models.DecimalField(_("limit"), **MONEY_FIELD, null=True, blank=True,
                                help_text=_("A credit line's limit or a note's size; empty for deposits."))
    fund_purpose = models.CharField(_("purpose of the government fund"), max_length=20, blank=True,
                                    choices=GovernmentFundPurpose.choices)
    outstanding = models.DecimalField(_("outstanding"), **MONEY_FIELD, default=0)
    status = models.CharField(_("status"), max_length=8, choices=SourceStatus.choices, default=SourceStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["kind", "maturity_date", "pk"]
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")
        constraints = [
            models.CheckConstraint(condition=Q(outstanding__gte=0), name="pool_source_outstanding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.counterparty} {self.reference}".strip()

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # the finance company that runs the pool; the counterparty sees its own source;
        # the government of the cluster's region supervises
        q = Q(cluster__finance_company_id__in=viewer.agent_ids)
        if action == "view":
            q |= Q(counterparty_id__in=viewer.agent_ids) | government_prefixes_q(viewer, "cluster__region_code")
        return q


class SourceMovement(models.Model):
    """Money into or out of a source, or interest paid on it, with its journal entry."""

    source = models.ForeignKey(FundSource, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=8, choices=MovementKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    on = models.DateField(_("date"))
    entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, related_name="pool_movement")
    idempotency_key = models.CharField(max_length=160, unique=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("source movement")
        verbose_name_plural = _("source movements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.on}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(source__in=FundSource.objects.filter(FundSource.restrict_q(viewer, action)).values("pk"))


class PolicyPriority(models.Model):
    """A policy priority the finance company gives a firm or an industry (GB/T 4754 code) when
    it re-allocates the pool: ``weight`` is added to the expected return of each yuan lent to it,
    a year (0.01 = one point), for the programme that asks for it. The finance company records
    them for now; the government's support programmes will write them."""

    cluster = models.ForeignKey("agents.Cluster", on_delete=models.CASCADE, related_name="policy_priorities")
    firm = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="policy_priorities", verbose_name=_("firm"))
    industry_code = models.CharField(_("industry (GB/T 4754)"), max_length=5, blank=True)
    weight = models.DecimalField(_("policy weight"), max_digits=7, decimal_places=6,
                                 validators=[MinValueValidator(-1), MaxValueValidator(1)],
                                 help_text=_("Added to the yearly return of each yuan lent (0.01 = one point)."))
    programme = models.CharField(_("source or programme"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("policy priority")
        verbose_name_plural = _("policy priorities")
        constraints = [
            models.CheckConstraint(condition=(Q(firm__isnull=False) & Q(industry_code=""))
                                   | (Q(firm__isnull=True) & ~Q(industry_code="")),
                                   name="pool_priority_firm_or_industry"),
        ]

    def __str__(self) -> str:
        return f"{self.firm or self.industry_code} {self.weight} · {self.programme}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = Q(cluster__finance_company_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "cluster__region_code")
        return q
