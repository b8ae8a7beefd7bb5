"""Writes of the rotating mutual credit fund. Every movement of money is one ledger entry,
referenced ``rotating_fund:<fund pk>``, in the same transaction as its row here. F is the finance
company that keeps the fund; the fund's capital is minus the balance of F's ``deposits`` account
over those entries (the members' money it holds), its advances out F's ``placements``:

| movement | member's books | F's books |
|---|---|---|
| fee (member → F) | placements +, cash − | cash +, deposits − (capital) |
| advance (F → member) | cash +, credit lines drawn − | placements +, cash − |
| repayment (member → F) | credit lines drawn + (principal), interest expense + (interest), cash − | cash +, placements − (principal), deposits − (interest: the fund's capital grows) |
| default (no cash) | defaulter: credit lines drawn + / placements − (its fee); each other member: write-off + / placements − (its share) | deposits + (capital lost), placements − (the advance) |

A round is drawn only after the previous one is settled (repaid or defaulted). A default
consumes the defaulter's fee first; the rest is split among the other active members pro rata
to their fees, to the fen, the shares summing exactly to the rest (largest remainders, ties to
the earlier place in the order). The defaulter loses its turn: it is out of the fund's rotation.
Each draw, repayment and default is published to the business module (visibility: platform
members) with a key, whose ``business.recorded`` event re-scores the firm. A closed fund refuses
every action. The firms' own actions (ask to join, bid, repay from the portal) are in
``services_firm``, the closing of a fund (interest paid out, fees returned) in ``services_close``.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind
from agents.models import Agent, cluster_members_q
from agents.money import FEN, ZERO, format_yuan, parse_amount, quantize
from agents.parsing import collect, parse_date
from infocenter.choices import Visibility
from infocenter.services.business import business_record_publish
from lending.choices import AccountPurpose as P
from lending.ledger.services import Leg, money_move, transfer_post

from . import selectors
from .models import (
    FundMember,
    FundMemberStatus,
    FundRound,
    FundStatus,
    InterestRule,
    JoinRequest,
    JoinStatus,
    LossShare,
    OrderRule,
    RotatingFund,
    RoundStatus,
)
from .permissions import MANAGE_ROTATING_FUND

RATE_STEP = Decimal("0.0001")
NO_PD = Decimal("2")  # an unrated firm goes after every rated one


def _rate(raw, *, field: str) -> Decimal:
    from lending.validation import parse_rate

    try:
        return quantize(parse_rate(raw, allow_zero=True), RATE_STEP)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _ref(fund) -> str:
    return f"rotating_fund:{fund.pk}"


def _lock(fund: RotatingFund) -> RotatingFund:
    """The fund's row, locked; a closed fund refuses whatever the caller was about to do."""
    fund = RotatingFund.objects.select_for_update().select_related("finance_company").get(pk=fund.pk)
    if fund.status == FundStatus.CLOSED:
        raise ValidationError(_("The fund “%(fund)s” is closed: it takes no further action.") % {"fund": fund.name},
                              code="closed")
    return fund


def _publish(*, fund, firm, kind: str, title: str, amount: Decimal, key: str, data: dict):
    business_record_publish(link="3", kind=kind, subject=firm, counterparty=fund.finance_company, title=title,
                            amount=amount, key=key, visibility=Visibility.MEMBERS, subject_role="member",
                            counterparty_role="fund_keeper",
                            data={"fund_id": fund.pk, "fund": fund.name, **data})


