"""Demo step: one rotating mutual credit fund (信用互助基金) of the finance company, five member
firms, the order by bid of interest as in a 标会, now in its fourth round: round 1 repaid, round 2
defaulted (the defaulter's fee covered the loss first, the rest shared among the other four to
the fen), round 3 repaid, round 4 drawn and not yet due. Through the same services the pages
call; idempotent: the fund is found by name and each step is taken only when it is missing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agents.choices import Role
from clusterfinance.schemes.rotating_fund import services
from clusterfinance.schemes.rotating_fund.models import FundStatus, OrderRule, RotatingFund, RoundStatus

NAME = "永康五金信用互助基金"
BIDS = ("0.0800", "0.1000", "0.0650", "0.0900", "0.0700")
TERM = 60
# (days before today the round is drawn, how it ends: days after the draw, "repaid"/"default"/None)
ROUNDS = ((200, 55, "repaid"), (140, 75, "default"), (64, 56, "repaid"), (6, None, None))


def seed(world: dict, out) -> None:
    fc, today = world["finance_company"], timezone.localdate()
    staff = world["users"][Role.FC_MANAGER]
    fund = RotatingFund.objects.filter(finance_company=fc, name=NAME).first()
    if fund is None:
        fund = services.fund_create(user=staff, finance_company=fc, name=NAME, rule=OrderRule.BID, fee="20000.00",
                                    advance_amount="50000.00", term_days=TERM, rate="0.0600")
    if fund.status == FundStatus.OPEN:
        members = set(fund.members.values_list("firm_id", flat=True))
        for firm, bid in zip(world["firms"][:5], BIDS, strict=False):
            if firm.pk not in members:
                services.member_admit(user=staff, fund=fund, firm=firm, on=today - timedelta(days=210), bid_rate=bid)
        services.order_fix(user=staff, fund=fund)
    for number, (drawn_ago, settle_after, result) in enumerate(ROUNDS, start=1):
        rnd = fund.rounds.filter(number=number).first()
        if rnd is None:
            rnd = services.round_draw(user=staff, fund=fund, on=today - timedelta(days=drawn_ago))
        if rnd.status == RoundStatus.DRAWN and result:
            on = rnd.drawn_on + timedelta(days=settle_after)
            if result == "repaid":
                services.round_repay(user=staff, fund=fund, rnd=rnd, on=on)
            else:
                services.round_default(user=staff, fund=fund, rnd=rnd, on=on)
    out.write(f"  rotating fund: {fund.name}, {fund.members.count()} members, round {fund.rounds.count()} "
              f"(capital {services.selectors.fund_capital(fund)})\n")
