"""Reads for the finance company's disclosure (module 3, published by ``clusterfinance.disclosure``):
the monthly platform figures of a cluster's loan book, and what of a lender's own lending there is
to disclose — everything, or only what changed since a moment (the continuous disclosure is
incremental).

What changed is read from lending's facts in the outbox (``lending.events``: disbursement,
repayment, write-off, move of delinquency bucket or five-category class — every change a
disclosure record or a reward/penalty depends on writes one in the same transaction) and from the
applications' own ``submitted_at``/``decided_at`` stamps (applications write no event)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from agents.models import Membership, cluster_members_q
from agents.money import MONEY_FIELD, ZERO, money_sum, quantize, ratio

# The outbox is the centre's; lending reads its own facts there (as the delinquency run writes them).
from infocenter.models import Event

from ..choices import AccountPurpose, ApplicationStatus, InstalmentStatus
from ..events import DELINQUENCY_CHANGED, DISBURSED, REPAID, WRITTEN_OFF
from ..ledger.models import Posting
from ..models import Application, Instalment, Loan, Repayment, RepaymentAllocation
from .portfolio import portfolio_loans

# The loan facts after which a loan's disclosure records or its reward/penalty may be due.
LOAN_FACT_KINDS = (DISBURSED, REPAID, WRITTEN_OFF, DELINQUENCY_CHANGED)
NO_RATIO = Decimal("0.0000")
MONEY = DecimalField(**MONEY_FIELD)


# --- the monthly platform figures ------------------------------------------------------------

@dataclass
class PlatformFigures:
    """The monthly platform disclosure of one cluster for one calendar month. Flows are totals
    up to the month's end; balances are as of the month's end (principal disbursed minus
    principal repaid and written off by then); overdue figures count instalments due before the
    month's end and not fully paid by then."""

    period: str
    period_end: date
    cumulative_amount: Decimal = ZERO
    cumulative_count: int = 0
    month_amount: Decimal = ZERO
    month_count: int = 0
    outstanding_amount: Decimal = ZERO
    outstanding_count: int = 0
    borrowers: int = 0
    lenders: int = 0
    top10_share: Decimal = NO_RATIO
    largest_share: Decimal = NO_RATIO
    related_party_amount: Decimal = ZERO
    related_party_count: int = 0
    overdue_amount: Decimal = ZERO
    overdue_count: int = 0
    overdue_90_amount: Decimal = ZERO
    overdue_90_count: int = 0
    overdue_rate_amount: Decimal = NO_RATIO
    overdue_rate_count: Decimal = NO_RATIO
    guarantor_compensation_month: Decimal = ZERO
    guarantor_compensation_cumulative: Decimal = ZERO
    top_borrowers: list = field(default_factory=list)

    def as_data(self) -> dict:
        """JSON-ready: amounts and dates as strings (exact, never floats)."""
        data = asdict(self)
        return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in data.items()}


def cluster_disclosure_figures(*, cluster, start: date, end: date, period: str = "") -> PlatformFigures:
    """The platform figures of ``cluster``'s loan book for the month ``start``–``end`` (see
    ``PlatformFigures``; ``period`` is only its label). A fixed number of queries."""
    money = MONEY
    figures = PlatformFigures(period=period, period_end=end)
    disbursed = portfolio_loans(cluster=cluster).filter(disbursed_on__isnull=False, disbursed_on__lte=end)
    flows = disbursed.aggregate(total=money_sum("principal"), month=money_sum("principal", Q(disbursed_on__gte=start)))
    figures.cumulative_amount, figures.month_amount = quantize(flows["total"]), quantize(flows["month"])
    figures.cumulative_count = disbursed.count()
    figures.month_count = disbursed.filter(disbursed_on__gte=start).count()

    written_off_by_end = Q(written_off_on__isnull=False, written_off_on__lte=end)
    repaid = (Repayment.objects.filter(loan=OuterRef("pk"), paid_on__lte=end).values("loan")
              .annotate(s=Sum("principal_amount")).values("s"))
    balances = (disbursed.exclude(written_off_by_end)
                .annotate(repaid=Coalesce(Subquery(repaid, output_field=money), Value(ZERO), output_field=money))
                .annotate(balance=F("principal") - F("repaid"))
                .filter(balance__gt=0))
    rows = list(balances.values("pk", "lender_id", "borrower_id", "borrower__name", "balance"))
    total = sum((r["balance"] for r in rows), ZERO)
    figures.outstanding_amount, figures.outstanding_count = quantize(total), len(rows)
    by_borrower: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for r in rows:
        by_borrower[r["borrower_id"]] = by_borrower.get(r["borrower_id"], ZERO) + r["balance"]
        names[r["borrower_id"]] = r["borrower__name"]
    ranked = sorted(by_borrower.items(), key=lambda kv: (-kv[1], kv[0]))
    figures.borrowers = len(by_borrower)
    figures.lenders = len({r["lender_id"] for r in rows})
    figures.top10_share = ratio(sum((v for _, v in ranked[:10]), ZERO), total)
    figures.largest_share = ratio(ranked[0][1], total) if ranked else NO_RATIO
    figures.top_borrowers = [{"name": names[k], "outstanding": str(quantize(v)), "share": str(ratio(v, total))}
                             for k, v in ranked[:10]]

    # Related-party loans: someone acts for both the lender and the borrower (a common officer),
    # or the loan was approved as a related-party loan (lender and borrower hold shares of each
    # other, ``services.related_parties``).
    common = Membership.objects.filter(agent_id=OuterRef("borrower_id"), is_active=True,
                                       user__memberships__agent_id=OuterRef("lender_id"))
    related = list(balances.annotate(related=Exists(common))
                   .filter(Q(related=True) | Q(application__related_party=True)).values("balance"))
    figures.related_party_count = len(related)
    figures.related_party_amount = quantize(sum((r["balance"] for r in related), ZERO))

    # Overdue at the month's end: due before it and not fully paid by then.
    paid_by_end = (RepaymentAllocation.objects.filter(instalment=OuterRef("pk"), repayment__paid_on__lte=end)
                   .values("instalment").annotate(s=Sum(F("principal") + F("interest"))).values("s"))
    overdue = (Instalment.objects.filter(loan__in=balances.values("pk"), due_date__lt=end)
               .exclude(status=InstalmentStatus.SUPERSEDED)
               .exclude(paid_on__isnull=False, paid_on__lte=end)
               .annotate(paid=Coalesce(Subquery(paid_by_end, output_field=money), Value(ZERO), output_field=money))
               .annotate(unpaid=F("principal_due") + F("interest_due") - F("paid"))
               .filter(unpaid__gt=0))
    over_90 = Q(due_date__lt=end - timedelta(days=90))
    late = overdue.aggregate(amount=money_sum("unpaid"), amount90=money_sum("unpaid", over_90))
    figures.overdue_amount, figures.overdue_90_amount = quantize(late["amount"]), quantize(late["amount90"])
    overdue_loans = set(overdue.values_list("loan_id", flat=True))
    figures.overdue_count = len(overdue_loans)
    figures.overdue_90_count = len(set(overdue.filter(over_90).values_list("loan_id", flat=True)))
    at_risk = sum((r["balance"] for r in rows if r["pk"] in overdue_loans), ZERO)
    figures.overdue_rate_amount = ratio(at_risk, total)
    figures.overdue_rate_count = ratio(Decimal(figures.overdue_count), Decimal(figures.outstanding_count))

    # Compensation paid by guarantors: money leaving guarantee-fund accounts of the cluster's
    # participants (mutual guarantee schemes post there).
    guarantors = Q(account__purpose=AccountPurpose.GUARANTEE_FUND, amount__lt=0,
                   entry__effective_date__lte=end) & cluster_members_q(cluster=cluster, field="account__agent_id")
    paid = Posting.objects.filter(guarantors).aggregate(
        total=money_sum("amount"), month=money_sum("amount", Q(entry__effective_date__gte=start)))
    figures.guarantor_compensation_cumulative = quantize(-paid["total"])
    figures.guarantor_compensation_month = quantize(-paid["month"])
    return figures


