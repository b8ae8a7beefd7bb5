"""The ledger's public API for money that is not a loan: a member's deposit into the pool, its
withdrawal, a subsidy — balanced, idempotent, append-only, refused cleanly when wrong."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError

from lending.choices import AccountPurpose, EntryKind
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry, Posting
from lending.ledger.services import IdempotencyConflict, Leg, money_move, transfer_post

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 2)


def balance(agent, purpose) -> Decimal:
    account = Account.objects.filter(agent=agent, purpose=purpose).first()
    return account.balance if account else D("0.00")


def deposit(world, amount="250000.00", key="pool.deposit:1"):
    return money_move(idempotency_key=key, on=DAY, amount=amount, payer=world.firm,
                      payer_purpose=AccountPurpose.PLACEMENTS, payee=world.finance_company,
                      payee_purpose=AccountPurpose.DEPOSITS, reference="pool.deposit:1", memo="idle funds")


def test_a_deposit_into_the_pool_balances_on_both_sides_books(world):
    entry, created = deposit(world)
    assert created and entry.kind == EntryKind.TRANSFER and entry.reference == "pool.deposit:1"
    assert entry.loan_id is None
    assert balance(world.firm, AccountPurpose.CASH) == D("-250000.00")
    assert balance(world.firm, AccountPurpose.PLACEMENTS) == D("250000.00")  # its asset: money placed
    assert balance(world.finance_company, AccountPurpose.CASH) == D("250000.00")
    assert balance(world.finance_company, AccountPurpose.DEPOSITS) == D("-250000.00")  # the pool owes it
    assert sum(Posting.objects.filter(entry=entry).values_list("amount", flat=True)) == D("0.00")
    assert ledger_verify().ok


def test_the_withdrawal_is_the_same_call_the_other_way_round(world):
    deposit(world)
    money_move(idempotency_key="pool.withdrawal:1", on=DAY, amount=D("100000.00"), payer=world.finance_company,
               payer_purpose=AccountPurpose.DEPOSITS, payee=world.firm, payee_purpose=AccountPurpose.PLACEMENTS)
    assert balance(world.finance_company, AccountPurpose.DEPOSITS) == D("-150000.00")
    assert balance(world.firm, AccountPurpose.PLACEMENTS) == D("150000.00")
    assert ledger_verify().ok


def test_the_same_key_and_request_answers_with_the_first_entry(world):
    first, _ = deposit(world)
    again, created = deposit(world)
    assert not created and again.pk == first.pk
    assert JournalEntry.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        deposit(world, amount="1.00")
    assert balance(world.finance_company, AccountPurpose.DEPOSITS) == D("-250000.00")


@pytest.mark.parametrize("amount", [0.1, "0.001", "-5", "0", "abc", "1e3000000"])
def test_bad_amounts_are_refused_and_nothing_is_posted(world, amount):
    with pytest.raises(ValidationError):
        deposit(world, amount=amount)
    assert not JournalEntry.objects.exists() and not Posting.objects.exists()


def test_an_unbalanced_transfer_is_refused(world):
    with pytest.raises(ValidationError, match="does not balance"):
        transfer_post(idempotency_key="fee:1", effective_date=DAY, legs=[
            Leg(world.firm.pk, AccountPurpose.FEE_EXPENSE, D("10.00")),
            Leg(world.finance_company.pk, AccountPurpose.FEE_INCOME, D("-9.99"))])
    assert not JournalEntry.objects.exists()


def test_loan_accounts_and_loan_kinds_are_out_of_reach(world):
    with pytest.raises(ValidationError, match="loan"):
        transfer_post(idempotency_key="x:1", effective_date=DAY, legs=[
            Leg(world.firm.pk, AccountPurpose.BORROWINGS, D("10.00")),
            Leg(world.finance_company.pk, AccountPurpose.CASH, D("-10.00"))])
    with pytest.raises(ValidationError, match="loan services"):
        transfer_post(idempotency_key="x:2", effective_date=DAY, kind=EntryKind.REPAYMENT, legs=[
            Leg(world.firm.pk, AccountPurpose.CASH, D("10.00")),
            Leg(world.finance_company.pk, AccountPurpose.CASH, D("-10.00"))])
    with pytest.raises(ValidationError):
        money_move(idempotency_key="", on=DAY, amount="1", payer=world.firm, payer_purpose=AccountPurpose.PLACEMENTS,
                   payee=world.finance_company, payee_purpose=AccountPurpose.DEPOSITS)
    assert not JournalEntry.objects.exists()


def test_a_transfer_cannot_be_edited_or_deleted(world):
    entry, _ = deposit(world)
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        Posting.objects.filter(entry=entry).first().delete()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (triggers)")
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_to_update_a_transfer_behind_the_orm(world):
    entry, _ = deposit(world)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE lending_posting SET amount = amount * 2 WHERE entry_id = %s", [entry.pk])
    assert balance(world.finance_company, AccountPurpose.DEPOSITS) == D("-250000.00")
    assert ledger_verify().ok
