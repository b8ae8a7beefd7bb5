"""The collective bond issues: the issue, each firm's share, the subscriptions, the scheduled
payments with each firm's part of them, the guarantor's recovery claims on a firm that
defaulted and each amount recovered on them. Settling the issue and making each payment are
prepared by one person of the lead and approved by another (maker-checker): who did each is
kept on the issue and on the payment."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BondRisk(models.TextChoices):
    R1 = "R1", _("R1 Low")
    R2 = "R2", _("R2 Medium-low")
    R3 = "R3", _("R3 Medium")
    R4 = "R4", _("R4 Medium-high")
    R5 = "R5", _("R5 High")


class IssueStatus(models.TextChoices):
    DRAFT = "draft", _("Being assembled")
    OPEN = "open", _("Open for subscription")
    ALLOCATED = "allocated", _("Allocated")
    SETTLED = "settled", _("Settled (outstanding)")
    REDEEMED = "redeemed", _("Redeemed")


class BondIssue(models.Model):
    """One collective issue led by a finance company; ``guarantor`` covers every firm's share
    (the lead itself when none is named)."""

    lead = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("lead"))
    guarantor = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("guarantor"))
    name = models.CharField(_("name"), max_length=120)
    size = models.DecimalField(_("issue size"), max_digits=18, decimal_places=2)
    coupon_rate = models.DecimalField(_("coupon rate (a year)"), max_digits=7, decimal_places=4)
    term_months = models.PositiveSmallIntegerField(_("term in months"))
    payments_per_year = models.PositiveSmallIntegerField(_("coupon payments a year"), default=1)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=BondRisk.choices, default=BondRisk.R3)
    share_cap = models.DecimalField(_("largest share of a firm's net assets"), max_digits=5, decimal_places=4,
                                    default=Decimal("0.4000"))
    issue_date = models.DateField(_("issue date"))
    status = models.CharField(_("status"), max_length=10, choices=IssueStatus.choices, default=IssueStatus.DRAFT)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    # maker-checker of the settlement: PROTECT, so a preparer's record never silently vanishes
    settle_prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("settlement prepared by"))
    settle_prepared_at = models.DateTimeField(_("settlement prepared at"), null=True, blank=True)
    settle_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("settlement approved by"))
    settle_approved_at = models.DateTimeField(_("settlement approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("collective bond issue")
        verbose_name_plural = _("collective bond issues")
        ordering = ["-issue_date", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def guarantor_id_or_lead(self) -> int:
        return self.guarantor_id or self.lead_id


class BondShare(models.Model):
    """A member firm's own share of the issue (it is liable for this share only), with the net
    assets and statement period it was checked against."""

    issue = models.ForeignKey(BondIssue, on_delete=models.CASCADE, related_name="shares", verbose_name=_("issue"))
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("firm"))
    amount = models.DecimalField(_("share"), max_digits=18, decimal_places=2)
    net_assets = models.DecimalField(_("net assets"), max_digits=18, decimal_places=2)
    statement_period = models.DateField(_("statement period end"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("firm's share of a bond issue")
        verbose_name_plural = _("firms' shares of bond issues")
        ordering = ["issue_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["issue", "firm"], name="bond_share_unique")]

    def __str__(self) -> str:
        return f"{self.issue_id}:{self.firm_id}"


class BondSubscription(models.Model):
    """An institution's or private investor's subscription; ``allocated`` once allocated."""

    issue = models.ForeignKey(BondIssue, on_delete=models.CASCADE, related_name="subscriptions",
                              verbose_name=_("issue"))
    subscriber = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("subscriber"))
    requested = models.DecimalField(_("amount subscribed"), max_digits=18, decimal_places=2)
    allocated = models.DecimalField(_("amount allocated"), max_digits=18, decimal_places=2, null=True, blank=True)
    investor_level = models.CharField(_("suitability"), max_length=2, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("bond subscription")
        verbose_name_plural = _("bond subscriptions")
        ordering = ["issue_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="bond_subscription_unique")]

    def __str__(self) -> str:
        return f"{self.issue_id}:{self.subscriber_id}"


class BondPayment(models.Model):
    """A scheduled payment of the issue: the coupon, and the principal with the last one."""

    issue = models.ForeignKey(BondIssue, on_delete=models.CASCADE, related_name="payments", verbose_name=_("issue"))
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    coupon = models.DecimalField(_("coupon"), max_digits=18, decimal_places=2)
    principal = models.DecimalField(_("principal"), max_digits=18, decimal_places=2, default=Decimal("0.00"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bond payment")
        verbose_name_plural = _("bond payments")
        ordering = ["issue_id", "number"]
        constraints = [models.UniqueConstraint(fields=["issue", "number"], name="bond_payment_unique")]

    def __str__(self) -> str:
        return f"{self.issue_id}#{self.number}"


class BondDefault(models.Model):
    """A firm that cannot pay its part of a payment: the guarantor pays it for the firm and holds
    a recovery claim on the firm for that amount."""

    payment = models.ForeignKey(BondPayment, on_delete=models.CASCADE, related_name="defaults",
                                verbose_name=_("payment"))
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("firm"))
    guarantor = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("guarantor"))
    amount = models.DecimalField(_("covered by the guarantor"), max_digits=18, decimal_places=2, default=Decimal("0"))
    recovered = models.DecimalField(_("recovered"), max_digits=18, decimal_places=2, default=Decimal("0.00"))
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("bond default")
        verbose_name_plural = _("bond defaults")
        ordering = ["payment_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["payment", "firm"], name="bond_default_unique")]

    def __str__(self) -> str:
        return f"{self.payment_id}:{self.firm_id}"

    @property
    def outstanding(self) -> Decimal:
        """What the guarantor may still recover from the firm."""
        return self.amount - self.recovered


class BondRecovery(models.Model):
    """One amount the defaulting firm paid back to the guarantor on its claim (partial or the
    rest), with who recorded it; ``BondDefault.recovered`` is their sum."""

    default = models.ForeignKey(BondDefault, on_delete=models.CASCADE, related_name="recoveries",
                                verbose_name=_("default"))
    amount = models.DecimalField(_("amount recovered"), max_digits=18, decimal_places=2)
    received_on = models.DateField(_("received on"))
    outstanding_after = models.DecimalField(_("outstanding after"), max_digits=18, decimal_places=2)
    entry_key = models.CharField(_("ledger entry"), max_length=80, unique=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("recovery on a bond default")
        verbose_name_plural = _("recoveries on bond defaults")
        ordering = ["default_id", "pk"]

    def __str__(self) -> str:
        return f"{self.default_id}:{self.amount}"
