"""PostgreSQL enforces the ledger itself (triggers), and the engine stays exact under
concurrency: 16 threads × 200 mixed repayments and disbursements on shared loans."""

import random
import threading
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from lending import services
from lending.choices import AccountPurpose, EntryKind, LoanStatus
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry, Posting
from lending.ledger.services import account_get
from lending.models import Loan, Repayment
from lending.tests.factories import make_contract, make_loan, make_product

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (triggers, row locks, threads)"),
]
D = Decimal
DAY = date(2026, 1, 1)


def two_accounts(world):
    cash = account_get(agent_id=world.finance_company.pk, purpose=AccountPurpose.CASH)
    capital = account_get(agent_id=world.finance_company.pk, purpose=AccountPurpose.CAPITAL)
    return cash, capital


@pytest.mark.django_db(transaction=True)
def test_unbalanced_entry_is_rejected_at_commit(world):
    cash, capital = two_accounts(world)
    with pytest.raises(IntegrityError, match="not balanced"), transaction.atomic():
        entry = JournalEntry.objects.create(idempotency_key="one-sided", fingerprint="x", kind=EntryKind.ADJUSTMENT,
                                            effective_date=DAY)
        Posting.objects.bulk_create([Posting(entry=entry, account=cash, amount=D("10.00"))])
    with pytest.raises(IntegrityError, match="not balanced"), transaction.atomic():
        JournalEntry.objects.create(idempotency_key="empty", fingerprint="x", kind=EntryKind.ADJUSTMENT,
                                    effective_date=DAY)
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_posting_added_later_to_a_balanced_entry_is_rejected(world):
    cash, capital = two_accounts(world)
    services.capital_contribute(agent=world.finance_company, amount="100", on=DAY, idempotency_key="c1")
    entry = JournalEntry.objects.get()
    with pytest.raises(IntegrityError, match="not balanced"), transaction.atomic():
        Posting.objects.bulk_create([Posting(entry=entry, account=cash, amount=D("0.01"))])
    assert entry.postings.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_extra_posting_in_the_same_transaction_is_rejected(world):
    # the per-posting check is skipped for entries of the current transaction: the entry's own
    # deferred check must still see the extra posting at COMMIT
    cash, capital = two_accounts(world)
    with pytest.raises(IntegrityError, match="not balanced"), transaction.atomic():
        entry = services.capital_contribute(agent=world.finance_company, amount="100", on=DAY, idempotency_key="c1")
        Posting.objects.bulk_create([Posting(entry=entry, account=cash, amount=D("0.01"))])
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_postings_and_entries_cannot_be_updated_or_deleted(world):
    services.capital_contribute(agent=world.finance_company, amount="100", on=DAY, idempotency_key="c1")
    entry = JournalEntry.objects.get()
    posting = entry.postings.first()
    statements = [
        ("UPDATE lending_posting SET amount = amount + 1 WHERE id = %s", posting.pk),
        ("DELETE FROM lending_posting WHERE id = %s", posting.pk),
        ("UPDATE lending_journalentry SET memo = 'edited' WHERE id = %s", entry.pk),
        ("DELETE FROM lending_journalentry WHERE id = %s", entry.pk),
    ]
    for sql, pk in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    # the cached balance on the account table stays updatable (the services do it in each entry)
    Account.objects.filter(purpose=AccountPurpose.CASH).update(balance=D("100.00"))
    assert entry.postings.count() == 2 and ledger_verify().ok