# --- the continuous disclosure of a lender's own lending -------------------------------------

def applications_to_disclose(*, lender, since: datetime | None = None) -> QuerySet[Application]:
    """The lender's applications past the draft (with the applicant): all of them, or only those
    submitted or decided at or after ``since``."""
    qs = Application.objects.filter(lender=lender).exclude(status=ApplicationStatus.DRAFT)
    if since is not None:
        qs = qs.filter(Q(submitted_at__gte=since) | Q(decided_at__gte=since))
    return qs.select_related("applicant").order_by("pk")


def loans_changed_since(*, lender, since: datetime) -> set[int]:
    """Ids of the lender's loans with a fact (disbursement, repayment, write-off, move of bucket
    or class) recorded at or after ``since`` — one query on the outbox's indexed timestamp."""
    ids = (Event.objects.filter(created_at__gte=since, kind__in=LOAN_FACT_KINDS, actor_agent_id=lender.pk)
           .values_list("payload__loan_id", flat=True))
    return {int(i) for i in ids if i is not None}


def loans_to_disclose(*, lender, loan_ids=None) -> QuerySet[Loan]:
    """The lender's disbursed loans (all, or those in ``loan_ids``), with the borrower and
    ``paid_late``: whether any instalment was paid in full after its due date."""
    qs = Loan.objects.filter(lender=lender, disbursed_on__isnull=False)
    if loan_ids is not None:
        qs = qs.filter(pk__in=sorted(loan_ids))
    late = (Instalment.objects.filter(loan=OuterRef("pk"), paid_on__gt=F("due_date"))
            .exclude(status=InstalmentStatus.SUPERSEDED))
    return qs.select_related("borrower").annotate(paid_late=Exists(late)).order_by("pk")


def repayment_months(*, lender, paid_from: date, paid_before: date, loan_ids=None) -> list[dict]:
    """The repayments on the lender's disbursed loans paid in ``[paid_from, paid_before)``, summed
    per loan and calendar month: ``loan_id``, ``period`` (``YYYY-MM``), ``amount``, ``principal``,
    ``interest``, ``penalty``. All loans, or only those in ``loan_ids``. One query."""
    if paid_from >= paid_before:
        return []
    qs = Repayment.objects.filter(loan__lender=lender, loan__disbursed_on__isnull=False,
                                  paid_on__gte=paid_from, paid_on__lt=paid_before)
    if loan_ids is not None:
        qs = qs.filter(loan_id__in=sorted(loan_ids))
    rows = (qs.values("loan_id", "paid_on__year", "paid_on__month")
            .annotate(amount=money_sum("amount"), principal=money_sum("principal_amount"),
                      interest=money_sum("interest_amount"), penalty=money_sum("penalty_amount"))
            .order_by("loan_id", "paid_on__year", "paid_on__month"))
    return [{"loan_id": r["loan_id"], "period": f"{r['paid_on__year']:04d}-{r['paid_on__month']:02d}",
             "amount": r["amount"], "principal": r["principal"], "interest": r["interest"],
             "penalty": r["penalty"]} for r in rows]


__all__ = ["LOAN_FACT_KINDS", "PlatformFigures", "applications_to_disclose", "cluster_disclosure_figures",
           "loans_changed_since", "loans_to_disclose", "repayment_months"]
