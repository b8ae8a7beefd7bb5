"""Disbursement: ledger postings on both sides, schedule, maker-checker, idempotency."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lending import services
from lending.choices import AccountPurpose, EntryKind, LoanStatus
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry
from lending.tests.factories import make_contract

pytestmark = pytest.mark.django_db
D = Decimal


def balance(agent, purpose, loan=None):
    return Account.objects.get(agent=agent, purpose=purpose, loan=loan).balance


def test_disbursement_posts_both_sides_and_creates_the_schedule(world):
    loan = make_contract(world, amount="100000", periods=12, rate="0.0435", fee_flat="200")
    loan = services.loan_disburse(loan=loan, user=world.users["finance_analyst"], disbursed_on="2026-01-31",
                                  idempotency_key="d-1")
    assert loan.status == LoanStatus.ACTIVE and loan.principal_outstanding == D("100000.00")
    instalments = list(loan.instalments.order_by("period"))
    assert len(instalments) == 12 and instalments[0].due_date == date(2026, 2, 28)
    assert instalments[0].principal_due + instalments[0].interest_due == D("8530.99")
    assert loan.maturity_date == date(2027, 1, 31)
    fc, firm = world.finance_company, world.firm
    assert balance(fc, AccountPurpose.LOANS_RECEIVABLE, loan) == D("100000.00")
    assert balance(fc, AccountPurpose.CASH) == D("-99800.00")
    assert balance(fc, AccountPurpose.FEE_INCOME) == D("-200.00")
    assert balance(firm, AccountPurpose.CASH) == D("99800.00")
    assert balance(firm, AccountPurpose.FEE_EXPENSE) == D("200.00")
    assert balance(firm, AccountPurpose.BORROWINGS, loan) == D("-100000.00")
    entry = JournalEntry.objects.get(kind=EntryKind.DISBURSEMENT)
    assert entry.postings.count() == 6 and sum(p.amount for p in entry.postings.all()) == 0
    assert ledger_verify().ok


def test_the_approver_cannot_disburse(world):
    loan = make_contract(world)
    with pytest.raises(PermissionDenied):
        services.loan_disburse(loan=loan, user=world.users["finance"], disbursed_on="2026-01-15",
                               idempotency_key="d-1")
    with pytest.raises(PermissionDenied):  # the borrower, another lender
        services.loan_disburse(loan=loan, user=world.users["institution"], disbursed_on="2026-01-15",
                               idempotency_key="d-1")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED and not JournalEntry.objects.exists()


def test_disbursement_is_idempotent(world):
    loan = make_contract(world)
    analyst = world.users["finance_analyst"]
    services.loan_disburse(loan=loan, user=analyst, disbursed_on="2026-01-15", idempotency_key="d-1")
    again = services.loan_disburse(loan=loan, user=analyst, disbursed_on="2026-01-15", idempotency_key="d-1")
    assert again.pk == loan.pk
    with pytest.raises(services.IdempotencyConflict):
        services.loan_disburse(loan=loan, user=analyst, disbursed_on="2026-01-16", idempotency_key="d-1")
    with pytest.raises(ValidationError) as caught:
        services.loan_disburse(loan=loan, user=analyst, disbursed_on="2026-01-15", idempotency_key="d-2")
    assert caught.value.code == "already_disbursed"
    assert JournalEntry.objects.count() == 1 and loan.instalments.count() == 12


@pytest.mark.parametrize("when", ["2026-02-30", "tomorrow", ""])
def test_bad_disbursement_date_changes_nothing(world, when):
    loan = make_contract(world)
    if when == "tomorrow":
        when = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.loan_disburse(loan=loan, user=world.users["finance_analyst"], disbursed_on=when,
                               idempotency_key="d-1")
    assert "disbursed_on" in caught.value.message_dict
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED and not loan.instalments.exists()


def test_disbursement_opens_every_account_repayments_will_post_to(world):
    """Repayments then never open accounts under contention (opening them concurrently in
    different orders deadlocked in benchmarks/repayments.py)."""
    from lending.choices import AccountPurpose as P
    from lending.ledger.models import Account
    from lending.tests.factories import make_loan

    loan = make_loan(world)
    lender = set(Account.objects.filter(agent=world.finance_company).values_list("purpose", flat=True))
    borrower = set(Account.objects.filter(agent=world.firm).values_list("purpose", flat=True))
    assert {P.CASH, P.LOANS_RECEIVABLE, P.INTEREST_INCOME, P.PENALTY_INCOME} <= lender
    assert {P.CASH, P.BORROWINGS, P.INTEREST_EXPENSE, P.PENALTY_EXPENSE} <= borrower
    before = Account.objects.count()
    from datetime import date

    from lending.tests.factories import pay

    pay(world, loan, "100.00", date(2026, 2, 15))
    assert Account.objects.count() == before
