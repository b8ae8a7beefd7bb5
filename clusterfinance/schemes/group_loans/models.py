"""The joint-liability groups: the finance company's policy, the groups and their members, the
members' loan applications filed as a group, and the calls on the co-members when a member's
instalment is past due."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GroupPolicy(models.Model):
    """The finance company's rules for its groups: the size of a group, the days past due after
    which the co-members are called, and the product the group's loans are lent under (the
    finance company's own, or an institution's product it flags for groups)."""

    finance_company = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="group_policy",
                                           verbose_name=_("finance company"))
    product = models.ForeignKey("lending.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("product for group loans"))
    min_members = models.PositiveSmallIntegerField(_("fewest members"), default=3)
    max_members = models.PositiveSmallIntegerField(_("most members"), default=10)
    call_days = models.PositiveSmallIntegerField(_("days past due before the co-members are called"), default=30)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("group loan policy")
        verbose_name_plural = _("group loan policies")

    def __str__(self) -> str:
        return f"group policy of {self.finance_company_id}"


class GroupStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    ACTIVE = "active", _("Formed")
    DISSOLVED = "dissolved", _("Dissolved")


class LoanGroup(models.Model):
    """A group of member firms that chose each other; formed when enough members accepted.
    Dissolved (``dissolved_at``) when every accepted member agreed or the finance company decided,
    and only once no member owes a group loan and no call is open; its loans and calls stay."""

    finance_company = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("finance company"))
    name = models.CharField(_("name"), max_length=100)
    founder = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("founder"))
    status = models.CharField(_("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.FORMING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    formed_at = models.DateTimeField(_("formed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    dissolved_at = models.DateTimeField(_("dissolved at"), null=True, blank=True)
    dissolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("dissolved by"))
    dissolution_reason = models.CharField(_("reason for the dissolution"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("loan group")
        verbose_name_plural = _("loan groups")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class GroupMember(models.Model):
    """A firm in a group: invited, then accepted (with its declared controller) or declined.
    ``controller_key`` is the declared controlling party (实际控制人 or parent) normalised: two
    accepted members with the same key are under common control and refused."""

    group = models.ForeignKey(LoanGroup, on_delete=models.CASCADE, related_name="members", verbose_name=_("group"))
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("firm"))
    position = models.PositiveSmallIntegerField(_("position"))
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.INVITED)
    controller = models.CharField(_("controlling party"), max_length=200, blank=True)
    controller_id_code = models.CharField(_("controlling party's identifier"), max_length=40, blank=True)
    controller_key = models.CharField(max_length=60, blank=True, db_index=True)
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # an accepted member's agreement to dissolve the group (withdrawn → None); the group is
    # dissolved when every accepted member has agreed
    dissolve_agreed_at = models.DateTimeField(_("agreed to dissolve at"), null=True, blank=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group_id", "position"]
        constraints = [models.UniqueConstraint(fields=["group", "firm"], name="group_member_unique")]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.firm_id}"


class GroupLoan(models.Model):
    """A member's own loan application filed as part of its group (the loan follows it)."""

    group = models.ForeignKey(LoanGroup, on_delete=models.CASCADE, related_name="loans", verbose_name=_("group"))
    member = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    application = models.OneToOneField("lending.Application", on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("application"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("group loan")
        verbose_name_plural = _("group loans")

    def __str__(self) -> str:
        return f"{self.group_id}:{self.application_id}"


class CallStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    RELEASED = "released", _("Released (the borrower paid)")


class JointLiabilityCall(models.Model):
    """One co-member's share of a member's overdue instalment, called when it passed the policy's
    days past due: ``amount`` is the overdue amount split equally to the fen (the remainder to
    the first members in the group's order). Paying it moves the money to the defaulter and
    records a repayment of its loan."""

    group = models.ForeignKey(LoanGroup, on_delete=models.CASCADE, related_name="calls", verbose_name=_("group"))
    defaulter = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("defaulting member"))
    payer = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+", verbose_name=_("called member"))
    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, related_name="+", verbose_name=_("loan"))
    instalment = models.ForeignKey("lending.Instalment", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("instalment"))
    overdue = models.DecimalField(_("overdue amount"), max_digits=18, decimal_places=2)
    amount = models.DecimalField(_("share called"), max_digits=18, decimal_places=2)
    paid_amount = models.DecimalField(_("paid"), max_digits=18, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(_("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.OPEN)
    raised_on = models.DateField(_("raised on"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    repayment = models.ForeignKey("lending.Repayment", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("repayment"))
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        verbose_name = _("joint-liability call")
        verbose_name_plural = _("joint-liability calls")
        ordering = ["-raised_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["instalment", "payer"], name="joint_call_unique")]

    def __str__(self) -> str:
        return f"call {self.pk}: {self.payer_id} for {self.defaulter_id}"
