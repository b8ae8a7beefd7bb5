"""Pool pages: the liquidity figures equal those recomputed from the ledger and the loans, the
projection flags months below the floor, the forms refuse bad input and post nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clusterfinance.pool.choices import SourceKind
from clusterfinance.pool.models import FundSource, PoolPolicy, SourceMovement
from clusterfinance.pool.services import fund_money_in, fund_source_open, pool_cash
from lending.choices import InstalmentStatus
from lending.ledger.models import JournalEntry
from lending.models import Instalment
from lending.selectors.inflows import lender_inflows_by_month
from lending.tests.factories import make_loan

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 1, 5)


def source(world, kind, counterparty, amount, **terms):
    s = fund_source_open(user=world.users["finance_analyst"], cluster=world.cluster, kind=kind,
                         counterparty=counterparty, annual_rate=terms.pop("rate", "0.024"), opened_on=DAY, **terms)
    fund_money_in(user=world.users["finance_analyst"], source=s, amount=amount, on=DAY, idempotency_key=f"in-{s.pk}")
    return s


def test_liquidity_figures_match_the_ledger_and_the_loans(world, client_for, django_assert_max_num_queries):
    today = timezone.localdate()
    source(world, SourceKind.MEMBER_DEPOSIT, world.firm, "60000.00")
    maturity = date(today.year + (today.month + 2 > 12), (today.month + 2 - 1) % 12 + 1, 10)
    source(world, SourceKind.NOTE, world.investor, "40000.00", limit="40000.00", maturity_date=maturity,
                  rate="0.06")
    make_loan(world, amount="24000.00", start=DAY)
    client = client_for("finance")
    url = reverse("clusterfinance:pool")
    with django_assert_max_num_queries(20):
        page = client.get(url)
    ctx = page.context
    view = ctx["liquidity"]
    assert view.cash == pool_cash(world.cluster) == D("76000.00")
    assert view.owed == D("100000.00")
    assert view.reserve_ratio == D("0.7600")
    # the note is 40% of the pool: not above the default 40% warning; the deposit (60%) is
    assert [row["warning"] for row in view.concentration] == [True, False]
    expected = {(i.due_date.year, i.due_date.month): D(0) for i in Instalment.objects.all()}
    for i in Instalment.objects.filter(status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE),
                                       due_date__gte=today):
        expected[(i.due_date.year, i.due_date.month)] += i.principal_due + i.interest_due
    for m in view.projection:
        assert m.inflow == expected.get((m.month.year, m.month.month), D(0))
    assert sum(m.principal for m in view.projection) == D("40000.00")  # the note at its maturity
    first = view.projection[0]
    assert first.interest == D("60000.00") * D("0.024") / 12 + D("40000.00") * D("0.06") / 12
    html = page.content.decode()
    assert 'id="pool-projection-data"' in html and "76,000.00" in html


def test_projection_warns_each_month_below_the_floor(world, client_for):
    source(world, SourceKind.MEMBER_DEPOSIT, world.firm, "1000.00", rate="0.5")
    PoolPolicy.objects.update_or_create(cluster=world.cluster, defaults={"reserve_floor": D("0.99")})
    view = client_for("finance").get(reverse("clusterfinance:pool")).context["liquidity"]
    assert all(m.below_floor for m in view.projection)  # 50% interest a year eats the cash below 99%


def test_inflows_selector_runs_one_query_whatever_the_number_of_loans(world, django_assert_num_queries):
    make_loan(world, amount="12000.00", start=DAY)
    make_loan(world, amount="6000.00", start=DAY)
    with django_assert_num_queries(1):
        rows = lender_inflows_by_month(lender=world.finance_company, start=DAY, months=13)
    due = sum(i.principal_due + i.interest_due for i in Instalment.objects.all())
    assert len(rows) == 13 and sum(r["total"] for r in rows) == due > D("18000.00")


@pytest.mark.parametrize("data, field", [
    ({"action": "in", "amount": "abc", "on": "2026-01-06"}, "amount"),
    ({"action": "in", "amount": "１００", "on": "2026-01-06"}, "amount"),
    ({"action": "in", "amount": "100", "on": "2026-02-30"}, "on"),
    ({"action": "out", "amount": "999999", "on": "2026-01-06"}, "amount"),
    ({"action": "interest", "amount": "-5", "on": "2026-01-06"}, "amount"),
])
def test_movement_form_refuses_bad_input_and_posts_nothing(world, client_for, data, field):
    s = source(world, SourceKind.MEMBER_DEPOSIT, world.firm, "1000.00")
    entries, movements = JournalEntry.objects.count(), SourceMovement.objects.count()
    page = client_for("finance").post(reverse("clusterfinance:pool-source", args=[s.pk]),
                                      {**data, "idempotency_key": "6f1c1a1e-8a8e-4f5e-9a55-0d1e2c3b4a59"})
    assert page.status_code == 200 and f'data-testid="error-{field}"' in page.content.decode()
    assert (JournalEntry.objects.count(), SourceMovement.objects.count()) == (entries, movements)


def test_movement_form_records_money_in(world, client_for):
    s = source(world, SourceKind.MEMBER_DEPOSIT, world.firm, "1000.00")
    page = client_for("finance").post(reverse("clusterfinance:pool-source", args=[s.pk]), {
        "action": "in", "amount": "2,500.00", "on": DAY.isoformat(),
        "idempotency_key": "6f1c1a1e-8a8e-4f5e-9a55-0d1e2c3b4a59"})
    assert page.status_code == 302
    s.refresh_from_db()
    assert s.outstanding == D("3500.00")


@pytest.mark.parametrize("data, field", [
    ({"kind": "note", "annual_rate": "5"}, "limit"),
    ({"kind": "member_deposit", "annual_rate": "abc"}, "annual_rate"),
    ({"kind": "credit_line", "annual_rate": "4", "limit": "100000"}, "maturity_date"),
])
def test_open_form_refuses_bad_input(world, client_for, data, field):
    counterparty = {"note": world.investor, "member_deposit": world.firm, "credit_line": world.bank}[data["kind"]]
    page = client_for("finance").post(reverse("clusterfinance:pool-sources"), {
        **data, "counterparty": counterparty.pk, "notice_days": "0"})
    assert page.status_code == 200 and f'data-testid="error-{field}"' in page.content.decode()
    assert not FundSource.objects.exists()


def test_policy_is_for_managers_and_refuses_bad_input(world, client_for):
    url = reverse("clusterfinance:pool-policy")
    assert client_for("finance_analyst").get(url).status_code == 404
    manager = client_for("finance")
    bad = manager.post(url, {"reserve_floor": "x", "concentration_warning": "40"})
    assert 'data-testid="error-reserve_floor"' in bad.content.decode()
    assert manager.post(url, {"reserve_floor": "15", "concentration_warning": "40"}).status_code == 302
    assert PoolPolicy.objects.get(cluster=world.cluster).reserve_floor == D("0.1500")
