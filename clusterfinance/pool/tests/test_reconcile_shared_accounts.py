"""The pool reconciles over its own entries: another book posting to the finance company's
``deposits`` account (the rotating fund keeps its capital there) is no pool mismatch, while a
pool source whose movements disagree with its account still is."""

from datetime import date
from decimal import Decimal

import pytest

from clusterfinance.pool.choices import SourceKind
from clusterfinance.pool.reconcile import pool_mismatches
from clusterfinance.pool.services import fund_money_in, fund_source_open
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.services import money_move

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def test_another_books_entries_on_the_deposits_account_are_no_pool_mismatch(world):
    analyst = world.users["finance_analyst"]
    source = fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.MEMBER_DEPOSIT,
                              counterparty=world.firm, annual_rate="0.02", opened_on=DAY, notice_days=7)
    fund_money_in(user=analyst, source=source, amount="100000.00", on=DAY, idempotency_key="pool-in")
    # a fee into another book kept on F's deposits (as the rotating fund's capital is)
    money_move(idempotency_key="other-book-fee", on=DAY, amount="2500.00", payer=world.firm,
               payer_purpose=P.PLACEMENTS, payee=world.finance_company, payee_purpose=P.DEPOSITS,
               reference="other-book:1")
    assert pool_mismatches() == []
    assert ledger_verify().subledgers["pool"]["problems"] == []


def test_a_source_that_disagrees_with_its_movements_is_still_reported(world):
    analyst = world.users["finance_analyst"]
    source = fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.MEMBER_DEPOSIT,
                              counterparty=world.firm, annual_rate="0.02", opened_on=DAY, notice_days=7)
    fund_money_in(user=analyst, source=source, amount="100000.00", on=DAY, idempotency_key="pool-in")
    type(source).objects.filter(pk=source.pk).update(outstanding=Decimal("99999.99"))
    problems = {p["ref"] for p in pool_mismatches()}
    assert f"source #{source.pk}" in problems
    assert f"agent #{world.finance_company.pk} {P.DEPOSITS}" in problems
