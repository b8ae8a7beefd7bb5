"""Repayments: allocation penalty → interest → principal (oldest first), early payment,
prepayment with a recomputed schedule, settlement, idempotency and bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from lending import services
from lending.choices import AccountPurpose, EntryKind, InstalmentStatus, LoanStatus, RepaymentKind
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry, Posting
from lending.models import Repayment
from lending.tests.factories import make_loan, make_product, pay

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)


@pytest.fixture
def loan(world):
    # 12,000 at 12 %, 12 months, equal principal: 1,000 principal + 120, 110, 100 … interest;
    # penalty rate 18 % a year = 0.05 % a day
    return make_loan(world, amount="12000", periods=12, rate="0.12", method="equal_principal", start=START)


def current(loan):
    return list(loan.instalments.exclude(status=InstalmentStatus.SUPERSEDED).order_by("due_date", "period"))


def test_regular_payment(world, loan):
    r = pay(world, loan, "1120.00", date(2026, 2, 15))
    assert r.kind == RepaymentKind.REGULAR and (r.interest_amount, r.principal_amount) == (D("120.00"), D("1000.00"))
    first = current(loan)[0]
    assert first.status == InstalmentStatus.PAID and first.paid_on == date(2026, 2, 15)
    loan.refresh_from_db()
    assert loan.principal_outstanding == D("11000.00")
    assert ledger_verify().ok


def test_allocation_penalty_then_interest_then_principal_oldest_first(world, loan):
    services.delinquency_run(as_of=date(2026, 3, 25))
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket, loan.loan_class) == (38, "31-60", "special_mention")
    # penalty: 1,120 × 0.05 % × 38 days = 21.28 and 1,110 × 0.05 % × 10 days = 5.55
    r = pay(world, loan, "200.00", date(2026, 3, 25))
    assert r.kind == RepaymentKind.PARTIAL
    assert (r.penalty_amount, r.interest_amount, r.principal_amount) == (D("26.83"), D("173.17"), D("0.00"))
    parts = {a.instalment.period: (a.penalty, a.interest, a.principal) for a in r.allocations.all()}
    assert parts == {1: (D("21.28"), D("120.00"), D("0.00")), 2: (D("5.55"), D("53.17"), D("0.00"))}
    # the rest of what is due cures the loan
    r2 = pay(world, loan, "2056.83", date(2026, 3, 25))
    assert r2.kind == RepaymentKind.REGULAR and r2.principal_amount == D("2000.00")
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket, loan.loan_class) == (0, "current", "normal")
    assert loan.bucket_moves.last().to_bucket == "current"
    fc = world.finance_company
    assert Account.objects.get(agent=fc, purpose=AccountPurpose.PENALTY_INCOME).balance == D("-26.83")
    assert Account.objects.get(agent=fc, purpose=AccountPurpose.INTEREST_INCOME).balance == D("-230.00")
    assert ledger_verify().ok


def test_penalty_is_brought_up_to_date_at_payment_without_a_nightly_run(world, loan):
    r = pay(world, loan, "100.00", date(2026, 3, 25))
    assert r.penalty_amount == D("26.83")


def test_early_payment_of_the_next_instalment(world, loan):
    # 17 days into the first month: interest accrued by days, 12,000 × 12 % × 17 / 360 = 68.00, then principal
    r = pay(world, loan, "500.00", date(2026, 2, 1))
    assert r.kind == RepaymentKind.EARLY
    assert (r.interest_amount, r.principal_amount, r.prepaid_principal) == (D("68.00"), D("432.00"), D("0.00"))
    assert len(current(loan)) == 12  # schedule unchanged
    # the instalment itself is unchanged: the rest of it (52 interest + 568 principal) is paid on its due date
    r = pay(world, loan, "620.00", date(2026, 2, 15))
    assert r.kind == RepaymentKind.REGULAR and current(loan)[0].status == InstalmentStatus.PAID
    assert ledger_verify().ok


def test_prepayment_recomputes_the_remaining_schedule(world, loan):
    r = pay(world, loan, "6120.00", date(2026, 2, 15))
    # 1,120 due + the next instalment's principal 1,000 (its period began today: no interest yet) + 4,000 prepaid
    assert r.kind == RepaymentKind.PREPAYMENT and r.prepaid_principal == D("4000.00")
    assert r.principal_amount == D("6000.00") and r.interest_amount == D("120.00")
    rows = current(loan)
    assert len(rows) == 12 and [i.period for i in rows] == list(range(1, 13))
    assert (rows[1].due_date, rows[1].interest_due, rows[1].status) == (date(2026, 2, 15), D("0.00"),
                                                                        InstalmentStatus.PAID)
    future = rows[2:]
    assert {i.principal_due for i in future} == {D("600.00")}  # 6,000 over the 10 remaining months
    # the first also carries 6,000 × 12 % × 28 / 360 = 56.00 for 15 February → 15 March
    assert future[0].due_date == date(2026, 4, 15) and future[0].interest_due == D("60.00") + D("56.00")
    assert [i.interest_due for i in future[1:3]] == [D("54.00"), D("48.00")]
    assert future[-1].due_date == date(2027, 1, 15)
    assert loan.instalments.filter(status=InstalmentStatus.SUPERSEDED).count() == 11
    loan.refresh_from_db()
    assert loan.principal_outstanding == D("6000.00")
    assert ledger_verify().ok


def test_payoff_settles_the_loan_and_overpayment_is_refused(world, loan):
    pay(world, loan, "1120.00", date(2026, 2, 15))
    quote = services.loan_payoff_quote(loan=loan, on=date(2026, 3, 1))
    assert quote["total"] == D("11051.33")  # 11,000 principal + 11,000 × 12 % × 14 days / 360 = 51.33
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        pay(world, loan, "11051.34", date(2026, 3, 1))
    assert "amount" in caught.value.message_dict and "11,051.33" in caught.value.message_dict["amount"][0]
    assert JournalEntry.objects.count() == entries
    r = pay(world, loan, quote["total"], date(2026, 3, 1))
    loan.refresh_from_db()
    assert r.kind == RepaymentKind.FULL and loan.status == LoanStatus.CLOSED and loan.principal_outstanding == 0
    assert all(i.status == InstalmentStatus.PAID for i in current(loan))
    with pytest.raises(ValidationError):
        pay(world, loan, "1.00", date(2026, 3, 2))
    assert Account.objects.get(agent=world.finance_company, purpose=AccountPurpose.LOANS_RECEIVABLE,
                               loan=loan).balance == 0
    assert ledger_verify().ok


def test_bullet_loan_paid_early_pays_interest_by_days(world):
    loan = make_loan(world, amount="10000", periods=12, rate="0.0435", method="bullet", start=START)
    # 95 days: 10,000 × 4.35 % × 95 / 360 = 114.79
    assert services.loan_payoff_quote(loan=loan, on=date(2026, 4, 20))["total"] == D("10114.79")
    r = pay(world, loan, "5114.79", date(2026, 4, 20))
    assert r.kind == RepaymentKind.PREPAYMENT and r.interest_amount == D("114.79")
    rows = current(loan)
    assert [(i.period, i.principal_due, i.interest_due, i.status) for i in rows] == [
        (1, D("5000.00"), D("114.79"), InstalmentStatus.PAID),
        (2, D("5000.00"), D("163.13"), InstalmentStatus.PENDING),  # 5,000 × 4.35 % × 270 days / 360
    ]
    assert (rows[1].period_start, rows[1].due_date) == (date(2026, 4, 20), date(2027, 1, 15))
    r = pay(world, loan, services.loan_payoff_quote(loan=loan, on=date(2026, 6, 1))["total"], date(2026, 6, 1))
    assert r.kind == RepaymentKind.FULL and r.interest_amount == D("25.38")  # 5,000 × 4.35 % × 42 / 360 = 25.375
    assert ledger_verify().ok


def test_interest_only_prepayment_lowers_the_interest(world):
    loan = make_loan(world, amount="120000", periods=6, rate="0.06", method="interest_only", start=START)
    r = pay(world, loan, "60600.00", date(2026, 2, 15))  # 600 interest due + 60,000 prepaid (no day accrued yet)
    assert r.prepaid_principal == D("60000.00")
    rows = current(loan)
    # 60,000 × 0.5 % a month; the first also 60,000 × 6 % × 28 / 360 = 280.00 for 15 February → 15 March
    assert [i.interest_due for i in rows[2:]] == [D("580.00")] + [D("300.00")] * 3
    assert rows[-1].principal_due == D("60000.00")


# --- idempotency -------------------------------------------------------------------------------

def test_same_key_same_payload_returns_the_first_result(world, loan):
    first = pay(world, loan, "1120.00", date(2026, 2, 15), key="k-1")
    again = pay(world, loan, "1,120.00", date(2026, 2, 15), key="k-1")
    assert again.pk == first.pk
    assert Repayment.objects.count() == 1 and JournalEntry.objects.filter(kind=EntryKind.REPAYMENT).count() == 1


def test_same_key_other_payload_is_refused(world, loan):
    pay(world, loan, "1120.00", date(2026, 2, 15), key="k-1")
    other = make_loan(world, amount="5000", periods=6, rate="0.1")
    postings = Posting.objects.count()
    with pytest.raises(services.IdempotencyConflict) as caught:
        pay(world, loan, "1000.00", date(2026, 2, 15), key="k-1")
    assert "already used for a different request" in caught.value.messages[0]
    with pytest.raises(services.IdempotencyConflict):  # same key on another loan
        pay(world, other, "1120.00", date(2026, 2, 15), key="k-1")
    assert Posting.objects.count() == postings


def test_a_thousand_retried_duplicates_post_once_per_key(world, loan):
    keys = [f"retry-{i % 100}" for i in range(1000)]
    for key in keys:
        pay(world, loan, "10.00", date(2026, 1, 20), key=key)
    unique = len(set(keys))
    assert Repayment.objects.count() == unique
    assert JournalEntry.objects.filter(kind=EntryKind.REPAYMENT).count() == unique
    # every repayment posts cash and one of interest or principal on each side: four postings
    assert Posting.objects.filter(entry__kind=EntryKind.REPAYMENT).count() == 4 * unique
    loan.refresh_from_db()
    # 5 days accrued by 20 January: 12,000 × 12 % × 5 / 360 = 20.00 interest, the rest principal
    assert loan.principal_outstanding == D("12000.00") - (D("1000.00") - D("20.00"))
    assert ledger_verify().ok


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "amount", "paid_on"), [
    ("amount", "-100", "2026-02-15"),
    ("amount", "0", "2026-02-15"),
    ("amount", "0.00", "2026-02-15"),
    ("amount", "abc", "2026-02-15"),
    ("amount", "NaN", "2026-02-15"),
    ("amount", "Infinity", "2026-02-15"),
    ("amount", 1120.0, "2026-02-15"),
    ("amount", "１１２０．００１", "2026-02-15"),   # full-width, but three decimals
    ("amount", "１１２〇", "2026-02-15"),          # a Chinese numeral among full-width digits
    ("amount", "99999999999999", "2026-02-15"),
    ("amount", "", "2026-02-15"),
    ("paid_on", "1120", "2026-02-30"),
    ("paid_on", "1120", "15/02/2026"),
    ("paid_on", "1120", "2025-12-31"),          # before disbursement
    ("paid_on", "1120", "tomorrow"),
])
def test_bad_repayment_input_posts_nothing(world, loan, field, amount, paid_on):
    if paid_on == "tomorrow":
        paid_on = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        pay(world, loan, amount, paid_on)
    assert field in caught.value.message_dict
    assert not Repayment.objects.exists()
    assert JournalEntry.objects.count() == 1  # the disbursement only
    assert all(i.principal_paid == 0 and i.penalty_accrued == 0 for i in loan.instalments.all())


def test_full_width_digits_are_refused_with_the_number_meant(world, loan):
    with pytest.raises(ValidationError) as caught:
        pay(world, loan, "１，１２０．００", date(2026, 2, 15))
    assert "use half-width digits, e.g. 1,120.00" in caught.value.message_dict["amount"][0]
    assert not Repayment.objects.exists()
    r = pay(world, loan, "1,120.00", date(2026, 2, 15))
    assert r.amount == D("1120.00") and r.kind == RepaymentKind.REGULAR


def test_missing_idempotency_key_is_refused(world, loan):
    with pytest.raises(ValidationError) as caught:
        services.repayment_record(loan=loan, user=world.users["enterprise"], amount="10", paid_on="2026-02-01",
                                  idempotency_key="  ")
    assert "idempotency_key" in caught.value.message_dict


# --- who may pay ---------------------------------------------------------------------------------

def test_who_may_pay(world, loan):
    with pytest.raises(PermissionDenied):
        pay(world, loan, "10", date(2026, 2, 1), user=world.users["institution"])
    with pytest.raises(PermissionDenied):
        pay(world, loan, "10", date(2026, 2, 1), user=world.users["investor"])
    assert pay(world, loan, "10", date(2026, 2, 1), user=world.users["finance_analyst"]).channel == "lender"
    assert pay(world, loan, "10", date(2026, 2, 1)).channel == "platform"


def test_lender_without_platform_payments(world):
    product = make_product(world, "bank", accepts_platform_payments=False)
    loan = make_loan(world, lender="bank", product=product)
    with pytest.raises(PermissionDenied):
        pay(world, loan, "10", date(2026, 2, 1))
    assert pay(world, loan, "10", date(2026, 2, 1), user=world.users["institution_officer"]).channel == "lender"


def test_undisbursed_loan_cannot_be_repaid(world):
    from lending.tests.factories import make_contract

    loan = make_contract(world)
    with pytest.raises(ValidationError) as caught:
        pay(world, loan, "10", date(2026, 2, 1))
    assert caught.value.code == "not_disbursed"


def test_a_loan_that_keeps_changing_refuses_the_payment_and_posts_nothing(world, loan, monkeypatch):
    """If every write finds the loan changed since it was read (other payments keep committing
    first), the payment is refused with a message to retry, and nothing is posted."""
    from lending.services import repayment_store, repayments

    tries = []

    def always_stale(write):
        tries.append(write.key)
        return repayment_store.STALE

    monkeypatch.setattr(repayments, "repayment_write", always_stale)
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        pay(world, loan, "1120.00", date(2026, 2, 15), key="busy")
    assert refused.value.code == "concurrent_change" and "try again" in refused.value.messages[0]
    # PostgreSQL: three optimistic tries, then two with the loan locked; SQLite locks from the start
    assert len(tries) == (5 if connection.vendor == "postgresql" else 2)
    assert JournalEntry.objects.count() == entries and not Repayment.objects.filter(idempotency_key="busy").exists()


def test_a_failed_write_inside_the_callers_transaction_leaves_that_transaction_usable(world, loan, monkeypatch):
    """A caller may record repayments inside its own transaction (an import, a page): a
    database error in one repayment rolls back that repayment only, as an atomic service does."""
    from django.db import DatabaseError, transaction

    from lending.ledger import sql
    from lending.models import Loan
    from lending.services import repayments

    def broken(write):
        sql.fetch_all("SELECT * FROM no_such_table")

    with transaction.atomic():
        first = pay(world, loan, "100.00", date(2026, 2, 15), key="first")
        monkeypatch.setattr(repayments, "repayment_write", broken)
        with pytest.raises(DatabaseError):
            pay(world, loan, "200.00", date(2026, 2, 15), key="second")
        # the caller's transaction still works and still holds the first repayment
        assert Loan.objects.filter(pk=loan.pk).exists()
        assert list(Repayment.objects.values_list("idempotency_key", flat=True)) == [first.idempotency_key]
