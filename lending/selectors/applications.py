"""Reads of applications: a lender's queue and an applicant's own."""

from __future__ import annotations

from django.db.models import Count, DecimalField, QuerySet

from agents.models import Agent

from ..choices import (
    ApplicationStatus,
    LoanStatus,
)
from ..models import Application, Loan

MONEY = DecimalField(max_digits=18, decimal_places=2)


def applications_for_lender(*, user, lender, status: str | None = None) -> QuerySet[Application]:
    """The lender's application queue (never the borrowers' drafts)."""
    qs = (Application.objects.restrict(user, "view").filter(lender=lender)
          .select_related("product", "applicant", "reviewed_by", "decided_by"))
    if status:
        qs = qs.filter(status=status)
    return qs


def applications_for_applicant(*, user, applicant, status: str | None = None) -> QuerySet[Application]:
    qs = (Application.objects.restrict(user, "view").filter(applicant=applicant)
          .select_related("product", "lender", "loan"))
    if status:
        qs = qs.filter(status=status)
    return qs


APPLICATION_QUEUE_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


QUEUE_OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


def queue_counts(*, user, lender: Agent) -> dict:
    """How many applications of the lender are in each status (one query), plus ``open``."""
    rows = (Application.objects.restrict(user, "view").filter(lender=lender).order_by()
            .values_list("status").annotate(n=Count("pk")))
    counts = dict.fromkeys(ApplicationStatus.values, 0)
    counts.update(dict(rows))
    counts["open"] = sum(counts[s] for s in QUEUE_OPEN)
    counts["all"] = sum(counts[s] for s in ApplicationStatus.values if s != ApplicationStatus.DRAFT)
    return counts


def awaiting_disbursement(*, user, lender: Agent) -> int:
    return Loan.objects.restrict(user, "view").filter(lender=lender, status=LoanStatus.CONTRACTED).count()
