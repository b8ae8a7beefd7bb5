"""Demo step: one rotating mutual credit fund (信用互助基金) of the finance company, five member
firms, the order by bid of interest as in a 标会, now in its fourth round: round 1 repaid, round 2
defaulted (the defaulter's fee covered the loss first, the rest shared among the other four to
the fen), round 3 repaid, round 4 drawn and not yet due. And a second, small fund by lot, already
closed: the first firm asked to join from its portal and was admitted, three rounds repaid (the
first firm's from its own portal), the close prepared by the analyst and approved by the manager:
the interest paid out pro rata to the fees and the fees returned. Through the same services the pages call; idempotent: each fund is found by name and
each step is taken only when it is missing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agents.choices import Role
from clusterfinance.schemes.rotating_fund import services, services_close, services_firm
from clusterfinance.schemes.rotating_fund.models import FundStatus, JoinStatus, OrderRule, RotatingFund, RoundStatus

NAME = "永康五金信用互助基金"
BIDS = ("0.0800", "0.1000", "0.0650", "0.0900", "0.0700")
TERM = 60
# (days before today the round is drawn, how it ends: days after the draw, "repaid"/"default"/None)
ROUNDS = ((200, 55, "repaid"), (140, 75, "default"), (64, 56, "repaid"), (6, None, None))
CLOSED_NAME = "永康五金小额互助基金（已结清）"
CLOSED_SEED = 20260601
# (days before today the round is drawn, days after the draw it is repaid)
CLOSED_ROUNDS = ((140, 28), (100, 29), (60, 30))
CLOSED_ON = 25  # days before today


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
    _closed_fund(world, out)


def _closed_fund(world: dict, out) -> None:
    fc, today = world["finance_company"], timezone.localdate()
    staff, owner = world["users"][Role.FC_MANAGER], world["users"][Role.ENTERPRISE_OWNER]
    firms = [world["firms"][0], world["firms"][5], world["firms"][6]]  # the owner acts for firms[0]
    fund = RotatingFund.objects.filter(finance_company=fc, name=CLOSED_NAME).first()
    if fund is None:
        fund = services.fund_create(user=staff, finance_company=fc, name=CLOSED_NAME, rule=OrderRule.LOT,
                                    seed=CLOSED_SEED, fee="5000.00", advance_amount="8000.00", term_days=30,
                                    rate="0.0480")
    joined_on = today - timedelta(days=150)
    if fund.status == FundStatus.OPEN:
        members = set(fund.members.values_list("firm_id", flat=True))
        if firms[0].pk not in members:
            request = fund.join_requests.filter(firm=firms[0]).first()
            if request is None or request.status != JoinStatus.PENDING:
                request = services_firm.join_ask(user=owner, fund=fund, firm=firms[0])
            services.member_admit(user=staff, fund=fund, firm=firms[0], on=joined_on)
        for firm in firms[1:]:
            if firm.pk not in members:
                services.member_admit(user=staff, fund=fund, firm=firm, on=joined_on)
        services.order_fix(user=staff, fund=fund)
        fund.refresh_from_db()
    if fund.status == FundStatus.ROTATING:
        for number, (drawn_ago, repaid_after) in enumerate(CLOSED_ROUNDS, start=1):
            rnd = fund.rounds.filter(number=number).first()
            if rnd is None:
                rnd = services.round_draw(user=staff, fund=fund, on=today - timedelta(days=drawn_ago))
            if rnd.status == RoundStatus.DRAWN:
                on = rnd.drawn_on + timedelta(days=repaid_after)
                if rnd.member.firm_id == firms[0].pk:  # the firm repays from its own portal
                    services_firm.member_repay(user=owner, fund=fund, firm=firms[0], rnd=rnd,
                                               amount=rnd.amount + rnd.interest, on=on)
                else:
                    services.round_repay(user=staff, fund=fund, rnd=rnd, on=on)
        fund.refresh_from_db()
        if fund.close_prepared_by_id is None:  # maker-checker: the analyst prepares, the manager approves
            services_close.fund_close_prepare(user=world["users"][Role.FC_ANALYST], fund=fund)
        fund = services_close.fund_close(user=staff, fund=fund, on=today - timedelta(days=CLOSED_ON))
    out.write(f"  rotating fund: {fund.name}, closed on {fund.closed_on}, "
              f"capital {services.selectors.fund_capital(fund)}\n")