THREADS, OPERATIONS = 16, 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_repayments_and_disbursements_stay_exact(world):
    product = make_product(world, "finance", method="equal_instalment", name="并发测试")
    active = [make_loan(world, product=product, amount=str(amount), periods=12, rate="0.12", start=DAY)
              for amount in [100000] * 14 + [1500] * 4]   # small loans get paid off and refuse more
    waiting = [make_contract(world, product=product, amount="50000", periods=6, rate="0.1") for _ in range(30)]
    analyst, borrower = world.users["finance_analyst"], world.users["enterprise"]
    setup_entries = JournalEntry.objects.count()
    outcomes: Counter = Counter()
    accepted_repayments, accepted_disbursements = set(), set()
    lock = threading.Lock()
    errors = []

    def worker(seed: int):
        rng = random.Random(seed)
        try:
            for i in range(OPERATIONS):
                if rng.random() < 0.2:
                    loan = rng.choice(waiting)
                    try:
                        result = services.loan_disburse(loan=loan, user=analyst, disbursed_on=DAY,
                                                        idempotency_key=f"disburse-{loan.pk}")
                        with lock:
                            accepted_disbursements.add(result.pk)
                            outcomes["disbursed-or-retry"] += 1
                    except ValidationError:
                        with lock:
                            outcomes["refused"] += 1
                    continue
                loan = rng.choice(active + [w for w in waiting if w.pk in accepted_disbursements])
                # one call in ten retries a key shared by every thread (same payload)
                key, amount = ((f"shared-{loan.pk}-{i % 7}", "11.00") if rng.random() < 0.1
                               else (f"t{seed}-{i}", f"{rng.randint(1, 8000) / 100:.2f}"))
                try:
                    repayment = services.repayment_record(loan=loan, user=borrower, amount=amount,
                                                          paid_on=date(2026, 1, 20), idempotency_key=key)
                    with lock:
                        accepted_repayments.add(repayment.pk)
                        outcomes["repaid-or-retry"] += 1
                except ValidationError as error:
                    with lock:
                        outcomes["refused"] += 1
                    if "amount" in getattr(error, "message_dict", {}):  # more than owed: settle the loan instead
                        quote = services.loan_payoff_quote(loan=loan, on=date(2026, 1, 20))
                        if quote["total"] > 0:
                            try:
                                repayment = services.repayment_record(
                                    loan=loan, user=borrower, amount=quote["total"], paid_on=date(2026, 1, 20),
                                    idempotency_key=f"settle-{loan.pk}-{quote['total']}")
                                with lock:
                                    accepted_repayments.add(repayment.pk)
                                    outcomes["settled-or-retry"] += 1
                            except ValidationError:
                                with lock:
                                    outcomes["refused"] += 1
        except Exception as error:  # pragma: no cover - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert sum(outcomes.values()) >= THREADS * OPERATIONS

    # the number of entries equals the number of accepted (distinct) requests
    assert Repayment.objects.count() == len(accepted_repayments)
    assert Loan.objects.filter(pk__in=[w.pk for w in waiting], status=LoanStatus.ACTIVE).count() \
        == len(accepted_disbursements)
    assert JournalEntry.objects.count() == setup_entries + len(accepted_repayments) + len(accepted_disbursements)
    # … and the postings are exactly those of the accepted requests
    expected_postings = 4 * (len(active) + len(accepted_disbursements))
    for r in Repayment.objects.all():
        expected_postings += 2 + 2 * sum(1 for part in (r.penalty_amount, r.interest_amount, r.principal_amount)
                                         if part)
    assert Posting.objects.count() == expected_postings
    # every loan's balance equals its postings, the ledger sums to zero, schedules agree
    report = ledger_verify()
    assert report.ok, report.lines()
    for loan in Loan.objects.filter(status__in=[LoanStatus.ACTIVE, LoanStatus.CLOSED]):
        receivable = Account.objects.get(loan=loan, purpose=AccountPurpose.LOANS_RECEIVABLE)
        assert receivable.balance == loan.principal_outstanding \
            == sum(p.amount for p in receivable.postings.all())
    assert outcomes["refused"] > 0 and Loan.objects.filter(status=LoanStatus.CLOSED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_payment_read_before_another_commits_is_recomputed_not_lost(world, monkeypatch):
    """Optimistic path: the first payment reads the loan without a lock; a second payment of the
    same loan commits before the first one writes. The write finds the loan changed, writes
    nothing, and the first payment is read and allocated again on top of the second."""
    from lending.services import repayment_store, repayments

    product = make_product(world, "finance", method="equal_instalment", name="乐观并发")
    loan = make_loan(world, product=product, amount="12000", periods=12, rate="0.12", start=DAY)
    first_due = loan.instalments.order_by("period").first()
    borrower = world.users["enterprise"]
    original, reads = repayment_store.repayment_load, []

    def load_then_let_another_payment_in(loan_pk, key, *, lock):
        loaded = original(loan_pk, key, lock=lock)
        reads.append((key, lock))
        if key == "slow" and len(reads) == 1:  # autocommit: this one commits at once
            services.repayment_record(loan=loan, user=borrower, amount=first_due.total_due, paid_on=date(2026, 2, 1),
                                      idempotency_key="fast")
        return loaded

    monkeypatch.setattr(repayments, "repayment_load", load_then_let_another_payment_in)
    slow = services.repayment_record(loan=loan, user=borrower, amount="500.00", paid_on=date(2026, 2, 1),
                                     idempotency_key="slow")

    assert [key for key, _lock in reads] == ["slow", "fast", "slow"]  # the slow payment was read twice
    fast = Repayment.objects.get(idempotency_key="fast")
    assert fast.kind == "regular" and slow.kind == "early"
    # the second read saw the first instalment paid, so the 500 went to the next one, not twice to the first
    allocations = {a.instalment.period for a in slow.allocations.select_related("instalment")}
    assert allocations == {2}
    loan.refresh_from_db()
    assert loan.principal_outstanding == D("12000.00") - fast.principal_amount - slow.principal_amount
    assert Repayment.objects.count() == 2 and JournalEntry.objects.filter(kind=EntryKind.REPAYMENT).count() == 2
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_write_function_refuses_a_stale_version_and_writes_nothing(world):
    from lending.services import repayment_store

    loan = make_loan(world, amount="12000", periods=12, rate="0.12", start=DAY)
    loaded = repayment_store.repayment_load(loan.pk, "k", lock=False)
    assert loaded.version.count(":") == 12  # the loan and its twelve open instalments
    write = repayment_store.RepaymentWrite(
        loan=loaded.loan, user=None, key="k", payload={}, fingerprint="f", on=date(2026, 2, 1),
        version=loaded.version.replace(";", ";0:0,", 1),  # as if another instalment had been open
        lines=services.postings.repayment_lines(loaded.loan, penalty=D("0"), interest=D("1.00"), principal=D("0")),
        repayment={"created_at": timezone.now()}, event={})
    entries = JournalEntry.objects.count()
    assert repayment_store.repayment_write(write) == repayment_store.STALE
    assert JournalEntry.objects.count() == entries and not Repayment.objects.exists()