def split_pro_rata(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` to the fen, summing exactly to ``total``:
    each share rounded down, the fen left over one each to the largest remainders (ties to the
    earlier weight). Equal shares when every weight is zero."""
    if not weights:
        return []
    fen = int((quantize(total) * 100).to_integral_value())
    whole = sum(weights)
    if whole <= 0:
        weights, whole = [Decimal(1)] * len(weights), Decimal(len(weights))
    exact = [Decimal(fen) * w / whole for w in weights]
    base = [int(x) for x in exact]  # weights and total are positive: int() rounds down
    left = fen - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:left]:
        base[i] += 1
    return [Decimal(b) / 100 for b in base]


# --- the fund and its members ---------------------------------------------------------------------

@transaction.atomic
def fund_create(*, user, finance_company, name, rule, fee, advance_amount, term_days, rate, seed=None,
                interest_rule=InterestRule.FEE) -> RotatingFund:
    """The finance company opens a fund with the rules its members chose: the order rule and how
    the interest is shared at the close. A lot needs its seed, recorded here so that anyone can
    draw the same order again."""
    require(user, finance_company, MANAGE_ROTATING_FUND)

    def _name():
        value = str(name or "").strip()
        if not value:
            raise ValidationError(_("Give the fund a name."))
        return value[:120]

    def _rule():
        if rule not in OrderRule.values:
            raise ValidationError(_("Choose how the order is decided: by rating, by lot or by bid."))
        return rule

    def _days():
        try:
            value = int(str(term_days).strip())
        except ValueError:
            raise ValidationError(_("Enter a whole number of days.")) from None
        if not 1 <= value <= 366:
            raise ValidationError(_("Between 1 and 366 days."))
        return value

    def _seed():
        if rule != OrderRule.LOT:
            return None
        try:
            value = int(str(seed).strip())
        except (TypeError, ValueError):
            raise ValidationError(_("A lot needs a whole-number seed, recorded so the draw can be repeated.")) \
                from None
        if not 0 <= value < 2**62:
            raise ValidationError(_("The seed is a whole number from 0 to 2^62."))
        return value

    def _interest_rule():
        value = str(interest_rule or InterestRule.FEE).strip()
        if value not in InterestRule.values:
            raise ValidationError(_("Choose how the interest is shared: pro rata to the fee, or to the fee less the losses borne."))
        return value

    values = collect(name=_name, rule=_rule, interest_rule=_interest_rule, fee=lambda: parse_amount(fee),
                     advance_amount=lambda: parse_amount(advance_amount), term_days=_days,
                     rate=lambda: _rate(rate, field="rate"), seed=_seed)
    return RotatingFund.objects.create(finance_company=finance_company, created_by=user, **values)


@transaction.atomic
def member_admit(*, user, fund: RotatingFund, firm, on, bid_rate=None) -> FundMember:
    """Admit a member firm of the finance company's cluster: its fee is paid into the fund's
    capital on the ledger. Under the bid rule the member gives its bid of interest (a yearly rate
    it offers to pay on its advance)."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    admission_check(fund, firm)
    parsers = {"on": lambda: parse_date(on)}
    if fund.rule == OrderRule.BID:
        def _bid():
            if bid_rate in (None, ""):
                raise ValidationError(_("Under the bid rule each member gives its bid of interest."))
            return _rate(bid_rate, field="bid_rate")
        parsers["bid_rate"] = _bid
    values = collect(**parsers)
    entry, _created = money_move(idempotency_key=f"rotating_fund:{fund.pk}:fee:{firm.pk}", on=values["on"],
                                 amount=fund.fee, payer=firm, payer_purpose=P.PLACEMENTS, payee=fund.finance_company,
                                 payee_purpose=P.DEPOSITS, reference=_ref(fund),
                                 memo=_("Membership fee of the rotating fund"), user=user)
    member = FundMember.objects.create(fund=fund, firm=firm, fee_paid=fund.fee, fee_entry=entry,
                                       bid_rate=values.get("bid_rate"))
    JoinRequest.objects.filter(fund=fund, firm=firm, status=JoinStatus.PENDING).update(
        status=JoinStatus.ADMITTED, decided_by=user, decided_at=timezone.now())
    return member


def admission_check(fund: RotatingFund, firm) -> None:
    """Refuse a firm the fund may not take: the order fixed, not a member firm of the finance
    company's cluster, or a member already."""
    if fund.status != FundStatus.OPEN:
        raise ValidationError(_("The order is fixed: the fund admits no more members."))
    if firm.kind != AgentKind.ENTERPRISE or not Agent.objects.filter(
            cluster_members_q(finance_company=fund.finance_company, kind=AgentKind.ENTERPRISE), pk=firm.pk).exists():
        raise ValidationError({"firm": _("Only member firms of the finance company's cluster join its fund.")})
    if FundMember.objects.filter(fund=fund, firm=firm).exists():
        raise ValidationError({"firm": _("This firm is already a member of the fund.")})


def order_compute(fund: RotatingFund, members: list[FundMember]) -> list[FundMember]:
    """The members in the order the fund's rule gives (no write): by rating, the lowest
    probability of default first (unrated last, ties by grade then admission); by lot, the
    members in admission order shuffled by ``random.Random(seed)``; by bid, the highest bid
    first (ties by admission)."""
    members = sorted(members, key=lambda m: m.pk)
    if fund.rule == OrderRule.RATING:
        return sorted(members, key=lambda m: (m.firm.current_pd if m.firm.current_pd is not None else NO_PD,
                                              m.firm.current_grade or "ZZZ", m.pk))
    if fund.rule == OrderRule.LOT:
        shuffled = list(members)
        random.Random(fund.seed).shuffle(shuffled)
        return shuffled
    return sorted(members, key=lambda m: (-(m.bid_rate or ZERO), m.pk))


@transaction.atomic
def order_fix(*, user, fund: RotatingFund) -> list[FundMember]:
    """Close the admissions and fix the order, shown to the members before the first draw."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    if fund.status != FundStatus.OPEN:
        raise ValidationError(_("The order is already fixed."))
    members = list(fund.members.select_related("firm"))
    if len(members) < 2:
        raise ValidationError(_("A fund rotates among at least two members."))
    ordered = order_compute(fund, members)
    for place, member in enumerate(ordered, start=1):
        member.position = place
    FundMember.objects.bulk_update(ordered, ["position"])
    JoinRequest.objects.filter(fund=fund, status=JoinStatus.PENDING).update(
        status=JoinStatus.DECLINED, decided_by=user, decided_at=timezone.now(),
        reason=_("The order was fixed before the request was answered."))
    fund.status, fund.order_fixed_at = FundStatus.ROTATING, timezone.now()
    fund.save(update_fields=["status", "order_fixed_at"])
    return ordered


# --- the rounds ----------------------------------------------------------------------------------

def interest_of(amount: Decimal, rate: Decimal, days: int) -> Decimal:
    """Simple interest on the advance for its term, actual/365, to the fen."""
    return quantize(amount * rate * days / Decimal(365), FEN)


@transaction.atomic
def round_draw(*, user, fund: RotatingFund, on) -> FundRound:
    """The next member in the order draws its advance. Refused, with nothing posted, while the
    previous round is not repaid (or written off as a default), when every member has had its
    turn, or when the fund's free capital is short of the advance."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    on = collect(on=lambda: parse_date(on))["on"]
    if fund.status != FundStatus.ROTATING:
        raise ValidationError(_("Fix the order before the first draw."))
    last = fund.rounds.select_related("member__firm").order_by("-number").first()
    if last is not None and last.status == RoundStatus.DRAWN:
        raise ValidationError(_("%(firm)s must repay its advance of round %(n)s before the next member in line "
                                "draws.") % {"firm": last.member.firm.name, "n": last.number})
    if last is not None and on < last.settled_on:
        raise ValidationError({"on": _("A draw is dated on or after the previous round was settled.")})
    drawn = fund.rounds.values_list("member_id", flat=True)
    member = fund.members.select_related("firm").filter(status=FundMemberStatus.ACTIVE).exclude(
        pk__in=drawn).order_by("position").first()
    if member is None:
        raise ValidationError(_("Every member has had its turn."))
    free = selectors.fund_capital(fund) - selectors.fund_outstanding(fund)
    if free < fund.advance_amount:
        raise ValidationError(_("The fund's free capital (%(free)s) is short of the advance.")
                              % {"free": format_yuan(free)})
    number = (fund.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    rate = member.bid_rate if fund.rule == OrderRule.BID and member.bid_rate is not None else fund.rate
    entry, _created = money_move(idempotency_key=f"rotating_fund:{fund.pk}:draw:{number}", on=on,
                                 amount=fund.advance_amount, payer=fund.finance_company, payer_purpose=P.PLACEMENTS,
                                 payee=member.firm, payee_purpose=P.CREDIT_LINES_DRAWN, reference=_ref(fund),
                                 memo=_("Advance of the rotating fund, round %(n)s") % {"n": number}, user=user)
    if fund.close_prepared_by_id is not None:  # the prepared close was of a fund with no advance out
        fund.close_prepared_by, fund.close_prepared_at = None, None
        fund.save(update_fields=["close_prepared_by", "close_prepared_at"])
    rnd = FundRound.objects.create(fund=fund, number=number, member=member, amount=fund.advance_amount, rate=rate,
                                   interest=interest_of(fund.advance_amount, rate, fund.term_days), drawn_on=on,
                                   due_on=on + timedelta(days=fund.term_days), draw_entry=entry)
    _publish(fund=fund, firm=member.firm, kind="rotating_fund_draw", key=f"rotating_fund:{fund.pk}:round:{number}:draw",
             title=_("Rotating fund “%(fund)s”, round %(n)s: %(firm)s draws %(amount)s")
             % {"fund": fund.name, "n": number, "firm": member.firm.name, "amount": format_yuan(rnd.amount)},
             amount=rnd.amount, data={"round": number, "result": "drawn", "due_on": rnd.due_on.isoformat(),
                                      "rate": str(rate), "interest": str(rnd.interest)})
    return rnd


def _open_round(fund, rnd) -> FundRound:
    rnd = FundRound.objects.select_for_update().select_related("member__firm").get(pk=rnd.pk)
    if rnd.fund_id != fund.pk:
        raise ValidationError(_("This round is not of this fund."))
    if rnd.status != RoundStatus.DRAWN:
        raise ValidationError(_("Round %(n)s is already settled.") % {"n": rnd.number})
    return rnd


@transaction.atomic
def round_repay(*, user, fund: RotatingFund, rnd: FundRound, on) -> FundRound:
    """The member repays its advance with the interest for the term; the interest adds to the
    fund's capital."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    on = collect(on=lambda: parse_date(on))["on"]
    return repay_post(fund=fund, rnd=_open_round(fund, rnd), on=on, user=user)


def repay_post(*, fund: RotatingFund, rnd: FundRound, on, user) -> FundRound:
    """The repayment's one entry, the round settled and the result disclosed: the same whether
    the staff record it or the member pays from its portal. ``fund`` and ``rnd`` are locked."""
    if on < rnd.drawn_on:
        raise ValidationError({"on": _("A repayment is dated on or after its draw.")})
    firm, fc = rnd.member.firm, fund.finance_company
    legs = [Leg(firm.pk, P.CASH, -(rnd.amount + rnd.interest)), Leg(firm.pk, P.CREDIT_LINES_DRAWN, rnd.amount),
            Leg(fc.pk, P.CASH, rnd.amount + rnd.interest), Leg(fc.pk, P.PLACEMENTS, -rnd.amount)]
    if rnd.interest:
        legs += [Leg(firm.pk, P.INTEREST_EXPENSE, rnd.interest), Leg(fc.pk, P.DEPOSITS, -rnd.interest)]
    entry, _created = transfer_post(idempotency_key=f"rotating_fund:{fund.pk}:repay:{rnd.number}", effective_date=on,
                                    legs=legs, reference=_ref(fund), user=user,
                                    memo=_("Repayment to the rotating fund, round %(n)s") % {"n": rnd.number})
    rnd.status, rnd.repay_entry, rnd.settled_on = RoundStatus.REPAID, entry, on
    rnd.save(update_fields=["status", "repay_entry", "settled_on"])
    _publish(fund=fund, firm=firm, kind="rotating_fund_repay", key=f"rotating_fund:{fund.pk}:round:{rnd.number}:repay",
             title=_("Rotating fund “%(fund)s”, round %(n)s: %(firm)s repaid %(amount)s")
             % {"fund": fund.name, "n": rnd.number, "firm": firm.name,
                "amount": format_yuan(rnd.amount + rnd.interest)},
             amount=rnd.amount + rnd.interest, data={"round": rnd.number, "result": "repaid",
                                                     "principal": str(rnd.amount), "interest": str(rnd.interest),
                                                     "days_late": max((on - rnd.due_on).days, 0)})
    return rnd


@transaction.atomic
def round_default(*, user, fund: RotatingFund, rnd: FundRound, on) -> FundRound:
    """The member did not repay: it loses its turn (out of the rotation), its fee covers the
    advance first and the rest is shared among the other active members pro rata to their fees,
    to the fen. Refused before the due date."""
    fund = _lock(fund)
    require(user, fund.finance_company, MANAGE_ROTATING_FUND)
    on = collect(on=lambda: parse_date(on))["on"]
    rnd = _open_round(fund, rnd)
    if on <= rnd.due_on:
        raise ValidationError({"on": _("An advance is declared in default only after its due date (%(due)s).")
                               % {"due": rnd.due_on.isoformat()}})
    defaulter, fc = rnd.member, fund.finance_company
    loss = rnd.amount
    from_fee = min(defaulter.fee_paid, loss)
    rest = loss - from_fee
    others = list(fund.members.select_related("firm").filter(status=FundMemberStatus.ACTIVE)
                  .exclude(pk=defaulter.pk).order_by("position", "pk"))
    shares = split_pro_rata(rest, [m.fee_paid for m in others]) if rest else [ZERO] * len(others)
    if rest and not others:
        raise ValidationError(_("No other member is left to share the loss."))
    legs = [Leg(fc.pk, P.DEPOSITS, loss), Leg(fc.pk, P.PLACEMENTS, -loss)]
    if from_fee:
        legs += [Leg(defaulter.firm_id, P.CREDIT_LINES_DRAWN, from_fee), Leg(defaulter.firm_id, P.PLACEMENTS, -from_fee)]
    for member, share in zip(others, shares, strict=True):
        if share:
            legs += [Leg(member.firm_id, P.WRITE_OFF, share), Leg(member.firm_id, P.PLACEMENTS, -share)]
    entry, _created = transfer_post(idempotency_key=f"rotating_fund:{fund.pk}:default:{rnd.number}",
                                    effective_date=on, legs=legs, reference=_ref(fund), user=user,
                                    memo=_("Default in the rotating fund, round %(n)s") % {"n": rnd.number})
    rnd.status, rnd.default_entry, rnd.settled_on = RoundStatus.DEFAULTED, entry, on
    rnd.loss_from_fee, rnd.loss_shared = from_fee, rest
    rnd.save(update_fields=["status", "default_entry", "settled_on", "loss_from_fee", "loss_shared"])
    LossShare.objects.bulk_create([LossShare(round=rnd, member=m, amount=s) for m, s in zip(others, shares,
                                                                                           strict=True) if s])
    defaulter.status = FundMemberStatus.DEFAULTED
    defaulter.save(update_fields=["status"])
    _publish(fund=fund, firm=defaulter.firm, kind="rotating_fund_default",
             key=f"rotating_fund:{fund.pk}:round:{rnd.number}:default",
             title=_("Rotating fund “%(fund)s”, round %(n)s: %(firm)s defaulted on %(amount)s")
             % {"fund": fund.name, "n": rnd.number, "firm": defaulter.firm.name, "amount": format_yuan(loss)},
             amount=loss, data={"round": rnd.number, "result": "defaulted", "from_fee": str(from_fee),
                                "shared": str(rest),
                                "shares": {str(m.firm_id): str(s) for m, s in zip(others, shares, strict=True)}})
    return rnd
