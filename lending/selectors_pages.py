"""Reads of the lending pages (issue 3, pages): what the portal pages and their summary cards
need beyond the engine's ``lending.selectors``. Every queryset a user can reach goes through
``restrict()``; list querysets carry their delinquency columns as annotations, so a page runs a
fixed number of queries whatever the number of rows.

Lending never imports clusterfinance: the cluster a borrower belongs to is reached through the
ORM relations ``Agent.cluster_memberships`` and ``Agent.cluster_run`` (string references).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, DecimalField, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from agents.models import Agent
from agents.money import ZERO, quantize
from agents.restrict import region_prefix

from .choices import ApplicationStatus, InstalmentStatus, LoanStatus
from .models import Application, Instalment, Loan, Product

MONEY = DecimalField(max_digits=18, decimal_places=2)
OPEN_INSTALMENT = Q(instalments__status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE))
LIVE_INSTALMENT = ~Q(instalments__status=InstalmentStatus.SUPERSEDED)
# what is still owed on overdue instalments: principal + interest + penalty not yet paid
_OVERDUE_UNPAID = (F("instalments__principal_due") - F("instalments__principal_paid")
                   + F("instalments__interest_due") - F("instalments__interest_paid")
                   + F("instalments__penalty_accrued") - F("instalments__penalty_paid"))


def _money_sum(expression, condition: Q | None = None):
    return Coalesce(Sum(expression, filter=condition, output_field=MONEY), Value(ZERO), output_field=MONEY)


# --- products a borrower may apply for -------------------------------------------------------

def lenders_serving(borrower: Agent) -> Q:
    """Lenders of the borrower's cluster(s), as a ``Q`` on ``Product``: for a member firm the
    cluster's finance company and the institutions and investors taking part in its cluster;
    for a finance company the institutions and investors of the cluster it runs."""
    if borrower.kind == "finance_company":
        return Q(lender__cluster_memberships__cluster__finance_company=borrower,
                 lender__cluster_memberships__status="active")
    return (Q(lender__cluster_run__memberships__agent=borrower, lender__cluster_run__memberships__status="active")
            | Q(lender__cluster_memberships__status="active",
                lender__cluster_memberships__cluster__memberships__agent=borrower,
                lender__cluster_memberships__cluster__memberships__status="active"))


def products_for_borrower(*, user, borrower: Agent) -> QuerySet[Product]:
    """Open products ``borrower`` may apply for: offered to its kind of borrower by the lenders
    serving its cluster (through ``restrict()``)."""
    serving = Product.objects.filter(lenders_serving(borrower)).values("pk")
    return (Product.objects.restrict(user, "view")
            .filter(is_active=True, lender__status="active", borrower_kind=borrower.kind, pk__in=serving)
            .exclude(lender=borrower).select_related("lender").order_by("lender__name", "name"))


# --- loan lists with their delinquency columns ----------------------------------------------

def with_delinquency(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    """Annotate a loan queryset with what the lists show: instalments paid / in the schedule,
    the next due date, the amount overdue (principal, interest and penalty unpaid on overdue
    instalments) and the number of overdue instalments. One GROUP BY over the instalments."""
    return loans.order_by("-disbursed_on", "-id").annotate(
        instalments_paid=Count("instalments", filter=Q(instalments__status=InstalmentStatus.PAID), distinct=True),
        instalments_total=Count("instalments", filter=LIVE_INSTALMENT, distinct=True),
        next_due=Min("instalments__due_date", filter=OPEN_INSTALMENT),
        overdue_count=Count("instalments", filter=Q(instalments__status=InstalmentStatus.OVERDUE), distinct=True),
        overdue_amount=_money_sum(_OVERDUE_UNPAID, Q(instalments__status=InstalmentStatus.OVERDUE)),
    )


def book_totals(loans: QuerySet[Loan]) -> dict:
    """Count, principal and outstanding principal of a (filtered) loan list, in one query."""
    totals = loans.order_by().aggregate(n=Count("pk"), principal=_money_sum("principal"),
                                        outstanding=_money_sum("principal_outstanding"))
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


# --- applications ----------------------------------------------------------------------------

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


# --- portfolio ---------------------------------------------------------------------------------

def disbursements_by_month(*, user, lender: Agent, months: int = 24, today: date | None = None) -> list[dict]:
    """Principal disbursed per calendar month over the last ``months`` months (oldest first),
    months without a disbursement included with zero: ``month`` (date), ``count``, ``amount``."""
    today = today or timezone.localdate()
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = date(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1, 1)
    loans = Loan.objects.restrict(user, "view").filter(lender=lender, disbursed_on__gte=first)
    rows = (loans.order_by().annotate(month=TruncMonth("disbursed_on")).values("month")
            .annotate(n=Count("pk"), amount=_money_sum("principal")))
    by_month = {(r["month"].year, r["month"].month): r for r in rows}
    result, cursor = [], first
    for _ in range(months):
        row = by_month.get((cursor.year, cursor.month), {})
        result.append({"month": cursor, "count": row.get("n", 0), "amount": quantize(row.get("amount") or ZERO)})
        cursor = date(cursor.year + (cursor.month == 12), 1 if cursor.month == 12 else cursor.month + 1, 1)
    return result


def region_clusters(*, user, government: Agent) -> list[SimpleNamespace]:
    """The clusters in the government's region as the engine's ``portfolio_figures(cluster=)``
    needs them (``pk``, ``finance_company_id``, ``name``), reached through the finance
    companies' ``cluster_run`` relation."""
    prefix = region_prefix(government.region_code)
    rows = (Agent.objects.restrict(user, "view").filter(kind="finance_company", cluster_run__isnull=False,
                                 cluster_run__region_code__startswith=prefix)
            .values_list("cluster_run__pk", "pk", "cluster_run__name").order_by("cluster_run__name"))
    return [SimpleNamespace(pk=pk, finance_company_id=fc_id, name=name) for pk, fc_id, name in rows]


