"""The demo loan book: grown through the services, every bucket, queues, a clean ledger."""

from io import StringIO

import pytest

from lending.choices import ApplicationStatus, DelinquencyBucket, LoanClass, LoanStatus
from lending.ledger.checks import ledger_verify
from lending.models import Application, Loan, Repayment
from platform4a1c.demo import loans, registry

pytestmark = pytest.mark.django_db


def test_demo_loan_book():
    world: dict = {}
    registry.seed(world, StringIO())
    loans.seed(world, StringIO())
    firm, bank, fc = world["firms"][0], world["institutions"][0], world["finance_company"]
    active = Loan.objects.filter(status=LoanStatus.ACTIVE)
    # the demo firm has an active loan from the rural commercial bank and from the finance company
    assert active.filter(borrower=firm, lender=bank).exists() and active.filter(borrower=firm, lender=fc).exists()
    # loans from the finance company, from several institutions and from an investor, over 24 months
    assert Loan.objects.values("lender").distinct().count() >= 6
    assert Loan.objects.filter(borrower=fc).count() == 2  # funding of the pool
    assert set(active.values_list("bucket", flat=True)) == set(DelinquencyBucket.values)
    assert set(Loan.objects.values_list("loan_class", flat=True)) == set(LoanClass.values)
    assert Loan.objects.filter(status=LoanStatus.WRITTEN_OFF).count() == 2
    assert Loan.objects.filter(status=LoanStatus.CLOSED).exists()
    # most repaid on time
    assert active.filter(dpd=0).count() > 0.7 * active.count()
    assert Repayment.objects.filter(kind="regular").count() > 300
    for lender in (fc, bank):
        states = set(Application.objects.filter(lender=lender).values_list("status", flat=True))
        assert {ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED,
                ApplicationStatus.REJECTED, ApplicationStatus.CONTRACTED} <= states
    assert Application.objects.filter(applicant=firm, status=ApplicationStatus.DRAFT).exists()
    assert ledger_verify().ok
    # idempotent
    count = Loan.objects.count()
    out = StringIO()
    loans.seed(world, out)
    assert Loan.objects.count() == count and "already seeded" in out.getvalue()
