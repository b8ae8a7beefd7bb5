"""Property test of the repayment engine: random loans, random payments on random dates —
nothing lost or created, schedules stay consistent, the payoff always settles."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lending import services
from lending.choices import InstalmentStatus, LoanStatus
from lending.ledger.checks import ledger_verify
from lending.tests.factories import make_loan, make_product

pytestmark = pytest.mark.django_db
START = date(2025, 1, 10)

loans = st.fixed_dictionaries({
    "method": st.sampled_from(["equal_instalment", "equal_principal", "interest_only", "bullet"]),
    "frequency": st.sampled_from(["monthly", "quarterly"]),
    "amount": st.integers(min_value=1000, max_value=2_000_000),
    "periods": st.integers(min_value=1, max_value=24),
    "rate": st.sampled_from(["0", "0.0435", "0.12", "0.2399"]),
    "payments": st.lists(st.tuples(st.integers(min_value=0, max_value=650), st.integers(min_value=1, max_value=120)),
                         min_size=1, max_size=8),
})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=loans)
def test_random_repayments_keep_every_invariant(world, case):
    product = make_product(world, method=case["method"], frequency=case["frequency"])
    loan = make_loan(world, product=product, amount=str(case["amount"]), periods=case["periods"], rate=case["rate"],
                     start=START)
    day = START
    for n, (offset, percent) in enumerate(sorted(case["payments"])):
        day = max(day, START + timedelta(days=offset))
        quote = services.loan_payoff_quote(loan=loan, on=day)
        amount = min(quote["total"], (quote["total"] * percent / 100).quantize(Decimal("0.01")))
        if amount <= 0:
            continue
        before = loan.principal_outstanding
        try:
            r = services.repayment_record(loan=loan, user=None, amount=amount, paid_on=day,
                                          idempotency_key=f"p-{loan.pk}-{n}")  # two equal payments are two payments
        except ValidationError:
            loan.refresh_from_db()
            assert loan.status == LoanStatus.CLOSED  # only a settled loan refuses money within its payoff
            break
        assert r.penalty_amount + r.interest_amount + r.principal_amount == amount
        loan.refresh_from_db()
        assert 0 <= loan.principal_outstanding == before - r.principal_amount
        live = loan.instalments.exclude(status=InstalmentStatus.SUPERSEDED)
        assert sum(i.principal_unpaid for i in live) == loan.principal_outstanding
        assert all(i.principal_paid <= i.principal_due and i.interest_paid <= i.interest_due for i in live)
    # whatever happened, the payoff settles the loan exactly
    if loan.status == LoanStatus.ACTIVE:
        quote = services.loan_payoff_quote(loan=loan, on=day)
        services.repayment_record(loan=loan, user=None, amount=quote["total"], paid_on=day,
                                  idempotency_key=f"payoff-{loan.pk}")
        loan.refresh_from_db()
        assert loan.status == LoanStatus.CLOSED and loan.principal_outstanding == 0
    assert ledger_verify().ok