# --- the borrower's summary card ---------------------------------------------------------------

@dataclass
class BorrowerSummary:
    active_loans: int = 0
    outstanding: Decimal = ZERO
    next_due_date: date | None = None
    next_due_amount: Decimal = ZERO
    overdue_amount: Decimal = ZERO
    overdue_instalments: int = 0
    max_dpd: int = 0
    open_applications: int = 0
    offers: int = 0


def borrower_summary(*, user, borrower: Agent) -> BorrowerSummary:
    """What the borrower's portal home shows about its loans (four queries)."""
    loans = Loan.objects.restrict(user, "view").filter(borrower=borrower, status=LoanStatus.ACTIVE)
    book = loans.aggregate(n=Count("pk"), outstanding=_money_sum("principal_outstanding"), dpd=Max("dpd"))
    open_rows = (Instalment.objects.filter(loan__in=loans.values("pk"),
                                           status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE)))
    overdue = open_rows.filter(status=InstalmentStatus.OVERDUE).aggregate(
        n=Count("pk"),
        amount=_money_sum(F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
                          + F("penalty_accrued") - F("penalty_paid")))
    next_due = open_rows.filter(status=InstalmentStatus.PENDING).aggregate(on=Min("due_date"))["on"]
    next_amount = ZERO
    if next_due is not None:
        next_amount = open_rows.filter(status=InstalmentStatus.PENDING, due_date=next_due).aggregate(
            amount=_money_sum(F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")))[
            "amount"]
    apps = (Application.objects.restrict(user, "view").filter(applicant=borrower).order_by()
            .aggregate(open=Count("pk", filter=Q(status__in=(ApplicationStatus.DRAFT, *QUEUE_OPEN))),
                       offers=Count("pk", filter=Q(status=ApplicationStatus.APPROVED))))
    return BorrowerSummary(
        active_loans=book["n"], outstanding=quantize(book["outstanding"]), max_dpd=book["dpd"] or 0,
        next_due_date=next_due, next_due_amount=quantize(next_amount),
        overdue_amount=quantize(overdue["amount"]), overdue_instalments=overdue["n"],
        open_applications=apps["open"], offers=apps["offers"],
    )


def lender_summary(*, user, lender: Agent) -> dict:
    """What a lender's portal home shows: portfolio figures and the queue (five queries)."""
    from .selectors import portfolio_figures

    return {"figures": portfolio_figures(lender=lender), "queue": queue_counts(user=user, lender=lender),
            "awaiting_disbursement": awaiting_disbursement(user=user, lender=lender)}
