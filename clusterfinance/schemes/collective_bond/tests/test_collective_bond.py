"""Collective bonds: the share cap refused with nothing written, pro-rata allocation to the fen,
settlement and coupons balanced on the ledger to the fen, a default paid by the guarantor and
recovered, investor suitability through the hook, the pages' permissions and query counts."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, ClusterMembershipFactory, MembershipFactory, UserFactory
from clusterfinance.schemes.collective_bond import services, suitability
from clusterfinance.schemes.collective_bond.models import BondDefault, BondShare, IssueStatus
from clusterfinance.schemes.collective_bond.reconcile import booked_mismatches
from infocenter.choices import PeriodType, RecordKind, RecordSource
from infocenter.models import FirmRecord, Publication
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry

ISSUED = date(2026, 1, 10)


def statement(world, firm, net):
    FirmRecord.objects.create(agent=firm, kind=RecordKind.STATEMENT, period="2025", period_type=PeriodType.YEAR,
                              period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                              total_assets=D(net) + D("1000.00"), total_liabilities=D("1000.00"),
                              source=RecordSource.IMPORT, supplied_by=world.gov)


def firm(world, name, net="1000000.00"):
    f = AgentFactory(kind=AgentKind.ENTERPRISE, name=name)
    ClusterMembershipFactory(cluster=world.cluster, agent=f)
    statement(world, f, net)
    return f


def balance(agent, purpose):
    a = Account.objects.filter(agent=agent, purpose=purpose, loan__isnull=True).first()
    return a.balance if a else D("0.00")


def issue(world, size="1000000.00", rate="0.0650", ppy=2, term=12, risk="R3"):
    return services.issue_create(user=world.users["finance"], lead=world.finance_company, name="永康五金集合债",
                                 size=size, coupon_rate=rate, term_months=term, payments_per_year=ppy,
                                 risk_level=risk, issue_date=ISSUED, guarantor=world.bank)


@pytest.fixture
def firms(world):
    return [firm(world, "甲五金有限公司"), firm(world, "乙五金有限公司"), firm(world, "丙五金有限公司")]


@pytest.fixture
def investor_user(world):
    return world.users["investor"]


def opened(world, firms, amounts=("333333.33", "333333.33", "333333.34")):
    b = issue(world)
    for f, a in zip(firms, amounts, strict=True):
        services.share_add(user=world.users["finance"], issue=b, firm=f, amount=a)
    return services.issue_open(user=world.users["finance"], issue=b)


def settled(world, firms):
    b = opened(world, firms)
    services.subscribe(user=world.users["institution"], issue=b, subscriber=world.bank, amount="900000.00")
    services.subscribe(user=world.users["investor"], issue=b, subscriber=world.investor, amount="300000.00")
    services.issue_allocate(user=world.users["finance"], issue=b)
    services.issue_settle_prepare(user=world.users["finance_analyst"], issue=b)
    return services.issue_settle(user=world.users["finance"], issue=b)


def pay(world, b, number):
    """Payment ``number`` prepared by the analyst and approved by the manager (maker-checker)."""
    services.payment_prepare(user=world.users["finance_analyst"], issue=b, number=number)
    return services.payment_pay(user=world.users["finance"], issue=b, number=number)


def test_share_above_the_cap_of_net_assets_refused_nothing_written(world):
    f = firm(world, "小微五金有限公司", net="100000.00")
    b = issue(world)
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        services.share_add(user=world.users["finance"], issue=b, firm=f, amount="40000.01")
    text = " ".join(err.value.messages)
    assert "at most ¥40,000.00" in text and "¥100,000.00" in text
    assert not BondShare.objects.filter(issue=b).exists() and JournalEntry.objects.count() == entries
    services.share_add(user=world.users["finance"], issue=b, firm=f, amount="40000.00")  # the cap itself passes


def test_firm_without_statement_refused(world):
    f = AgentFactory(kind=AgentKind.ENTERPRISE, name="无报表企业")
    ClusterMembershipFactory(cluster=world.cluster, agent=f)
    with pytest.raises(ValidationError, match="no financial statement"):
        services.share_add(user=world.users["finance"], issue=issue(world), firm=f, amount="1000.00")


def test_pro_rata_sums_exactly():
    parts = services.pro_rata(D("1000000.00"), [D("333333.33"), D("333333.33"), D("333333.35"), D("1.00")])
    assert sum(parts) == D("1000000.00") and all(p == p.quantize(D("0.01")) for p in parts)
    assert services.pro_rata(D("0.02"), [D(1), D(1), D(1)]) == [D("0.01"), D("0.01"), D("0.00")]
    assert services.pro_rata(D("100.00"), [D(1), D(2)]) == [D("33.33"), D("66.67")]


def test_oversubscribed_allocation_and_settlement_balanced(world, firms):
    b = settled(world, firms)
    subs = {s.subscriber_id: s.allocated for s in b.subscriptions.all()}
    assert subs == {world.bank.pk: D("750000.00"), world.investor.pk: D("250000.00")}
    assert b.status == IssueStatus.SETTLED
    assert [balance(f, P.CASH) for f in firms] == [D("333333.33"), D("333333.33"), D("333333.34")]
    assert balance(world.bank, P.CASH) == D("-750000.00") and balance(world.bank, P.PLACEMENTS) == D("750000.00")
    report = ledger_verify()
    assert not report.unbalanced_entries and not report.balance_mismatches
    assert Publication.objects.filter(data__kind="collective_bond_subscription").count() == 2
    assert Publication.objects.filter(data__kind="collective_bond_issue").count() == 3
    assert booked_mismatches() == []


def test_coupons_principal_and_default_covered_to_the_fen(world, firms):
    b = settled(world, firms)
    fc = world.users["finance"]
    p1 = pay(world, b, 1)
    # each firm's coupon: share × 6.5 % ÷ 2 to the fen
    assert p1.coupon == D("10833.33") * 3  # 333,333.34 × 0.0325 = 10,833.33355
    assert balance(world.bank, P.INTEREST_INCOME) + balance(world.investor, P.INTEREST_INCOME) == -p1.coupon
    services.default_mark(user=fc, issue=b, number=2, firm=firms[1])
    guarantor_cash = balance(world.bank, P.CASH)
    pay(world, b, 2)
    d = BondDefault.objects.get()
    assert d.amount == D("10833.33") + D("333333.33") and d.guarantor_id == world.bank.pk
    assert balance(firms[1], P.CASH) == D("333333.33") - D("10833.33")  # paid only the first coupon
    # the bank is guarantor and holder: pays the default, receives 3/4 of everything paid out
    received = services.pro_rata(p1.coupon, [D(3), D(1)])[0] + D("750000.00")
    assert balance(world.bank, P.CASH) == guarantor_cash - d.amount + received
    assert balance(world.bank, P.PLACEMENTS) == d.amount  # its recovery claim, the bond itself redeemed
    total_paid = sum(balance(a, P.CASH) for a in (world.bank, world.investor))
    total_firms = sum(balance(f, P.CASH) for f in firms)
    assert total_paid + total_firms == 0  # no cent lost or created
    b.refresh_from_db()
    assert b.status == IssueStatus.REDEEMED
    assert Publication.objects.filter(data__kind="collective_bond_default").count() == 1
    services.claim_recover(user=fc, default=d, amount="100000.00")
    assert balance(world.bank, P.PLACEMENTS) == d.amount - D("100000.00")
    with pytest.raises(ValidationError, match="left to recover"):
        services.claim_recover(user=fc, default=d, amount=str(d.amount))
    assert booked_mismatches() == []


def test_payment_entry_balances(world, firms):
    b = settled(world, firms)
    p = pay(world, b, 1)
    entry = JournalEntry.objects.get(idempotency_key=f"bond_payment:{p.pk}")
    assert sum(entry.postings.values_list("amount", flat=True)) == 0


def test_undersubscribed_not_allocated(world, firms):
    b = opened(world, firms)
    services.subscribe(user=world.users["institution"], issue=b, subscriber=world.bank, amount="10000.00")
    with pytest.raises(ValidationError, match="under-subscribed"):
        services.issue_allocate(user=world.users["finance"], issue=b)


def test_investor_above_its_level_refused(world, firms):
    b = opened(world, firms)
    previous = suitability.level_source()
    suitability.level_source_register(lambda agent: "C2")
    try:
        with pytest.raises(ValidationError, match="above your suitability"):
            services.subscribe(user=world.users["investor"], issue=b, subscriber=world.investor, amount="1000.00")
        suitability.level_source_register(lambda agent: "C4")
        services.subscribe(user=world.users["investor"], issue=b, subscriber=world.investor, amount="1000.00")
    finally:
        suitability.level_source_unregister()
        if previous is not None:
            suitability.level_source_register(previous)


def test_the_investor_portal_answers_the_level(world):
    """The investor portal registers its profile's level: the world's investor is C3."""
    f = firm(world, "丁五金有限公司")
    b = issue(world, size="1000.00", risk="R4")
    services.share_add(user=world.users["finance"], issue=b, firm=f, amount="1000.00")
    services.issue_open(user=world.users["finance"], issue=b)
    with pytest.raises(ValidationError, match="R4 is above your suitability C3"):
        services.subscribe(user=world.users["investor"], issue=b, subscriber=world.investor, amount="1000.00")


def test_only_the_lead_and_subscribers_act(world, firms):
    b = opened(world, firms)
    with pytest.raises(PermissionDenied):
        services.issue_allocate(user=world.users["institution"], issue=b)
    with pytest.raises(PermissionDenied):
        services.subscribe(user=world.users["enterprise"], issue=b, subscriber=world.firm, amount="1000.00")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_pages_fixed_queries(world, firms, client_for):
    b = opened(world, firms)
    c = client_for("finance")
    small = _queries(c, reverse("clusterfinance:bond-detail", args=[b.pk]))
    lst = _queries(c, reverse("clusterfinance:bonds"))
    for i in range(3):
        other = issue(world)
        services.share_add(user=world.users["finance"], issue=other, firm=firm(world, f"企业{i}"), amount="1000.00")
    for i in range(3):
        inst = AgentFactory(kind=AgentKind.INSTITUTION, name=f"银行{i}")
        u = MembershipFactory(agent=inst, role=Role.INST_MANAGER, user=UserFactory(email=f"b{i}@example.cn")).user
        services.subscribe(user=u, issue=b, subscriber=inst, amount="1000.00")
    assert _queries(c, reverse("clusterfinance:bond-detail", args=[b.pk])) == small
    assert _queries(c, reverse("clusterfinance:bonds")) == lst
    m = client_for("institution")
    assert m.get(reverse("clusterfinance:bonds-market")).status_code == 200
    assert client_for("institution").get(reverse("clusterfinance:bond-detail", args=[b.pk])).status_code == 404


def test_subscribe_page_post(world, firms, client_for):
    b = opened(world, firms)
    c = client_for("institution")
    r = c.post(reverse("clusterfinance:bonds-market"), {"issue": b.pk, "amount": "abc"})
    assert r.status_code == 400 and not b.subscriptions.exists()
    r = c.post(reverse("clusterfinance:bonds-market"), {"issue": b.pk, "amount": "5000.00"})
    assert r.status_code == 302 and b.subscriptions.get().requested == D("5000.00")
