"""Factories of lending, built through the services (so the ledger is real)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from lending import services
from lending.choices import Frequency, RepaymentMethod

_seq = itertools.count(1)

# Who plays which part for each lender of the ``world`` fixture: (lender attr, manager, reviewer).
STAFF = {
    "finance": ("finance_company", "finance", "finance_analyst"),
    "bank": ("bank", "institution", "institution_officer"),
}


def make_product(world, lender: str = "finance", **overrides):
    lender_attr, manager, _reviewer = STAFF[lender]
    fields = {
        "name": f"经营贷 {next(_seq)}", "min_amount": "1000", "max_amount": "5000000", "min_periods": 1,
        "max_periods": 360, "method": RepaymentMethod.EQUAL_INSTALMENT, "frequency": Frequency.MONTHLY,
        "rate_min": "0", "rate_max": "0.24",
    }
    fields.update(overrides)
    return services.product_create(lender=getattr(world, lender_attr), user=world.users[manager], **fields)


def make_contract(world, *, lender: str = "finance", product=None, borrower=None, amount="12000.00", periods=12,
                  rate="0.12", borrower_user=None, **product_overrides):
    """An approved, contracted loan awaiting disbursement."""
    _attr, manager, reviewer = STAFF[lender]
    product = product or make_product(world, lender, **product_overrides)
    borrower = borrower or world.firm
    borrower_user = borrower_user or world.users["enterprise"]
    application = services.application_create(product=product, applicant=borrower, user=borrower_user,
                                              amount=amount, periods=periods, annual_rate=rate,
                                              purpose="采购原材料", submit=True)
    services.application_review(application=application, user=world.users[reviewer], recommendation="approve",
                                note="经营正常")
    services.application_decide(application=application, user=world.users[manager], approve=True)
    return services.application_contract(application=application, user=borrower_user)


def make_loan(world, *, lender: str = "finance", start: date = date(2026, 1, 15), **kwargs):
    """A disbursed loan (disbursed by the reviewer, not the approver)."""
    _attr, _manager, reviewer = STAFF[lender]
    loan = make_contract(world, lender=lender, **kwargs)
    return services.loan_disburse(loan=loan, user=world.users[reviewer], disbursed_on=start,
                                  idempotency_key=f"disburse-{loan.pk}")


def pay(world, loan, amount, on, key=None, user=None):
    return services.repayment_record(loan=loan, user=user or world.users["enterprise"], amount=amount,
                                     paid_on=on, idempotency_key=key or f"pay-{next(_seq)}")


D = Decimal
