"""The continuous disclosure is incremental: a run reads only what changed since the previous one
(its watermark), publishes each record once, and misses nothing that landed around a run."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clusterfinance import disclosure
from clusterfinance.disclosure.records import SETTLE
from clusterfinance.models import DisclosureCursor
from infocenter.choices import Category
from infocenter.models import Publication
from lending.choices import ApplicationStatus
from lending.models import Application
from lending.tests.factories import make_loan, make_product, pay

TODAY = date(2026, 11, 26)


def _run(world, today=TODAY) -> int:
    return disclosure.records_disclose(cluster=world.cluster, today=today)


def _keys(world) -> list[str]:
    return list(Publication.objects.filter(publisher=world.finance_company,
                                           category__in=[Category.LOAN_DISCLOSURE, Category.SANCTION])
                .values_list("key", flat=True))


def _old_loans(world, n: int) -> None:
    for i in range(n):
        loan = make_loan(world, lender="finance", amount="12000.00", periods=12, rate="0.12",
                         start=date(2026, 1, 1 + i % 28))
        pay(world, loan, "1066.19", date(2026, 2, 1 + i % 28))


def _later(world, hours=1) -> None:
    """As if the previous run had happened that much later, with nothing new in between: what
    happened before it is now older than the margin a run re-reads."""
    cursor = DisclosureCursor.objects.get(cluster=world.cluster)
    cursor.read_from += timedelta(hours=hours)
    cursor.save(update_fields=["read_from"])


def _second_run_queries(world) -> tuple[int, int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        new = _run(world)
    return new, len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def test_a_second_run_with_nothing_new_writes_nothing_in_a_fixed_number_of_queries(world):
    _old_loans(world, 5)
    assert _run(world) > 0
    published = len(_keys(world))
    new, queries_5, _sql = _second_run_queries(world)
    assert new == 0 and len(_keys(world)) == published

    _old_loans(world, 45)
    assert _run(world) > 0
    published = len(_keys(world))
    new, queries_50, _sql = _second_run_queries(world)
    assert new == 0 and len(_keys(world)) == published
    # the same queries for 5 or 50 old loans (set-based reads, one look-up of what is published)
    assert queries_50 == queries_5 <= 15


def test_a_run_after_a_quiet_spell_reads_no_old_loan_or_application(world):
    _old_loans(world, 5)
    _run(world)
    _later(world)
    new, queries, sql = _second_run_queries(world)
    assert new == 0 and queries <= 9
    # nothing changed since: no loan, repayment or application row is read at all
    read = " ".join(s for s in sql if s.lstrip().upper().startswith("SELECT"))
    for table in ("lending_loan", "lending_repayment", "lending_instalment"):
        assert f'FROM "{table}"' not in read
    # and no old application or loan came back as a candidate: nothing to look up among the publications
    assert 'FROM "infocenter_publication"' not in read


def test_a_change_after_the_first_run_is_disclosed_exactly_once(world):
    loan = make_loan(world, lender="finance", amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    _run(world)
    assert f"loan-{loan.pk}-repayments-2026-02" not in _keys(world)
    pay(world, loan, "1066.19", date(2026, 2, 15))  # recorded late, for a month long over
    second = make_loan(world, lender="finance", amount="5000.00", periods=6, rate="0.10", start=date(2026, 11, 2))
    assert _run(world) == 4  # the repayment record; the second loan's submission, decision, disbursement
    keys = _keys(world)
    assert keys.count(f"loan-{loan.pk}-repayments-2026-02") == 1
    assert keys.count(f"loan-{second.pk}-disbursed") == 1
    assert _run(world) == 0
    assert _run(world, today=TODAY + timedelta(days=1)) == 0
    assert len(_keys(world)) == len(set(_keys(world)))


def test_a_change_stamped_around_the_previous_run_is_not_missed(world):
    _run(world)
    cursor = DisclosureCursor.objects.get(cluster=world.cluster)
    product = make_product(world)
    apps = []
    # one stamped in the same instant the previous run started, one a little before it but
    # committed only after that run had read (a slow writer)
    for stamp in (cursor.read_from, cursor.read_from - SETTLE / 3):
        app = Application.objects.create(product=product, applicant=world.firm, lender=world.finance_company,
                                         amount="3000.00", periods=3, annual_rate="0.10", purpose="周转",
                                         status=ApplicationStatus.SUBMITTED, created_by=world.users["enterprise"],
                                         submitted_at=stamp)
        apps.append(app)
    assert _run(world) == 2
    assert {f"application-{a.pk}-submitted" for a in apps} <= set(_keys(world))
    assert _run(world) == 0


def test_the_repayment_record_of_a_month_is_published_once_the_month_is_over(world):
    loan = make_loan(world, lender="finance", amount="12000.00", periods=12, rate="0.12", start=date(2026, 10, 10))
    pay(world, loan, "1066.19", date(2026, 11, 10))
    _run(world)  # 26 November: November is not over
    assert f"loan-{loan.pk}-repayments-2026-11" not in _keys(world)
    _later(world, hours=24 * 5)  # no new fact about the loan until 1 December
    assert _run(world, today=date(2026, 12, 1)) == 1
    assert _keys(world).count(f"loan-{loan.pk}-repayments-2026-11") == 1
    assert _run(world, today=date(2026, 12, 2)) == 0


@pytest.mark.parametrize("runs", [1, 2])
def test_the_first_run_back_fills_everything(world, runs):
    loan = make_loan(world, lender="finance", amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    pay(world, loan, "1066.19", date(2026, 2, 15))
    for _ in range(runs):
        _run(world)
    assert {f"loan-{loan.pk}-disbursed", f"loan-{loan.pk}-repayments-2026-02"} <= set(_keys(world))
    assert DisclosureCursor.objects.get(cluster=world.cluster).through_day == TODAY
