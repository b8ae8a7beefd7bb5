"""Closing a rotating fund: once no advance is out (every round repaid or written off), one of the
finance company's staff prepares the close (``fund_close_prepare``) and another approves it
(``fund_close``: maker-checker, as for every payout), which pays out. Two entries, referenced ``rotating_fund:<pk>`` like the rest:

| movement | member's books | F's books |
|---|---|---|
| interest paid out (F → members) | cash +, interest income − (its share) | deposits + , cash − (the interest) |
| fees returned (F → members) | cash +, placements − (its fee less the losses it bore) | deposits +, cash − |

The interest the advances paid is the members' income: the part of the fund's capital above
what the members' stakes (fee − losses borne) add up to — the interest received, since each loss
was already charged to stakes when it happened. It is shared among the members that did not
default, by the fund's interest rule (pro rata to the fee paid, or to the fee less the losses the
member bore — its stake left in the fund), to the fen
with ``split_pro_rata``. A member whose share of losses exceeded its fee has a negative stake:
it pays that part in at the close (its cash leg is negative). After the close the finance
company's deposits, placements and cash over the fund's entries are each exactly zero, every
member's placements over them too. Each member's interest share and closing statement are
business records disclosed to the members; a closed fund refuses every further action.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import four_eyes_check, require
from agents.money import ZERO, format_yuan
from agents.parsing import collect, parse_date
from lending.choices import AccountPurpose as P
from lending.ledger.services import Leg, transfer_post

from . import selectors
from .models import (
    FundMember,
    FundMemberStatus,
    FundStatus,
    InterestRule,
    JoinRequest,
    JoinStatus,
    LossShare,
    RotatingFund,
    RoundStatus,
)
from .permissions import MANAGE_ROTATING_FUND
from .services import _lock, _publish, _ref, split_pro_rata


def closing_statement(fund: RotatingFund, members: list, rounds: list, lost: dict) -> tuple[list[dict], Decimal]:
    """Each member's stake (fee − losses it bore) and share of the interest, and the interest to
    share (the fund's capital less the stakes); no write. ``lost`` maps member pk → its shares
    of others' defaults; a defaulter's own loss is its round's part covered by its fee."""
    from_fee: dict[int, Decimal] = {}
    for r in rounds:
        if r.status == RoundStatus.DEFAULTED:
            from_fee[r.member_id] = from_fee.get(r.member_id, ZERO) + r.loss_from_fee
    rows = []
    for m in members:
        borne = from_fee.get(m.pk, ZERO) + lost.get(m.pk, ZERO)
        rows.append({"member": m, "borne": borne, "stake": m.fee_paid - borne})
    interest = selectors.fund_capital(fund) - sum((r["stake"] for r in rows), ZERO)
    sharing = [r for r in rows if r["member"].status == FundMemberStatus.ACTIVE] or rows
    weights = [r["member"].fee_paid if fund.interest_rule == InterestRule.FEE else max(r["stake"], ZERO)
               for r in sharing]
    shares = split_pro_rata(interest, weights) if interest > 0 and sharing else [ZERO] * len(sharing)
    by_pk = {r["member"].pk: s for r, s in zip(sharing, shares, strict=True)}
    for r in rows:
        r["interest"] = by_pk.get(r["member"].pk, ZERO)
        r["total"] = r["stake"] + r["interest"]
    return rows, interest


def _no_advance_out(rounds) -> None:
    open_round = next((r for r in rounds if r.status == RoundStatus.DRAWN), None)
    if open_round is not None:
        raise ValidationError(_("%(firm)s has not repaid its advance of round %(n)s: a fund closes only when every "
                                "advance is repaid or written off.")
                              % {"firm": open_round.member.firm.name, "n": open_round.number})


@transaction.atomic
def fund_close_prepare(*, user, fund: RotatingFund) -> RotatingFund:
    """One of the staff prepares the close; another approves it. Refused while an advance is out."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    _no_advance_out(list(fund.rounds.select_related("member__firm")))
    if fund.close_prepared_by_id is not None:
        raise ValidationError(_("The close is already prepared; another person of the staff approves it."))
    fund.close_prepared_by, fund.close_prepared_at = user, timezone.now()
    fund.save(update_fields=["close_prepared_by", "close_prepared_at"])
    return fund


@transaction.atomic
def fund_close_withdraw(*, user, fund: RotatingFund) -> RotatingFund:
    """The staff withdraw a prepared close (nothing was paid)."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    if fund.close_prepared_by_id is None:
        raise ValidationError(_("The close is not prepared."))
    fund.close_prepared_by, fund.close_prepared_at = None, None
    fund.save(update_fields=["close_prepared_by", "close_prepared_at"])
    return fund


@transaction.atomic
def fund_close(*, user, fund: RotatingFund, on) -> RotatingFund:
    """Approve the prepared close: pay the interest out to the members and return their stakes,
    so that the fund's balance on the ledger is exactly zero. Refused unless another person
    prepared it, while an advance is out, or when the fund is closed already; nothing is posted
    then."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    if fund.close_prepared_by_id is None:
        raise ValidationError(_("Prepare the close first; another person of the staff approves it."),
                              code="not_prepared")
    four_eyes_check(agent=fund.finance_company, maker_id=fund.close_prepared_by_id, checker=user,
                    message=_("The person who prepared the close cannot also approve it (maker-checker)."))
    on = collect(on=lambda: parse_date(on))["on"]
    rounds = list(fund.rounds.select_related("member__firm").order_by("number"))
    _no_advance_out(rounds)
    if rounds and on < max(r.settled_on for r in rounds):
        raise ValidationError({"on": _("A fund closes on or after its last round was settled.")})
    members = list(fund.members.select_related("firm").order_by("position", "pk"))
    lost: dict[int, Decimal] = {}
    for member_id, amount in LossShare.objects.filter(round__fund=fund).values_list("member_id", "amount"):
        lost[member_id] = lost.get(member_id, ZERO) + amount
    rows, interest = closing_statement(fund, members, rounds, lost)
    if interest < 0:  # cannot happen while every loss is charged to stakes; refuse rather than invent money
        raise ValidationError(_("The fund's capital is short of its members' stakes; check the ledger first."))
    fc = fund.finance_company
    if interest > 0:
        legs = [Leg(fc.pk, P.DEPOSITS, interest), Leg(fc.pk, P.CASH, -interest)]
        for r in rows:
            if r["interest"]:
                legs += [Leg(r["member"].firm_id, P.CASH, r["interest"]),
                         Leg(r["member"].firm_id, P.INTEREST_INCOME, -r["interest"])]
        fund.interest_entry, _created = transfer_post(
            idempotency_key=f"rotating_fund:{fund.pk}:interest", effective_date=on, legs=legs, reference=_ref(fund),
            user=user, memo=_("Interest of the rotating fund paid out to its members"))
    stakes = sum((r["stake"] for r in rows), ZERO)
    legs = [Leg(fc.pk, P.DEPOSITS, stakes), Leg(fc.pk, P.CASH, -stakes)]
    for r in rows:
        if r["stake"]:
            legs += [Leg(r["member"].firm_id, P.CASH, r["stake"]), Leg(r["member"].firm_id, P.PLACEMENTS, -r["stake"])]
    if any(leg.amount for leg in legs):
        fund.close_entry, _created = transfer_post(
            idempotency_key=f"rotating_fund:{fund.pk}:close", effective_date=on, legs=legs, reference=_ref(fund),
            user=user, memo=_("Fees of the rotating fund returned to its members at the close"))
    for r in rows:
        r["member"].fee_returned, r["member"].interest_share = r["stake"], r["interest"]
    FundMember.objects.bulk_update([r["member"] for r in rows], ["fee_returned", "interest_share"])
    JoinRequest.objects.filter(fund=fund, status=JoinStatus.PENDING).update(
        status=JoinStatus.DECLINED, decided_by=user, reason=_("The fund was closed."))
    fund.status, fund.closed_on, fund.closed_by = FundStatus.CLOSED, on, user
    fund.save(update_fields=["status", "closed_on", "closed_by", "interest_entry", "close_entry"])
    for r in rows:
        firm = r["member"].firm
        if r["interest"]:
            _publish(fund=fund, firm=firm, kind="rotating_fund_interest", key=f"rotating_fund:{fund.pk}:interest:{firm.pk}",
                     title=_("Rotating fund “%(fund)s”: %(firm)s receives %(amount)s of the interest")
                     % {"fund": fund.name, "firm": firm.name, "amount": format_yuan(r["interest"])},
                     amount=r["interest"], data={"result": "interest_paid", "interest_total": str(interest),
                                                 "rule": fund.interest_rule, "share": str(r["interest"])})
        _publish(fund=fund, firm=firm, kind="rotating_fund_close", key=f"rotating_fund:{fund.pk}:close:{firm.pk}",
                 title=_("Rotating fund “%(fund)s” closed: %(firm)s receives %(amount)s")
                 % {"fund": fund.name, "firm": firm.name, "amount": format_yuan(r["total"])},
                 amount=r["total"], data={"result": "closed", "closed_on": on.isoformat(),
                                          "fee_paid": str(r["member"].fee_paid), "loss_borne": str(r["borne"]),
                                          "fee_returned": str(r["stake"]), "interest_share": str(r["interest"])})
    return fund
