"""Fixtures of the reward and penalty rules: the world's second firm with a user of its own,
rules put in force through the services (prepared by the analyst, approved by the manager), and
loans repaid on time or left overdue."""

from datetime import date
from decimal import Decimal

import pytest

from agents.choices import Role
from agents.tests.factories import MembershipFactory, UserFactory
from clusterfinance.sanctions import services
from lending.models import Instalment
from lending.services import delinquency_run
from lending.tests.factories import make_loan, pay

START = date(2026, 1, 15)  # instalments due on the 15th of February, March, April, …
TODAY = date(2026, 5, 20)


@pytest.fixture
def other_user(world):
    return MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER,
                             user=UserFactory(email="other@example.cn")).user


def rule_in_force(world, kind, name, **params):
    """A rule prepared by the analyst and, when it needs four eyes, approved by the manager."""
    rule = services.sanction_rule_propose(user=world.users["finance_analyst"], fc=world.finance_company, kind=kind,
                                          name=name, params=params, is_active=True)
    if rule.pending:
        rule = services.sanction_rule_approve(user=world.users["finance"], rule=rule)
    return rule


def pay_on_time(world, loan, user=None):
    """Pay each instalment in full on its due date."""
    for inst in Instalment.objects.filter(loan=loan).order_by("period"):
        pay(world, loan, str(inst.principal_due + inst.interest_due), inst.due_date, user=user)


def overdue_loan(world, user, *, as_of=TODAY, borrower=None):
    """A loan of the second firm (or ``borrower``) never repaid: about 94 days past due on ``TODAY``."""
    loan = make_loan(world, borrower=borrower or world.other_firm, borrower_user=user, amount="12000.00", periods=12,
                     start=START)
    delinquency_run(as_of=as_of)
    loan.refresh_from_db()
    return loan


def arrears_paid(world, loan, user, on=TODAY):
    """Pay everything overdue on ``on`` (the day the delinquency run last looked)."""
    owed = sum((i.total_unpaid for i in Instalment.objects.filter(loan=loan, status="overdue")), Decimal(0))
    pay(world, loan, str(owed), on, user=user)
    delinquency_run(as_of=on)
    loan.refresh_from_db()
    return loan


@pytest.fixture
def on_time_loan(world):
    loan = make_loan(world, amount="3000.00", periods=3, start=START)
    pay_on_time(world, loan)
    return loan
