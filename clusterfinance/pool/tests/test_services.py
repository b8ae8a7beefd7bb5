"""The fund pool: each source's ledger entries, limits, notice, cash, idempotency, reconciliation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clusterfinance.pool.choices import GovernmentFundPurpose, SourceKind
from clusterfinance.pool.models import FundSource, SourceMovement
from clusterfinance.pool.services import (
    fund_interest_pay,
    fund_money_in,
    fund_money_out,
    fund_source_open,
    pool_cash,
)
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 2)


def balance(agent, purpose):
    account = Account.objects.filter(agent=agent, purpose=purpose, loan__isnull=True).first()
    return account.balance if account else D("0.00")


def open_source(world, kind, counterparty, **terms):
    return fund_source_open(user=world.users["finance_analyst"], cluster=world.cluster, kind=kind,
                            counterparty=counterparty, annual_rate=terms.pop("rate", "0.02"), opened_on=DAY, **terms)


def test_every_kind_of_source_posts_both_sides_books(world):
    fc = world.finance_company
    sources = [
        (open_source(world, SourceKind.MEMBER_DEPOSIT, world.firm, notice_days=7), world.firm, P.PLACEMENTS, P.DEPOSITS),
        (open_source(world, SourceKind.CREDIT_LINE, world.bank, limit="5000000.00", maturity_date="2027-03-01",
                     rate="0.045"), world.bank, P.CREDIT_LINES_EXTENDED, P.CREDIT_LINES_DRAWN),
        (open_source(world, SourceKind.NOTE, world.investor, limit="200000.00", maturity_date="2027-03-01",
                     rate="0.05"), world.investor, P.NOTES_HELD, P.NOTES_ISSUED),
        (open_source(world, SourceKind.GOVERNMENT_FUND, world.gov, fund_purpose=GovernmentFundPurpose.RISK_COMPENSATION,
                     rate="0"), world.gov, P.PLACEMENTS, P.PROGRAMME_FUNDS),
    ]
    for n, (source, counterparty, asset, liability) in enumerate(sources):
        fund_money_in(user=world.users["finance_analyst"], source=source, amount="100000.00", on=DAY,
                      idempotency_key=f"in-{n}")
        source.refresh_from_db()
        assert source.outstanding == D("100000.00")
        assert balance(counterparty, asset) == D("100000.00")
        assert balance(fc, liability) == D("-100000.00")
    assert pool_cash(world.cluster) == D("400000.00")
    report = ledger_verify()
    assert report.ok and report.subledgers["pool"]["count"] == 4


def test_limits_notice_and_cash_are_refused_and_nothing_is_posted(world):
    analyst = world.users["finance_analyst"]
    line = open_source(world, SourceKind.CREDIT_LINE, world.bank, limit="1000.00", maturity_date="2027-03-01")
    with pytest.raises(ValidationError, match="exceed the limit"):
        fund_money_in(user=analyst, source=line, amount="1000.01", on=DAY, idempotency_key="x1")
    deposit = open_source(world, SourceKind.MEMBER_DEPOSIT, world.firm, notice_days=7)
    fund_money_in(user=analyst, source=deposit, amount="500.00", on=DAY, idempotency_key="d1")
    with pytest.raises(ValidationError, match="notice"):
        fund_money_out(user=analyst, source=deposit, amount="100.00", on=DAY + timedelta(days=3),
                       requested_on=DAY, idempotency_key="w1")
    with pytest.raises(ValidationError, match="outstanding"):
        fund_money_out(user=analyst, source=deposit, amount="500.01", on=DAY + timedelta(days=8),
                       requested_on=DAY, idempotency_key="w2")
    with pytest.raises(ValidationError, match="not an amount|amount"):
        fund_money_in(user=analyst, source=deposit, amount=0.5, on=DAY, idempotency_key="d2")
    assert JournalEntry.objects.count() == 1 and SourceMovement.objects.count() == 1
    fund_money_out(user=analyst, source=deposit, amount="200.00", on=DAY + timedelta(days=7), requested_on=DAY,
                   idempotency_key="w3")
    deposit.refresh_from_db()
    assert deposit.outstanding == D("300.00") and balance(world.firm, P.PLACEMENTS) == D("300.00")
    assert ledger_verify().ok


def test_interest_is_an_expense_of_the_pool_and_income_of_the_counterparty(world):
    analyst = world.users["finance_analyst"]
    note = open_source(world, SourceKind.NOTE, world.investor, limit="100000.00", maturity_date="2027-03-01")
    fund_money_in(user=analyst, source=note, amount="100000.00", on=DAY, idempotency_key="n1")
    fund_interest_pay(user=analyst, source=note, amount="416.67", on=DAY + timedelta(days=30), idempotency_key="i1")
    assert balance(world.finance_company, P.INTEREST_EXPENSE) == D("416.67")
    assert balance(world.investor, P.INTEREST_INCOME) == D("-416.67")
    note.refresh_from_db()
    assert note.outstanding == D("100000.00")


def test_a_retry_answers_with_the_first_movement(world):
    analyst = world.users["finance_analyst"]
    deposit = open_source(world, SourceKind.MEMBER_DEPOSIT, world.firm)
    first = fund_money_in(user=analyst, source=deposit, amount="10.00", on=DAY, idempotency_key="same")
    again = fund_money_in(user=analyst, source=deposit, amount="10.00", on=DAY, idempotency_key="same")
    deposit.refresh_from_db()
    assert first.pk == again.pk and deposit.outstanding == D("10.00")


def test_only_the_finance_companys_staff_manage_its_pool(world):
    with pytest.raises(PermissionDenied):
        fund_source_open(user=world.users["institution"], cluster=world.cluster, kind=SourceKind.MEMBER_DEPOSIT,
                         counterparty=world.firm, annual_rate="0.02")
    with pytest.raises(ValidationError, match="comes from"):
        open_source(world, SourceKind.NOTE, world.bank, limit="1.00", maturity_date="2027-01-01")
    assert not FundSource.objects.exists()
