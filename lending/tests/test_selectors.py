"""Portfolio figures (exact), visibility through restrict(), bounded queries."""

from datetime import date
from decimal import Decimal

import pytest

from lending import selectors, services
from lending.models import Application, Loan
from lending.tests.factories import make_loan, make_product, pay

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = date(2026, 6, 30)


@pytest.fixture
def book(world):
    product = make_product(world, method="interest_only", name="先息后本")
    io = {"product": product, "periods": 12, "rate": "0.12"}
    loans = {
        "a": make_loan(world, amount="10000", start=date(2026, 6, 1), **io),    # nothing due yet
        "b": make_loan(world, amount="20000", start=date(2026, 4, 16), **io),   # 45 days late
        "c": make_loan(world, amount="30000", start=date(2026, 2, 22), **io),   # 100 days late
        "d": make_loan(world, amount="5000", start=date(2025, 12, 1), **io),    # 180 days late → written off
    }
    services.delinquency_run(as_of=AS_OF)
    services.loan_write_off(loan=loans["d"], user=world.users["finance"], reason="失联", written_off_on=AS_OF,
                            idempotency_key="w-d")
    return loans


def test_portfolio_figures_of_a_lender(world, book):
    f = selectors.portfolio_figures(lender=world.finance_company, as_of=AS_OF)
    assert f.active_loans == 3 and f.gross_outstanding == D("60000.00")
    assert (f.par30_amount, f.par60_amount, f.par90_amount) == (D("50000.00"), D("30000.00"), D("30000.00"))
    assert (f.par30, f.par60, f.par90) == (D("0.8333"), D("0.5000"), D("0.5000"))
    assert f.npl_amount == D("30000.00") and f.npl_ratio == D("0.5000")
    assert f.written_off_principal == D("5000.00") and f.disbursed_principal == D("65000.00")
    assert f.write_off_ratio == D("0.0769")
    buckets = {row["value"]: (row["count"], row["outstanding"]) for row in selectors.portfolio_by_bucket(
        lender=world.finance_company)}
    assert buckets["current"] == (1, D("10000.00")) and buckets["31-60"] == (1, D("20000.00"))
    assert buckets["91-180"] == (1, D("30000.00"))
    classes = {row["value"]: row["count"] for row in selectors.portfolio_by_class(lender=world.finance_company)}
    assert classes == {"normal": 1, "special_mention": 1, "substandard": 1, "doubtful": 0, "loss": 0}


def test_par_counts_the_whole_balance_not_the_overdue_amount(world, book):
    overdue_interest = sum(i.interest_due for i in book["c"].instalments.filter(status="overdue"))
    assert overdue_interest < D("30000")
    f = selectors.portfolio_figures(lender=world.finance_company, as_of=AS_OF)
    assert f.par90_amount == book["c"].principal


def test_repayment_and_on_time_rates(world):
    loan = make_loan(world, lender="bank", amount="12000", periods=12, rate="0.12", method="interest_only",
                     start=date(2026, 1, 15))
    pay(world, loan, "120.00", date(2026, 2, 15))           # on time
    pay(world, loan, "120.30", date(2026, 3, 20))           # five days late: 0.30 penalty first
    f = selectors.portfolio_figures(lender=world.bank, as_of=date(2026, 4, 30))
    # due by 30 April: 3 × 120 interest; collected 240
    assert (f.fallen_due, f.collected) == (D("360.00"), D("240.00"))
    assert f.repayment_rate == D("0.6667") and f.on_time_rate == D("0.3333")


def test_cluster_scope(world, book):
    other_cluster_loan = make_loan(world, lender="bank", amount="7000")  # world.firm is a cluster member
    f = selectors.portfolio_figures(cluster=world.cluster, as_of=AS_OF)
    assert f.gross_outstanding == D("67000.00")
    assert other_cluster_loan.borrower == world.firm
    f_bank = selectors.portfolio_figures(lender=world.bank, as_of=AS_OF)
    assert f_bank.gross_outstanding == D("7000.00")


def test_who_sees_a_loan(world):
    loan = make_loan(world, lender="bank")
    seen = {role: Loan.objects.restrict(world.users[role], "view").filter(pk=loan.pk).exists()
            for role in ("enterprise", "finance", "government", "institution", "investor", "superuser")}
    # borrower, lender, the finance company of the borrower's cluster, the county government
    assert seen == {"enterprise": True, "finance": True, "government": True, "institution": True,
                    "investor": False, "superuser": True}
    assert not Loan.objects.restrict(None, "view").exists()
    assert Loan.objects.restrict(world.users["finance"], "change").filter(pk=loan.pk).exists() is False
    assert loan.instalments.model.objects.restrict(world.users["investor"], "view").count() == 0


def test_drafts_stay_with_the_borrower(world):
    product = make_product(world)
    draft = services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                        amount="5000", periods=6, annual_rate="0.1", purpose="周转")
    assert Application.objects.restrict(world.users["enterprise"], "view").filter(pk=draft.pk).exists()
    assert not Application.objects.restrict(world.users["finance"], "view").filter(pk=draft.pk).exists()


def test_loan_book_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    product = make_product(world)
    for _ in range(6):
        make_loan(world, product=product, amount="5000", periods=6)
    with django_assert_max_num_queries(4):
        rows = [(loan.contract_no, loan.borrower.name, loan.product.name) for loan in selectors.loans_for_lender(
            user=world.users["finance"], lender=world.finance_company)]
    assert len(rows) == 6
    with django_assert_max_num_queries(6):
        selectors.portfolio_figures(lender=world.finance_company)
        selectors.portfolio_by_bucket(lender=world.finance_company)
        selectors.portfolio_by_class(lender=world.finance_company)
