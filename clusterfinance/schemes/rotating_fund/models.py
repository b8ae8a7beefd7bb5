"""The rotating mutual credit fund: the fund and its rule, its members (fee, bid, place in the
order), its rounds (one advance each) and the shares of a defaulted advance's loss."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderRule(models.TextChoices):
    RATING = "rating", _("By rating (best first)")
    LOT = "lot", _("By lot (recorded seed)")
    BID = "bid", _("By bid of interest (highest first)")


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

    class Meta:
        verbose_name = _("fund member")
        verbose_name_plural = _("fund members")
        constraints = [models.UniqueConstraint(fields=["fund", "firm"], name="rotating_member_once")]
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return f"{self.firm_id} in fund {self.fund_id}"


class RoundStatus(models.TextChoices):
    DRAWN = "drawn", _("Drawn, not yet repaid")
    REPAID = "repaid", _("Repaid")
    DEFAULTED = "defaulted", _("Defaulted")


class FundRound(models.Model):
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
