"""Portfolio figures of a lender, a cluster or a region (PAR30/60/90, NPL ratio, repayment rates) and the summary cards of the portals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, DecimalField, F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from agents.models import Agent, cluster_members_q
from agents.money import ZERO, money_sum, quantize, ratio
from agents.restrict import region_prefix

from ..choices import (
    NON_PERFORMING_CLASSES,
    ApplicationStatus,
    DelinquencyBucket,
    InstalmentStatus,
    LoanClass,
    LoanStatus,
)
from ..models import Application, Instalment, Loan
from .applications import QUEUE_OPEN, awaiting_disbursement, queue_counts

MONEY = DecimalField(max_digits=18, decimal_places=2)


RATIO_PLACES = Decimal("0.0001")


@dataclass
class PortfolioFigures:
    as_of: date
    active_loans: int = 0
    gross_outstanding: Decimal = ZERO
    par30: Decimal = ZERO
    par60: Decimal = ZERO
    par90: Decimal = ZERO
    par30_amount: Decimal = ZERO
    par60_amount: Decimal = ZERO
    par90_amount: Decimal = ZERO
    npl_amount: Decimal = ZERO
    npl_ratio: Decimal = ZERO
    collected: Decimal = ZERO
    fallen_due: Decimal = ZERO
    repayment_rate: Decimal = ZERO
    on_time_rate: Decimal = ZERO
    disbursed_principal: Decimal = ZERO
    written_off_principal: Decimal = ZERO
    write_off_ratio: Decimal = ZERO
    extra: dict = field(default_factory=dict)



def portfolio_loans(*, lender=None, cluster=None) -> QuerySet[Loan]:
    """Loans in scope: of one lender, and/or of one cluster (borrowed by its member firms or its
    finance company, or lent by the finance company)."""
    qs = Loan.objects.exclude(status=LoanStatus.CONTRACTED)
    if lender is not None:
        qs = qs.filter(lender=lender)
    if cluster is not None:
        in_cluster = Loan.objects.filter(
            cluster_members_q(cluster=cluster, field="borrower_id")
            | Q(borrower_id=cluster.finance_company_id) | Q(lender_id=cluster.finance_company_id))
        qs = qs.filter(pk__in=in_cluster.values("pk"))
    return qs


def portfolio_aggregates(*, lender=None, cluster=None, as_of: date) -> dict:
    """The sums behind ``portfolio_figures`` (two grouped queries): ``book`` over the loans,
    ``dues`` over their instalments fallen due by ``as_of``."""
    loans = portfolio_loans(lender=lender, cluster=cluster)

    def money(q):
        return money_sum("principal_outstanding", q)

    active = Q(status=LoanStatus.ACTIVE)
    book = loans.aggregate(
        n=Count("pk", filter=active), gross=money(active),
        par30=money(active & Q(dpd__gt=30)), par60=money(active & Q(dpd__gt=60)), par90=money(active & Q(dpd__gt=90)),
        npl=money(active & Q(loan_class__in=NON_PERFORMING_CLASSES)),
        disbursed=money_sum("principal"), written_off=money_sum("written_off_amount"),
    )
    fallen = Instalment.objects.filter(loan__in=loans.values("pk"), due_date__lte=as_of) \
        .exclude(status=InstalmentStatus.SUPERSEDED)
    dues = fallen.aggregate(
        due=money_sum(F("principal_due") + F("interest_due")),
        paid=money_sum(F("principal_paid") + F("interest_paid")),
        n=Count("pk"), on_time=Count("pk", filter=Q(status=InstalmentStatus.PAID, paid_on__lte=F("due_date"))),
    )
    return {"as_of": as_of, "book": book, "dues": dues}


def portfolio_figures(*, lender=None, cluster=None, as_of=None) -> PortfolioFigures:
    """The portfolio figures of a lender and/or a cluster (see the module docstring). Four
    queries; today's figures of a large lender come from its stored summary (``lending.summaries``,
    ``extra["stored_at"]`` says when they were computed)."""
    stored_at, raw = None, None
    if lender is not None and cluster is None and as_of in (None, timezone.localdate()):
        from infocenter.summaries import summary_stored

        from ..summaries import LENDER_PORTFOLIO

        figures = summary_stored(LENDER_PORTFOLIO.name, lender.pk)
        if figures is not None:
            raw, stored_at = figures.data, figures.as_of
    if raw is None:
        raw = portfolio_aggregates(lender=lender, cluster=cluster, as_of=as_of or timezone.localdate())
    book, dues, q = raw["book"], raw["dues"], quantize
    gross = q(book["gross"])
    return PortfolioFigures(
        as_of=raw["as_of"], active_loans=book["n"], gross_outstanding=gross,
        par30_amount=q(book["par30"]), par60_amount=q(book["par60"]), par90_amount=q(book["par90"]),
        par30=ratio(q(book["par30"]), gross), par60=ratio(q(book["par60"]), gross),
        par90=ratio(q(book["par90"]), gross), npl_amount=q(book["npl"]), npl_ratio=ratio(q(book["npl"]), gross),
        collected=q(dues["paid"]), fallen_due=q(dues["due"]), repayment_rate=ratio(q(dues["paid"]), q(dues["due"])),
        on_time_rate=ratio(Decimal(dues["on_time"]), Decimal(dues["n"])),
        disbursed_principal=q(book["disbursed"]), written_off_principal=q(book["written_off"]),
        write_off_ratio=ratio(q(book["written_off"]), q(book["disbursed"])),
        extra={"stored_at": stored_at} if stored_at else {},
    )


def _breakdown(field_name: str, choices, *, lender=None, cluster=None) -> list[dict]:
    rows = (portfolio_loans(lender=lender, cluster=cluster).filter(status=LoanStatus.ACTIVE)
            .values(field_name).annotate(n=Count("pk"), outstanding=Sum("principal_outstanding")))
    by_value = {r[field_name]: r for r in rows}
    return [{"value": value, "label": label, "count": by_value.get(value, {}).get("n", 0),
             "outstanding": quantize(Decimal(by_value.get(value, {}).get("outstanding") or 0))}
            for value, label in choices.choices]


def portfolio_by_bucket(*, lender=None, cluster=None) -> list[dict]:
    """Active loans per delinquency bucket: ``value``, ``label``, ``count``, ``outstanding`` (for charts)."""
    return _breakdown("bucket", DelinquencyBucket, lender=lender, cluster=cluster)


def portfolio_by_class(*, lender=None, cluster=None) -> list[dict]:
    """Active loans per five-category class (for charts)."""
    return _breakdown("loan_class", LoanClass, lender=lender, cluster=cluster)


def region_clusters(*, user, government: Agent) -> list[SimpleNamespace]:
    """The clusters in the government's region as the engine's ``portfolio_figures(cluster=)``
    needs them (``pk``, ``finance_company_id``, ``name``), reached through the finance
    companies' ``cluster_run`` relation."""
    prefix = region_prefix(government.region_code)
    rows = (Agent.objects.restrict(user, "view").filter(kind="finance_company", cluster_run__isnull=False,
                                 cluster_run__region_code__startswith=prefix)
            .values_list("cluster_run__pk", "pk", "cluster_run__name").order_by("cluster_run__name"))
    return [SimpleNamespace(pk=pk, finance_company_id=fc_id, name=name) for pk, fc_id, name in rows]


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
    book = loans.aggregate(n=Count("pk"), outstanding=money_sum("principal_outstanding"), dpd=Max("dpd"))
    open_rows = (Instalment.objects.filter(loan__in=loans.values("pk"),
                                           status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE)))
    overdue = open_rows.filter(status=InstalmentStatus.OVERDUE).aggregate(
        n=Count("pk"),
        amount=money_sum(F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
                          + F("penalty_accrued") - F("penalty_paid")))
    next_due = open_rows.filter(status=InstalmentStatus.PENDING).aggregate(on=Min("due_date"))["on"]
    next_amount = ZERO
    if next_due is not None:
        next_amount = open_rows.filter(status=InstalmentStatus.PENDING, due_date=next_due).aggregate(
            amount=money_sum(F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")))[
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

    return {"figures": portfolio_figures(lender=lender), "queue": queue_counts(user=user, lender=lender),
            "awaiting_disbursement": awaiting_disbursement(user=user, lender=lender)}
