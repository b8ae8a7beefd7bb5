"""The member firms' own actions in a rotating fund, from the firm's portal, by its owner or
finance officer (capability ``act_for_rotating_fund``): ask to join an open fund (with a bid
under the bid rule), change the bid while the order is not fixed, and repay its own advance —
the same ledger entry as when the staff record the repayment (``services.repay_post``). Every
refusal (not a member, the wrong state, not its advance, a wrong amount, a closed fund) is a
translated ``ValidationError`` or ``PermissionDenied`` with nothing written."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.money import format_yuan, parse_amount
from agents.parsing import collect, parse_date

from .models import FundMember, FundRound, JoinRequest, JoinStatus, OrderRule, RotatingFund, RoundStatus
from .permissions import ACT_FOR_ROTATING_FUND, MANAGE_ROTATING_FUND
from .services import _lock, _rate, admission_check, repay_post


def _bid(fund: RotatingFund, bid_rate):
    if fund.rule != OrderRule.BID:
        return None
    if bid_rate in (None, "") or not str(bid_rate).strip():
        raise ValidationError({"bid_rate": _("Under the bid rule each member gives its bid of interest.")})
    return _rate(bid_rate, field="bid_rate")


@transaction.atomic
def join_ask(*, user, fund: RotatingFund, firm, bid_rate=None) -> JoinRequest:
    """The firm asks to join an open fund of its cluster's finance company. Asking again while
    the request waits changes its bid; a declined firm may ask again. No money moves until the
    finance company admits the firm (then its fee is paid on the ledger)."""
    require(user, firm, ACT_FOR_ROTATING_FUND)
    fund = _lock(fund)
    admission_check(fund, firm)
    bid = collect(bid_rate=lambda: _bid(fund, bid_rate))["bid_rate"]
    request = JoinRequest.objects.select_for_update().filter(fund=fund, firm=firm).first()
    if request is None:
        request = JoinRequest(fund=fund, firm=firm, asked_by=user)
    request.bid_rate, request.status, request.asked_by, request.asked_at = bid, JoinStatus.PENDING, user, timezone.now()
    request.decided_by, request.decided_at, request.reason = None, None, ""
    request.full_clean(validate_unique=False)
    request.save()
    return request


@transaction.atomic
def join_decline(*, user, fund: RotatingFund, request: JoinRequest, reason="") -> JoinRequest:
    """The finance company declines a waiting request, with its reason; nothing moves."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    request = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if request.fund_id != fund.pk or request.status != JoinStatus.PENDING:
        raise ValidationError(_("This request is not waiting for an answer."))
    request.status, request.decided_by, request.decided_at = JoinStatus.DECLINED, user, timezone.now()
    request.reason = str(reason or "").strip()[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return request


@transaction.atomic
def bid_change(*, user, fund: RotatingFund, firm, bid_rate) -> FundMember:
    """A member changes its bid of interest under the bid rule, until the order is fixed."""
    require(user, firm, ACT_FOR_ROTATING_FUND)
    fund = _lock(fund)
    member = FundMember.objects.select_for_update().filter(fund=fund, firm=firm).first()
    if member is None:
        raise ValidationError(_("Your firm is not a member of this fund."))
    if fund.rule != OrderRule.BID:
        raise ValidationError(_("This fund's order is not decided by bid."))
    if fund.order_fixed_at is not None:
        raise ValidationError(_("The order is fixed: bids can no longer change."))
    member.bid_rate = collect(bid_rate=lambda: _bid(fund, bid_rate))["bid_rate"]
    member.save(update_fields=["bid_rate"])
    return member


@transaction.atomic
def member_repay(*, user, fund: RotatingFund, firm, rnd: FundRound, amount, on=None) -> FundRound:
    """The member repays its own advance from its portal, today unless told: exactly the advance
    and its interest (no part payment), in the one entry the staff's action posts."""
    require(user, firm, ACT_FOR_ROTATING_FUND)
    fund = _lock(fund)
    if not FundMember.objects.filter(fund=fund, firm=firm).exists():
        raise ValidationError(_("Your firm is not a member of this fund."))
    rnd = FundRound.objects.select_for_update().select_related("member__firm").get(pk=rnd.pk)
    if rnd.fund_id != fund.pk or rnd.member.firm_id != firm.pk:
        raise ValidationError(_("This advance is not your firm's: only the member that drew it repays it."))
    if rnd.status != RoundStatus.DRAWN:
        raise ValidationError(_("Round %(n)s is already settled.") % {"n": rnd.number})
    due = rnd.amount + rnd.interest
    values = collect(amount=lambda: parse_amount(amount),
                     on=lambda: parse_date(on) if on not in (None, "") else timezone.localdate())
    if values["amount"] != due:
        raise ValidationError({"amount": _("Repay exactly %(due)s: the advance and its interest.")
                               % {"due": format_yuan(due)}})
    return repay_post(fund=fund, rnd=rnd, on=values["on"], user=user)
