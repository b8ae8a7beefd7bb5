"""Demo step: one collective bond (集合债) of the finance company through the same services the
pages call — three member firms each within 40 % of its latest statement's net assets, a bank as
guarantor, over-subscribed by two institutions and a private investor, allocated pro rata,
settled into the firms' accounts; the first two semi-annual coupons are paid, the second with
one firm defaulted and covered by the guarantor (part of it already recovered). The settlement
and each payment are prepared by the analyst and approved by the manager (maker-checker).
Idempotent: the issue is found by its name and each step looks at the issue's state first."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from agents.choices import Role
from agents.models import Membership
from clusterfinance.schemes.collective_bond import services
from clusterfinance.schemes.collective_bond.models import BondDefault, BondIssue, BondPayment, IssueStatus
from infocenter.services.events import events_dispatch
from lending.schedules import add_months
from portals.investors.models import InvestorProfile

NAME = "2025年永康五金产业集群集合债"


def _user_of(agent, roles):
    m = Membership.objects.filter(agent=agent, role__in=roles, is_active=True).select_related("user") \
        .order_by("pk").first()
    return m.user if m else None


def seed(world: dict, out) -> None:
    fc, users, today = world["finance_company"], world["users"], timezone.localdate()
    manager, analyst = users[Role.FC_MANAGER], users[Role.FC_ANALYST]
    issue = BondIssue.objects.filter(lead=fc, name=NAME).first()
    if issue is None:
        nets = services.firm_net_assets([f.pk for f in world["firms"]])
        chosen = sorted((pk for pk, (net, _p) in nets.items() if net > 0), key=lambda pk: (-nets[pk][0], pk))[:3]
        if len(chosen) < 3:
            out.write("  collective bond: fewer than three firms with a statement; skipped")
            return
        shares = {pk: (nets[pk][0] * Decimal("0.30") // 10000 * 10000).quantize(Decimal("0.01")) for pk in chosen}
        issue = services.issue_create(user=manager, lead=fc, name=NAME, size=sum(shares.values()),
                                      coupon_rate="0.0580", term_months=24, payments_per_year=2, risk_level="R3",
                                      issue_date=add_months(today, -13), guarantor=world["institutions"][-1])
        firms = {f.pk: f for f in world["firms"]}
        for pk in chosen:
            services.share_add(user=manager, issue=issue, firm=firms[pk], amount=shares[pk])
    if issue.status == IssueStatus.DRAFT:
        issue = services.issue_open(user=manager, issue=issue)
    if issue.status == IssueStatus.OPEN:
        banks = [(b, _user_of(b, (Role.INST_MANAGER, Role.INST_OFFICER))) for b in world["institutions"][:2]]
        investor = next((p.agent for p in InvestorProfile.objects.filter(
            agent__in=world["investors"], suitability__in=("C3", "C4", "C5")).select_related("agent").order_by("pk")
            if p.is_current() and _user_of(p.agent, (Role.INVESTOR,))), None)
        subscribers = [(a, u) for a, u in banks if u] + ([(investor, _user_of(investor, (Role.INVESTOR,)))]
                                                         if investor else [])
        weights = (Decimal("0.70"), Decimal("0.50"), Decimal("0.10"))  # 130 % of the size in all
        for (agent, user), w in zip(subscribers, weights, strict=False):
            services.subscribe(user=user, issue=issue, subscriber=agent,
                               amount=(issue.size * w).quantize(Decimal("0.01")))
        services.issue_allocate(user=manager, issue=issue)
        issue = BondIssue.objects.get(pk=issue.pk)
    if issue.status == IssueStatus.ALLOCATED:
        if issue.settle_prepared_by_id is None:
            issue = services.issue_settle_prepare(user=analyst, issue=issue)
        issue = services.issue_settle(user=manager, issue=issue)
    for payment in BondPayment.objects.filter(issue=issue, paid_on__isnull=True, due_date__lte=today) \
            .order_by("number"):
        if payment.number == 2:
            last = issue.shares.order_by("-pk").first()
            services.default_mark(user=analyst, issue=issue, number=2, firm=last.firm)
            payment.refresh_from_db()
        if payment.prepared_by_id is None:
            services.payment_prepare(user=analyst, issue=issue, number=payment.number)
        services.payment_pay(user=manager, issue=issue, number=payment.number)
    d = BondDefault.objects.filter(payment__issue=issue).first()
    if d is not None and d.recovered == 0:
        services.claim_recover(user=manager, default=d, amount=(d.amount / 2).quantize(Decimal("0.01")),
                               on=today - timedelta(days=7))
    while events_dispatch(max_batches=50):
        pass
    paid = BondPayment.objects.filter(issue=issue, paid_on__isnull=False).count()
    out.write(f"  collective bond: {issue.name}, {issue.size} yuan, {issue.shares.count()} firms, "
              f"{issue.subscriptions.count()} subscribers, {paid} payments made, "
              f"{BondDefault.objects.filter(payment__issue=issue).count()} default covered by the guarantor")
