"""Helpers of the oversight and compliance tests: loans from each kind of lender to the
``world`` fixture's firms, through the real lending services."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from lending.services.private_lending import private_loan_make
from lending.tests.factories import make_loan

_seq = itertools.count(1)
ON = date(2026, 6, 15)


def investor(name: str | None = None, region_code: str = "330784"):
    agent = AgentFactory(kind=AgentKind.INVESTOR, name=name or f"投资者Z{next(_seq)}", credit_code="",
                         industry_code="", size_class="", region_code=region_code)
    user = MembershipFactory(agent=agent, role=Role.INVESTOR, user=UserFactory()).user
    return agent, user


def private_loan(lender, user, borrower, amount, *, on: date = ON, rate="0.08"):
    return private_loan_make(user=user, lender=lender, borrower=borrower, amount=amount, annual_rate=rate,
                             periods=12, method="equal_instalment", frequency="monthly", on=on,
                             idempotency_key=f"oversight-{next(_seq)}")


def loan(world, *, lender="finance", borrower=None, amount="12000.00", rate="0.12", start=ON, **kwargs):
    return make_loan(world, lender=lender, borrower=borrower, amount=amount, rate=rate, start=start, **kwargs)


def set_delinquency(loan_obj, dpd: int, loan_class: str = "normal"):
    """Put a loan in a delinquency state as the nightly run would (for figures only)."""
    from lending.models import Loan

    Loan.objects.filter(pk=loan_obj.pk).update(dpd=dpd, loan_class=loan_class)
    loan_obj.refresh_from_db()
    return loan_obj


D = Decimal
