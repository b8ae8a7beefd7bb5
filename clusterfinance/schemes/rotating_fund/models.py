"""The rotating mutual credit fund: the fund and its rule, its members (fee, bid, place in the
order, and at the close what came back to each), the firms' requests to join, its rounds (one
advance each) and the shares of a defaulted advance's loss."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderRule(models.TextChoices):
    RATING = "rating", _("By rating (best first)")
    LOT = "lot", _("By lot (recorded seed)")
    BID = "bid", _("By bid of interest (highest first)")


class InterestRule(models.TextChoices):
    FEE = "fee", _("Pro rata to the fee paid")
    STAKE = "stake", _("Pro rata to the fee less the losses it bore")


class FundStatus(models.TextChoices):
    OPEN = "open", _("Admitting members")
    ROTATING = "rotating", _("Rotating")
    CLOSED = "closed", _("Closed")


class RotatingFund(models.Model):
    """A fund kept on the finance company's books: the members' fees are its capital (the finance
    company's ``deposits`` account, entries referenced ``rotating_fund:<pk>``); each round lends
    ``advance_amount`` for ``term_days`` days to the next member in the order."""

    finance_company = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="rotating_funds",
                                        verbose_name=_("finance company"))
    name = models.CharField(_("name"), max_length=120)
    rule = models.CharField(_("order rule"), max_length=10, choices=OrderRule.choices)
    seed = models.BigIntegerField(_("lot seed"), null=True, blank=True)
    fee = models.DecimalField(_("membership fee"), max_digits=16, decimal_places=2)
    advance_amount = models.DecimalField(_("advance per round"), max_digits=16, decimal_places=2)
    term_days = models.PositiveSmallIntegerField(_("term in days"))
    rate = models.DecimalField(_("yearly rate"), max_digits=7, decimal_places=4)
    status = models.CharField(_("status"), max_length=10, choices=FundStatus.choices, default=FundStatus.OPEN)
    order_fixed_at = models.DateTimeField(_("order fixed at"), null=True, blank=True)
    # how the interest the advances paid is shared among the members when the fund closes
    interest_rule = models.CharField(_("interest shared"), max_length=10, choices=InterestRule.choices,
                                     default=InterestRule.FEE)
    # maker-checker: one of the staff prepares the close, another approves it (and pays out)
    close_prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                          null=True, blank=True)
    close_prepared_at = models.DateTimeField(_("close prepared at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  null=True, blank=True)
    interest_entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, related_name="+",
                                       null=True, blank=True)
    close_entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("rotating mutual credit fund")
        verbose_name_plural = _("rotating mutual credit funds")

    def __str__(self) -> str:
        return self.name


class FundMemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEFAULTED = "defaulted", _("Defaulted, lost its turn")


class FundMember(models.Model):
    """A member firm's seat: the fee it paid, its bid, its place in the order and, once the fund
    is closed, its closing statement (its fee less the losses it bore, returned, and its share of
    the interest)."""

    fund = models.ForeignKey(RotatingFund, on_delete=models.CASCADE, related_name="members")
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="rotating_fund_seats",
                             verbose_name=_("member firm"))
    fee_paid = models.DecimalField(_("fee paid"), max_digits=16, decimal_places=2)
    fee_entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, related_name="+")
    bid_rate = models.DecimalField(_("bid of interest"), max_digits=7, decimal_places=4, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("place in the order"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=FundMemberStatus.choices,
                              default=FundMemberStatus.ACTIVE)
    admitted_at = models.DateTimeField(_("admitted at"), default=timezone.now)
    fee_returned = models.DecimalField(_("fee returned"), max_digits=16, decimal_places=2, null=True, blank=True)
    interest_share = models.DecimalField(_("share of the interest"), max_digits=16, decimal_places=2, null=True,
                                         blank=True)

    class Meta:
        verbose_name = _("fund member")
        verbose_name_plural = _("fund members")
        constraints = [models.UniqueConstraint(fields=["fund", "firm"], name="rotating_member_once")]
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return f"{self.firm_id} in fund {self.fund_id}"


class JoinStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the finance company")
    ADMITTED = "admitted", _("Admitted")
    DECLINED = "declined", _("Declined")


class JoinRequest(models.Model):
    """A firm's request, made from its portal by its owner or finance officer, to join an open
    fund (with its bid under the bid rule). No money moves here: the fee is paid on the ledger
    when the finance company admits the firm, so a declined request needs no refund."""

    fund = models.ForeignKey(RotatingFund, on_delete=models.CASCADE, related_name="join_requests")
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="rotating_fund_requests",
                             verbose_name=_("member firm"))
    bid_rate = models.DecimalField(_("bid of interest"), max_digits=7, decimal_places=4, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("request to join a fund")
        verbose_name_plural = _("requests to join a fund")
        constraints = [models.UniqueConstraint(fields=["fund", "firm"], name="rotating_join_request_once")]
        ordering = ("asked_at", "pk")

    def __str__(self) -> str:
        return f"request of {self.firm_id} to fund {self.fund_id}"


class RoundStatus(models.TextChoices):
    DRAWN = "drawn", _("Drawn, not yet repaid")
    REPAID = "repaid", _("Repaid")
    DEFAULTED = "defaulted", _("Defaulted")


class FundRound(models.Model):
    """One round: the advance the member whose turn it is drew, and how it ended."""

    fund = models.ForeignKey(RotatingFund, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    member = models.ForeignKey(FundMember, on_delete=models.PROTECT, related_name="rounds")
    amount = models.DecimalField(_("advance"), max_digits=16, decimal_places=2)
    rate = models.DecimalField(_("yearly rate"), max_digits=7, decimal_places=4)
    interest = models.DecimalField(_("interest due"), max_digits=16, decimal_places=2)
    drawn_on = models.DateField(_("drawn on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAWN)
    draw_entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, related_name="+")
    repay_entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    default_entry = models.ForeignKey("lending.JournalEntry", on_delete=models.PROTECT, related_name="+",
                                      null=True, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    loss_from_fee = models.DecimalField(_("loss covered by its fee"), max_digits=16, decimal_places=2, default=0)
    loss_shared = models.DecimalField(_("loss shared by the others"), max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("fund round")
        verbose_name_plural = _("fund rounds")
        constraints = [models.UniqueConstraint(fields=["fund", "number"], name="rotating_round_once")]
        ordering = ("number",)

    def __str__(self) -> str:
        return f"round {self.number} of fund {self.fund_id}"


class LossShare(models.Model):
    """One other member's share of a defaulted advance's loss beyond the defaulter's fee."""

    round = models.ForeignKey(FundRound, on_delete=models.CASCADE, related_name="loss_shares")
    member = models.ForeignKey(FundMember, on_delete=models.PROTECT, related_name="loss_shares")
    amount = models.DecimalField(_("share of the loss"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("share of a loss")
        verbose_name_plural = _("shares of a loss")
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="rotating_loss_share_once")]

    def __str__(self) -> str:
        return f"loss share of {self.member_id} in round {self.round_id}"
