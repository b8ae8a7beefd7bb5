"""Early settlement and prepayment: interest accrues by actual days (按日计息) at the annual rate ÷ 360
since the last due date (or the disbursement), and the payoff quote is exactly what the repayment
charges — to the fen, with a balanced ledger."""

from datetime import date
from decimal import Decimal

import pytest

from lending import services
from lending.choices import AccountPurpose, InstalmentStatus, LoanStatus, RepaymentKind
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account
from lending.tests.factories import make_loan, pay

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)


@pytest.fixture
def loan(world):
    # 12,000 at 12 % over 12 months, equal principal: 1,000 principal + 120, 110, 100 … interest a month;
    # penalty rate 18 % a year
    return make_loan(world, amount="12000", periods=12, rate="0.12", method="equal_principal", start=START)


def settle(world, loan, on):
    """Quote, then pay exactly the quote; both must agree and close the loan."""
    quote = services.loan_payoff_quote(loan=loan, on=on)
    r = pay(world, loan, quote["total"], on)
    loan.refresh_from_db()
    assert r.kind == RepaymentKind.FULL and loan.status == LoanStatus.CLOSED and loan.principal_outstanding == 0
    assert (r.penalty_amount, r.interest_amount, r.principal_amount) == (quote["penalty"], quote["interest"],
                                                                         quote["principal"])
    assert r.amount == quote["total"]
    assert ledger_verify().ok
    return quote, r


def interest_income(world):
    return -Account.objects.get(agent=world.finance_company, purpose=AccountPurpose.INTEREST_INCOME).balance


@pytest.mark.parametrize(("on", "interest", "penalty", "total"), [
    (START, "0.00", "0.00", "12000.00"),                       # the disbursement day: no interest at all
    (date(2026, 1, 25), "40.00", "0.00", "12040.00"),          # 12,000 × 12 % × 10 / 360
    (date(2026, 2, 15), "120.00", "0.00", "12120.00"),         # exactly one period: its scheduled interest
    # mid-second period, the first instalment unpaid: its 120 interest + 11,000 × 12 % × 14 / 360 = 51.33,
    # and penalty on the overdue 1,120 at 18 % × 14 / 360 = 7.84
    (date(2026, 3, 1), "171.33", "7.84", "12179.17"),
])
def test_settlement_charges_interest_by_actual_days(world, loan, on, interest, penalty, total):
    quote, r = settle(world, loan, on)
    assert (quote["interest"], quote["penalty"], quote["principal"], quote["total"]) == (
        D(interest), D(penalty), D("12000.00"), D(total))
    assert interest_income(world) == D(interest)
    assert all(i.status == InstalmentStatus.PAID
               for i in loan.instalments.exclude(status=InstalmentStatus.SUPERSEDED))


def test_settlement_mid_second_period_after_paying_the_first(world, loan):
    pay(world, loan, "1120.00", date(2026, 2, 15))
    quote, r = settle(world, loan, date(2026, 3, 1))
    assert (quote["interest"], quote["total"]) == (D("51.33"), D("11051.33"))
    assert interest_income(world) == D("171.33")


def test_interest_by_days_is_rounded_half_up_to_the_fen(world):
    loan = make_loan(world, amount="10000", periods=6, rate="0.0435", method="equal_instalment", start=START)
    # 10,000 × 4.35 % × 7 / 360 = 8.458… → 8.46
    quote, _r = settle(world, loan, date(2026, 1, 22))
    assert (quote["interest"], quote["total"]) == (D("8.46"), D("10008.46"))


def test_a_period_longer_than_360_days_a_year_never_costs_more_than_its_schedule(world):
    # quarterly, 15 July → 15 October is 92 days; 91 days by the day-count would be 364.00 > the 360.00 scheduled
    loan = make_loan(world, amount="12000", periods=4, rate="0.12", method="equal_principal",
                     start=date(2026, 7, 15), frequency="quarterly")
    quote, _r = settle(world, loan, date(2026, 10, 14))
    assert quote["interest"] == D("360.00")


def test_partial_prepayment_pays_interest_by_days_and_the_rest_accrues_from_the_payment_date(world, loan):
    # 1 February, 17 days: 68.00 interest + the next instalment's 1,000 principal + 5,000 prepaid
    r = pay(world, loan, "6068.00", date(2026, 2, 1))
    assert r.kind == RepaymentKind.PREPAYMENT
    assert (r.interest_amount, r.principal_amount, r.prepaid_principal) == (D("68.00"), D("6000.00"), D("5000.00"))
    rows = list(loan.instalments.exclude(status=InstalmentStatus.SUPERSEDED))
    assert (rows[0].due_date, rows[0].interest_due, rows[0].status) == (date(2026, 2, 1), D("68.00"),
                                                                        InstalmentStatus.PAID)
    # 6,000 over the 11 remaining months; the first carries 6,000 × 12 % × 14 / 360 = 28.00 for 1 → 15 February
    assert (rows[1].period_start, rows[1].due_date, rows[1].interest_due) == (date(2026, 2, 1), date(2026, 3, 15),
                                                                              D("60.00") + D("28.00"))
    assert len(rows) == 12 and sum(i.principal_due for i in rows[1:]) == D("6000.00")
    # settling nine days later costs 6,000 × 12 % × 9 / 360 = 18.00: 68 + 18 in all, day by day
    quote, _r = settle(world, loan, date(2026, 2, 10))
    assert (quote["interest"], quote["total"]) == (D("18.00"), D("6018.00"))
    assert interest_income(world) == D("86.00")


def test_an_early_part_payment_then_settlement_costs_what_settling_at_once_costs(world, loan):
    pay(world, loan, "500.00", date(2026, 2, 1))  # 68.00 interest by days, 432.00 principal
    quote, _r = settle(world, loan, date(2026, 2, 1))
    assert (quote["interest"], quote["total"]) == (D("0.00"), D("11568.00"))
    assert interest_income(world) == D("68.00")  # = 12,000 × 12 % × 17 / 360, as one settlement would charge
