"""Reads of lending (DESIGN.md §4.2). Everything a user can reach goes through ``restrict()``;
querysets come with the related rows a list page needs, so a page runs a fixed number of queries
whatever the number of rows.

Portfolio figures (docs/lending.md, "Portfolio figures"):

* gross outstanding = outstanding principal of active loans (written-off loans are off the book);
* PAR30 / PAR60 / PAR90 = outstanding principal of active loans with any instalment more than
  30 / 60 / 90 days late ÷ gross outstanding (the whole balance at risk, not the overdue amount);
* NPL ratio = outstanding principal of substandard + doubtful + loss loans ÷ gross outstanding;
* repayment rate = principal and interest collected on instalments fallen due ÷ principal and
  interest fallen due; on-time rate = instalments paid in full by their due date ÷ instalments
  fallen due;
* write-off ratio = principal written off ÷ principal disbursed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from agents.money import ZERO, quantize
from agents.restrict import get_restricted_or_404

from .choices import (
    NON_PERFORMING_CLASSES,
    ApplicationStatus,
    DelinquencyBucket,
    InstalmentStatus,
    LoanClass,
    LoanStatus,
)
from .ledger.models import Account, Posting
from .models import Application, BucketMove, Instalment, Loan, Product, Repayment
from .permissions import capabilities_of
from .schedules import Schedule, build_schedule
from .services.applications import validate_terms
from .services.repayments import loan_payoff_quote

__all__ = [
    "PortfolioFigures", "account_postings", "applications_for_applicant", "applications_for_lender",
    "capabilities_of", "ledger_accounts", "loan_for", "loan_history", "loan_payoff_quote", "loan_schedule",
    "loans_for_borrower", "loans_for_lender", "portfolio_by_bucket", "portfolio_by_class", "portfolio_figures",
    "products_for_lender", "products_offered", "schedule_preview",
]

MONEY = DecimalField(max_digits=18, decimal_places=2)
RATIO_PLACES = Decimal("0.0001")


# --- products and applications ---------------------------------------------------------------

def schedule_preview(*, product: Product, amount, periods, annual_rate=None, start=None) -> Schedule:
    """The schedule a borrower would get (shown *before* submitting): checks the amount, term
    and rate against the product and raises ``ValidationError`` keyed by field when they do not fit."""
    values = validate_terms(product=product, amount=amount, periods=periods, annual_rate=annual_rate)
    return build_schedule(principal=values["amount"], annual_rate=values["annual_rate"], periods=values["periods"],
                          method=product.method, frequency=product.frequency,
                          start=start or timezone.localdate(), instalment_multiple=product.instalment_multiple)


def products_offered(*, user, borrower_kind: str | None = None) -> QuerySet[Product]:
    """Open products a user may apply for (or browse, anonymously)."""
    qs = Product.objects.restrict(user, "view").filter(is_active=True).select_related("lender")
    if borrower_kind:
        qs = qs.filter(borrower_kind=borrower_kind)
    return qs


def products_for_lender(*, user, lender) -> QuerySet[Product]:
    """All products of ``lender`` (open and closed) as its staff see them."""
    return Product.objects.restrict(user, "view").filter(lender=lender).annotate(
        application_count=Count("applications", distinct=True), loan_count=Count("loans", distinct=True))


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


# --- loans -----------------------------------------------------------------------------------

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


# --- ledger ----------------------------------------------------------------------------------

def ledger_accounts(*, user, agent) -> QuerySet[Account]:
    """An agent's ledger accounts as its own staff see them."""
    return Account.objects.restrict(user, "view").filter(agent=agent).select_related("loan")


def account_postings(*, account: Account) -> QuerySet[Posting]:
    return account.postings.select_related("entry").order_by("-entry__effective_date", "-id")


# --- portfolio -------------------------------------------------------------------------------

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


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES) if whole else ZERO


def portfolio_loans(*, lender=None, cluster=None) -> QuerySet[Loan]:
    """Loans in scope: of one lender, and/or of one cluster (borrowed by its member firms or its
    finance company, or lent by the finance company)."""
    qs = Loan.objects.exclude(status=LoanStatus.CONTRACTED)
    if lender is not None:
        qs = qs.filter(lender=lender)
    if cluster is not None:
        # cluster membership is reached through the ORM relation; lending never imports clusterfinance
        in_cluster = Loan.objects.filter(
            Q(borrower__cluster_memberships__cluster_id=cluster.pk)
            | Q(borrower_id=cluster.finance_company_id) | Q(lender_id=cluster.finance_company_id))
        qs = qs.filter(pk__in=in_cluster.values("pk"))
    return qs


def portfolio_figures(*, lender=None, cluster=None, as_of=None) -> PortfolioFigures:
    """The portfolio figures of a lender and/or a cluster (see the module docstring). Four queries."""
    as_of = as_of or timezone.localdate()
    loans = portfolio_loans(lender=lender, cluster=cluster)
    money = lambda q: Coalesce(Sum("principal_outstanding", filter=q), Value(ZERO), output_field=MONEY)  # noqa: E731
    active = Q(status=LoanStatus.ACTIVE)
    book = loans.aggregate(
        n=Count("pk", filter=active), gross=money(active),
        par30=money(active & Q(dpd__gt=30)), par60=money(active & Q(dpd__gt=60)), par90=money(active & Q(dpd__gt=90)),
        npl=money(active & Q(loan_class__in=NON_PERFORMING_CLASSES)),
        disbursed=Coalesce(Sum("principal"), Value(ZERO), output_field=MONEY),
        written_off=Coalesce(Sum("written_off_amount"), Value(ZERO), output_field=MONEY),
    )
    fallen = Instalment.objects.filter(loan__in=loans.values("pk"), due_date__lte=as_of) \
        .exclude(status=InstalmentStatus.SUPERSEDED)
    dues = fallen.aggregate(
        due=Coalesce(Sum(F("principal_due") + F("interest_due"), output_field=MONEY), Value(ZERO), output_field=MONEY),
        paid=Coalesce(Sum(F("principal_paid") + F("interest_paid"), output_field=MONEY), Value(ZERO),
                      output_field=MONEY),
        n=Count("pk"), on_time=Count("pk", filter=Q(status=InstalmentStatus.PAID, paid_on__lte=F("due_date"))),
    )
    q = quantize
    gross = q(book["gross"])
    return PortfolioFigures(
        as_of=as_of, active_loans=book["n"], gross_outstanding=gross,
        par30_amount=q(book["par30"]), par60_amount=q(book["par60"]), par90_amount=q(book["par90"]),
        par30=_ratio(q(book["par30"]), gross), par60=_ratio(q(book["par60"]), gross),
        par90=_ratio(q(book["par90"]), gross), npl_amount=q(book["npl"]), npl_ratio=_ratio(q(book["npl"]), gross),
        collected=q(dues["paid"]), fallen_due=q(dues["due"]), repayment_rate=_ratio(q(dues["paid"]), q(dues["due"])),
        on_time_rate=_ratio(Decimal(dues["on_time"]), Decimal(dues["n"])),
        disbursed_principal=q(book["disbursed"]), written_off_principal=q(book["written_off"]),
        write_off_ratio=_ratio(q(book["written_off"]), q(book["disbursed"])),
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


APPLICATION_QUEUE_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
