"""The mutual guarantee fund (互助担保基金) of a cluster and the firm-to-firm guarantees (互保,
连环担保) of its members.

The fund's capital lives in the ledger: the finance company's ``guarantee_fund`` liability
account (capital = minus its balance). Each movement — a contribution, a guarantee fee, a claim
paid, a recovery — is one journal entry and one row here, in the same transaction; the fund is a
registered sub-ledger (``reconcile.py``) so the two never drift apart unnoticed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager, Viewer

SHARE = {"max_digits": 5, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


def _fund_q(viewer: Viewer, action: str, prefix: str = "") -> Q:
    """The finance company that runs the fund; the government of its region reads."""
    q = Q(**{f"{prefix}cluster__finance_company_id__in": viewer.agent_ids})
    if action == "view":
        q |= government_prefixes_q(viewer, f"{prefix}cluster__region_code")
    return q


class GuaranteeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Released")


class ClaimStatus(models.TextChoices):
    RAISED = "raised", _("Raised, to be prepared")
    PREPARED = "prepared", _("Prepared, awaiting approval")
    APPROVED = "approved", _("Approved, to be paid")
    PAID = "paid", _("Paid")


class GuaranteeFund(models.Model):
    """The cluster's mutual guarantee fund and its rules: guarantees outstanding at most
    ``leverage_cap`` times the capital (放大倍数), each covering at most ``coverage_cap`` of its
    loan's principal, a yearly fee on the amount guaranteed, the days
    past due after which a guaranteed loan is claimed, and the share of its members' equity above
    which a circle of firm-to-firm guarantees is flagged."""

    cluster = models.OneToOneField("agents.Cluster", on_delete=models.CASCADE, related_name="guarantee_fund")
    leverage_cap = models.DecimalField(_("leverage cap"), max_digits=6, decimal_places=2, default=Decimal("10.00"),
                                       validators=[MinValueValidator(0)],
                                       help_text=_("Guarantees outstanding at most this multiple of the capital."))
    fee_rate = models.DecimalField(_("guarantee fee a year"), **SHARE, default=Decimal("0.0100"))
    coverage_cap = models.DecimalField(
        _("coverage at most"), **SHARE, default=Decimal("1.0000"),
        help_text=_("The largest share of a loan's principal the fund guarantees (the lender keeps the rest)."))
    claim_dpd = models.PositiveSmallIntegerField(_("claim after days past due"), default=90)
    circle_alert_share = models.DecimalField(
        _("circle alert share"), **SHARE, default=Decimal("0.5000"),
        help_text=_("Flag a guarantee circle whose exposure passes this share of its members' equity."))

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("guarantee fund")
        verbose_name_plural = _("guarantee funds")

    def __str__(self) -> str:
        return str(self.cluster)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _fund_q(viewer, action)


class FirmCapacity(models.Model):
    """The capacity the finance company sets for a firm (what it could pay if called on its
    guarantees), used instead of the equity of its latest statement."""

    fund = models.ForeignKey(GuaranteeFund, on_delete=models.CASCADE, related_name="capacities")
    firm = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+", verbose_name=_("firm"))
    capacity = models.DecimalField(_("capacity"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("firm capacity")
        verbose_name_plural = _("firm capacities")
        constraints = [models.UniqueConstraint(fields=["fund", "firm"], name="guarantee_capacity_unique")]

    def __str__(self) -> str:
        return f"{self.firm} {self.capacity}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _fund_q(viewer, action, "fund__")


class Contribution(models.Model):
    """Money a member firm (or the government) put into the fund, with its journal entry."""

    fund = models.ForeignKey(GuaranteeFund, on_delete=models.PROTECT, related_name="contributions")
    contributor = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="guarantee_contributions",
                                    verbose_name=_("contributor"))
    amount = models.DecimalField(_("amount"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    on = models.DateField(_("date"))
    entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return f"{self.contributor} {self.amount} {self.on}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = _fund_q(viewer, action, "fund__")
        if action == "view":
            q |= Q(contributor_id__in=viewer.agent_ids)
        return q


class FundGuarantee(models.Model):
    """The fund's guarantee of ``coverage`` of a member's loan from an institution: the amount
    guaranteed (coverage × principal) and the fee the borrower paid into the fund for it."""

    fund = models.ForeignKey(GuaranteeFund, on_delete=models.PROTECT, related_name="guarantees")
    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, related_name="fund_guarantees",
                             verbose_name=_("loan"))
    coverage = models.DecimalField(_("coverage"), **SHARE)
    amount = models.DecimalField(_("amount guaranteed"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    fee = models.DecimalField(_("fee"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(_("status"), max_length=8, choices=GuaranteeStatus.choices,
                              default=GuaranteeStatus.ACTIVE, db_index=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    fee_entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("fund guarantee")
        verbose_name_plural = _("fund guarantees")
        constraints = [
            # one live guarantee of the fund per loan
            models.UniqueConstraint(fields=["loan"], condition=~Q(status="released"),
                                    name="guarantee_one_live_per_loan"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} · {self.amount}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = _fund_q(viewer, action, "fund__")
        if action == "view":
            q |= Q(loan__lender_id__in=viewer.agent_ids) | Q(loan__borrower_id__in=viewer.agent_ids)
        return q


class GuaranteeClaim(models.Model):
    """A claim on the fund for a guaranteed loan past ``claim_dpd``: coverage × (outstanding
    principal + unpaid interest) on the day it was raised. A staff member prepares it, a manager
    other than the preparer approves it, the payout posts to the ledger; what the defaulter later
    pays back is recorded against the claim (``recovered``)."""

    guarantee = models.OneToOneField(FundGuarantee, on_delete=models.PROTECT, related_name="claim")
    raised_on = models.DateField(_("raised on"))
    dpd = models.PositiveIntegerField(_("days past due"))
    principal = models.DecimalField(_("outstanding principal"), **MONEY_FIELD)
    interest = models.DecimalField(_("unpaid interest"), **MONEY_FIELD)
    amount = models.DecimalField(_("claim"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    status = models.CharField(_("status"), max_length=8, choices=ClaimStatus.choices, default=ClaimStatus.RAISED,
                              db_index=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payout_entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    recovered = models.DecimalField(_("recovered"), **MONEY_FIELD, default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("guarantee claim")
        verbose_name_plural = _("guarantee claims")
        constraints = [
            models.CheckConstraint(condition=Q(recovered__gte=0) & Q(recovered__lte=F("amount")),
                                   name="guarantee_claim_recovered_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.guarantee.loan} · {self.amount}"

    @property
    def loss(self):
        return self.amount - self.recovered if self.status == ClaimStatus.PAID else 0

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = _fund_q(viewer, action, "guarantee__fund__")
        if action == "view":
            q |= Q(guarantee__loan__lender_id__in=viewer.agent_ids)
        return q


class ClaimRecovery(models.Model):
    """Money the defaulter paid back into the fund against a paid claim, with its entry."""

    claim = models.ForeignKey(GuaranteeClaim, on_delete=models.PROTECT, related_name="recoveries")
    amount = models.DecimalField(_("amount"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    on = models.DateField(_("date"))
    entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")

    def __str__(self) -> str:
        return f"{self.claim_id} {self.amount} {self.on}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _fund_q(viewer, action, "claim__guarantee__fund__")


class FirmGuarantee(models.Model):
    """A guarantee one member firm gives another's borrowing (互保, 连环担保), recorded by the
    finance company so the network — circles and chains no single lender sees — can be watched."""

    cluster = models.ForeignKey("agents.Cluster", on_delete=models.PROTECT, related_name="firm_guarantees")
    guarantor = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="guarantees_given",
                                  verbose_name=_("guarantor"))
    borrower = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="guarantees_received",
                                 verbose_name=_("borrower"))
    amount = models.DecimalField(_("amount guaranteed"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    loan = models.ForeignKey("lending.Loan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("loan"))
    active = models.BooleanField(_("active"), default=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("firm-to-firm guarantee")
        verbose_name_plural = _("firm-to-firm guarantees")
        constraints = [
            models.CheckConstraint(condition=~Q(guarantor=F("borrower")), name="firm_guarantee_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.guarantor} → {self.borrower} {self.amount}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = _fund_q(viewer, action)
        if action == "view":
            q |= Q(guarantor_id__in=viewer.agent_ids) | Q(borrower_id__in=viewer.agent_ids)
        return q
