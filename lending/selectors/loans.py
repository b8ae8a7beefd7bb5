"""Reads of loans: books by lender, borrower and region, one loan's schedule and history. List querysets carry their delinquency columns as annotations, so a page runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, DecimalField, F, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from agents.models import Agent
from agents.money import ZERO, money_sum, quantize
from agents.restrict import get_restricted_or_404, region_prefix

from ..choices import (
    InstalmentStatus,
)
from ..models import BucketMove, Instalment, Loan, Repayment

MONEY = DecimalField(max_digits=18, decimal_places=2)


def loans_for_lender(*, user, lender, status: str | None = None, bucket: str | None = None,
                     loan_class: str | None = None, borrower=None) -> QuerySet[Loan]:
    """The lender's loan book with filters (status, delinquency bucket, class, borrower)."""
    qs = Loan.objects.restrict(user, "view").filter(lender=lender).select_related("borrower", "product")
    if status:
        qs = qs.filter(status=status)
    if bucket:
        qs = qs.filter(bucket=bucket)
    if loan_class:
        qs = qs.filter(loan_class=loan_class)
    if borrower is not None:
        qs = qs.filter(borrower=borrower)
    return qs


def loans_for_borrower(*, user, borrower, status: str | None = None) -> QuerySet[Loan]:
    qs = Loan.objects.restrict(user, "view").filter(borrower=borrower).select_related("lender", "product")
    if status:
        qs = qs.filter(status=status)
    return qs


def loan_for(*, user, pk: int, action: str = "view") -> Loan:
    """One loan the user may see (404 otherwise)."""
    return get_restricted_or_404(Loan.objects.select_related("lender", "borrower", "product", "application"),
                                 user, action, pk=pk)


def loan_schedule(*, loan: Loan) -> QuerySet[Instalment]:
    """The loan's current schedule (paid and unpaid instalments, not the superseded ones)."""
    return loan.instalments.exclude(status=InstalmentStatus.SUPERSEDED).order_by("due_date", "period")


def loan_history(*, loan: Loan) -> dict:
    """Repayments (with their allocations) and delinquency moves of a loan."""
    return {
        "repayments": (Repayment.objects.filter(loan=loan).select_related("recorded_by", "entry")
                       .prefetch_related("allocations__instalment")),
        "moves": BucketMove.objects.filter(loan=loan).order_by("-moved_on", "-id"),
    }


OPEN_INSTALMENT = Q(instalments__status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE))


LIVE_INSTALMENT = ~Q(instalments__status=InstalmentStatus.SUPERSEDED)


# what is still owed on overdue instalments: principal + interest + penalty not yet paid
_OVERDUE_UNPAID = (F("instalments__principal_due") - F("instalments__principal_paid")
                   + F("instalments__interest_due") - F("instalments__interest_paid")
                   + F("instalments__penalty_accrued") - F("instalments__penalty_paid"))


def with_delinquency(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    """Annotate a loan queryset with what the lists show: instalments paid / in the schedule,
    the next due date, the amount overdue (principal, interest and penalty unpaid on overdue
    instalments) and the number of overdue instalments. One GROUP BY over the instalments."""
    return loans.order_by("-disbursed_on", "-id").annotate(
        instalments_paid=Count("instalments", filter=Q(instalments__status=InstalmentStatus.PAID), distinct=True),
        instalments_total=Count("instalments", filter=LIVE_INSTALMENT, distinct=True),
        next_due=Min("instalments__due_date", filter=OPEN_INSTALMENT),
        overdue_count=Count("instalments", filter=Q(instalments__status=InstalmentStatus.OVERDUE), distinct=True),
        overdue_amount=money_sum(_OVERDUE_UNPAID, Q(instalments__status=InstalmentStatus.OVERDUE)),
    )


def book_totals(loans: QuerySet[Loan]) -> dict:
    """Count, principal and outstanding principal of a (filtered) loan list, in one query."""
    totals = loans.order_by().aggregate(n=Count("pk"), principal=money_sum("principal"),
                                        outstanding=money_sum("principal_outstanding"))
    return {"count": totals["n"], "principal": quantize(totals["principal"]),
            "outstanding": quantize(totals["outstanding"])}


def borrowers_of(*, user, lender: Agent) -> QuerySet[Agent]:
    """The agents that borrowed from ``lender`` (for the loan book's borrower filter)."""
    ids = Loan.objects.restrict(user, "view").filter(lender=lender).values("borrower_id")
    return Agent.objects.restrict(user, "view").filter(pk__in=ids).order_by("name")


def lenders_of_region(*, user) -> QuerySet[Agent]:
    ids = Loan.objects.restrict(user, "view").values("lender_id")
    return Agent.objects.restrict(user, "view").filter(pk__in=ids).order_by("name")


def region_loans(*, user, government: Agent) -> QuerySet[Loan]:
    """Loans to borrowers in the government's region, read-only (``restrict()`` lets the
    government see exactly those)."""
    prefix = region_prefix(government.region_code)
    return (Loan.objects.restrict(user, "view").filter(borrower__region_code__startswith=prefix)
            .select_related("lender", "borrower", "product"))


def disbursements_by_month(*, user, lender: Agent, months: int = 24, today: date | None = None) -> list[dict]:
    """Principal disbursed per calendar month over the last ``months`` months (oldest first),
    months without a disbursement included with zero: ``month`` (date), ``count``, ``amount``."""
    today = today or timezone.localdate()
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = date(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1, 1)
    loans = Loan.objects.restrict(user, "view").filter(lender=lender, disbursed_on__gte=first)
    rows = (loans.order_by().annotate(month=TruncMonth("disbursed_on")).values("month")
            .annotate(n=Count("pk"), amount=money_sum("principal")))
    by_month = {(r["month"].year, r["month"].month): r for r in rows}
    result, cursor = [], first
    for _ in range(months):
        row = by_month.get((cursor.year, cursor.month), {})
        result.append({"month": cursor, "count": row.get("n", 0), "amount": quantize(row.get("amount") or ZERO)})
        cursor = date(cursor.year + (cursor.month == 12), 1 if cursor.month == 12 else cursor.month + 1, 1)
    return result
