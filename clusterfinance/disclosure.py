"""Module 3 disclosure (信息披露): the finance company continuously discloses its records —
applications, review results, amounts, repayment records, rewards and penalties — and, within
the first five working days of each month, a monthly platform disclosure of the cluster's whole
loan book. Both are publications in the centre (``infocenter``), published idempotently: each
has a unique key per subject and period, so a run repeated by beat or by hand publishes nothing
twice.

Reads (the figures) and writes (the publications) sit together here because they are one
feature; the figures are pure reads of ``lending`` and the writes go through
``infocenter.services.publications.publication_create``.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _

from agents.models import Cluster, Membership, cluster_members_q
from agents.money import ZERO, money_sum, quantize, ratio
from infocenter.choices import Category, Visibility
from infocenter.services.publications import publication_create
from lending.choices import AccountPurpose, ApplicationStatus, InstalmentStatus, LoanClass, LoanStatus
from lending.ledger.models import Posting
from lending.models import Application, Instalment, Loan, Repayment, RepaymentAllocation
from lending.selectors import portfolio_loans

MONEY = DecimalField(max_digits=18, decimal_places=2)
RATIO = Decimal("0.0001")
WORKING_DAYS_TO_DISCLOSE = 5
# Continuous disclosure back-fills repayment records for at most this many past months.
REPAYMENT_RECORD_MONTHS = 12




def month_bounds(period: str) -> tuple[date, date]:
    """``"2026-10"`` → (2026-10-01, 2026-10-31)."""
    year, month = (int(p) for p in period.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_period(today: date) -> str:
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def working_day_of_month(today: date) -> int:
    """1 for the first Monday–Friday of the month, …; 0 on a weekend. Public holidays are not
    known to the platform (see docs/decisions.md)."""
    if today.weekday() >= 5:
        return 0
    return sum(1 for d in range(1, today.day + 1) if today.replace(day=d).weekday() < 5)


# --- the monthly figures ---------------------------------------------------------------------

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
    top10_share: Decimal = Decimal("0.0000")
    largest_share: Decimal = Decimal("0.0000")
    related_party_amount: Decimal = ZERO
    related_party_count: int = 0
    overdue_amount: Decimal = ZERO
    overdue_count: int = 0
    overdue_90_amount: Decimal = ZERO
    overdue_90_count: int = 0
    overdue_rate_amount: Decimal = Decimal("0.0000")
    overdue_rate_count: Decimal = Decimal("0.0000")
    guarantor_compensation_month: Decimal = ZERO
    guarantor_compensation_cumulative: Decimal = ZERO
    top_borrowers: list = field(default_factory=list)

    def as_data(self) -> dict:
        data = asdict(self)
        return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in data.items()}


def platform_figures(*, cluster: Cluster, period: str) -> PlatformFigures:
    start, end = month_bounds(period)
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
                .annotate(repaid=Coalesce(Subquery(repaid, output_field=MONEY), Value(ZERO), output_field=MONEY))
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
    figures.largest_share = ratio(ranked[0][1], total) if ranked else Decimal("0.0000")
    figures.top_borrowers = [{"name": names[k], "outstanding": str(quantize(v)), "share": str(ratio(v, total))}
                             for k, v in ranked[:10]]

    # Related-party loans: someone acts for both the lender and the borrower (a common officer).
    common = Membership.objects.filter(agent_id=OuterRef("borrower_id"), is_active=True,
                                       user__memberships__agent_id=OuterRef("lender_id"))
    related = list(balances.annotate(related=Exists(common)).filter(related=True).values("balance"))
    figures.related_party_count = len(related)
    figures.related_party_amount = quantize(sum((r["balance"] for r in related), ZERO))

    # Overdue at the month's end: due before it and not fully paid by then.
    paid_by_end = (RepaymentAllocation.objects.filter(instalment=OuterRef("pk"), repayment__paid_on__lte=end)
                   .values("instalment").annotate(s=Sum(F("principal") + F("interest"))).values("s"))
    overdue = (Instalment.objects.filter(loan__in=balances.values("pk"), due_date__lt=end)
               .exclude(status=InstalmentStatus.SUPERSEDED)
               .exclude(paid_on__isnull=False, paid_on__lte=end)
               .annotate(paid=Coalesce(Subquery(paid_by_end, output_field=MONEY), Value(ZERO), output_field=MONEY))
               .annotate(unpaid=F("principal_due") + F("interest_due") - F("paid"))
               .filter(unpaid__gt=0))
    late = overdue.aggregate(amount=money_sum("unpaid"), amount90=money_sum("unpaid", Q(due_date__lt=end - timedelta(days=90))))
    figures.overdue_amount, figures.overdue_90_amount = quantize(late["amount"]), quantize(late["amount90"])
    overdue_loans = set(overdue.values_list("loan_id", flat=True))
    figures.overdue_count = len(overdue_loans)
    figures.overdue_90_count = len(set(overdue.filter(due_date__lt=end - timedelta(days=90))
                                       .values_list("loan_id", flat=True)))
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


def _pct(value: Decimal) -> str:
    return f"{Decimal(value) * 100:.2f}%"


def _summary(f: PlatformFigures) -> str:
    return _(
        "Cumulative lending %(cum)s yuan in %(cum_n)s loans (%(month)s yuan in %(month_n)s loans this month). "
        "Outstanding %(out)s yuan in %(out_n)s loans to %(borrowers)s borrowers from %(lenders)s lenders. "
        "Top-10 borrowers hold %(top10)s of the balance, the largest single borrower %(largest)s. "
        "Related-party loans: %(rel_n)s (%(rel)s yuan). Overdue: %(od_n)s loans, %(od)s yuan "
        "(over 90 days: %(od90_n)s loans, %(od90)s yuan); overdue rate %(rate_amount)s by amount, "
        "%(rate_count)s by count. Compensation paid by guarantors: %(comp)s yuan this month."
    ) % {
        "cum": f"{f.cumulative_amount:,}", "cum_n": f.cumulative_count, "month": f"{f.month_amount:,}",
        "month_n": f.month_count, "out": f"{f.outstanding_amount:,}", "out_n": f.outstanding_count,
        "borrowers": f.borrowers, "lenders": f.lenders, "top10": _pct(f.top10_share), "largest": _pct(f.largest_share),
        "rel_n": f.related_party_count, "rel": f"{f.related_party_amount:,}", "od_n": f.overdue_count,
        "od": f"{f.overdue_amount:,}", "od90_n": f.overdue_90_count, "od90": f"{f.overdue_90_amount:,}",
        "rate_amount": _pct(f.overdue_rate_amount), "rate_count": _pct(f.overdue_rate_count),
        "comp": f"{f.guarantor_compensation_month:,}",
    }


@transaction.atomic
def monthly_disclosure_publish(*, cluster: Cluster, period: str):
    """Publish the platform disclosure of ``period`` (``YYYY-MM``) for ``cluster``: public, in the
    business module, by the finance company about itself. Idempotent (key = the period)."""
    figures = platform_figures(cluster=cluster, period=period)
    with translation.override("zh-hans"):
        title = _("Monthly platform disclosure %(period)s") % {"period": period}
        body = _summary(figures)
    return publication_create(
        subject=cluster.finance_company, publisher=cluster.finance_company, category=Category.PLATFORM_DISCLOSURE,
        title=title, body=body, data=figures.as_data(), visibility=Visibility.PUBLIC, period=period, key=period,
    )


def monthly_disclosure_due(*, today: date) -> str | None:
    """The period to disclose today, or None: the previous month, on the first five working days."""
    day = working_day_of_month(today)
    return previous_period(today) if 1 <= day <= WORKING_DAYS_TO_DISCLOSE else None


# --- continuous disclosure of the finance company's records ----------------------------------

def _publish_record(cluster: Cluster, *, subject, key: str, title: str, body: str, data: dict,
                    category: str = Category.LOAN_DISCLOSURE, visibility: str = Visibility.MEMBERS, period: str = ""):
    return publication_create(subject=subject, publisher=cluster.finance_company, category=category, title=title,
                              body=body, data=data, visibility=visibility, key=key, period=period)


def _money(value) -> str:
    return f"{quantize(Decimal(value)):,}"


@transaction.atomic
def records_disclose(*, cluster: Cluster, today: date) -> int:
    """Disclose what happened to the finance company's own lending (module 3) that is not yet
    disclosed: applications submitted and decided (with the review result and reasons), loans
    disbursed (amounts), monthly repayment records of complete months, rewards (loans repaid in
    full on time) and penalties (loans 90+ days past due, write-offs). Returns how many
    publications were new."""
    fc = cluster.finance_company
    before = _count_keys(fc)
    with translation.override("zh-hans"):
        apps = Application.objects.filter(lender=fc).exclude(status__in=[ApplicationStatus.DRAFT]) \
            .select_related("applicant")
        for a in apps:
            data = {"application_id": a.pk, "amount": str(a.amount), "periods": a.periods,
                    "annual_rate": str(a.annual_rate), "status": a.status}
            if a.submitted_at:
                _publish_record(cluster, subject=a.applicant, key=f"application-{a.pk}-submitted",
                                title=_("Loan application of %(amount)s yuan submitted") % {"amount": _money(a.amount)},
                                body=_("%(firm)s applied to the finance company for %(amount)s yuan over %(n)s periods.")
                                % {"firm": a.applicant.name, "amount": _money(a.amount), "n": a.periods}, data=data)
            if a.status in (ApplicationStatus.APPROVED, ApplicationStatus.CONTRACTED, ApplicationStatus.REJECTED):
                approved = a.status != ApplicationStatus.REJECTED
                _publish_record(
                    cluster, subject=a.applicant, key=f"application-{a.pk}-decided",
                    title=(_("Loan application approved") if approved else _("Loan application rejected")),
                    body=(_("Review result: approved, %(amount)s yuan.") % {"amount": _money(a.approved_amount or a.amount)}
                          if approved else _("Review result: rejected. Reasons: %(reason)s") % {"reason": a.decision_reason}),
                    data={**data, "approved_amount": str(a.approved_amount or ""), "reason": a.decision_reason})
        loans = Loan.objects.filter(lender=fc, disbursed_on__isnull=False).select_related("borrower")
        this_month = today.replace(day=1)
        oldest = (this_month - timedelta(days=31 * REPAYMENT_RECORD_MONTHS)).replace(day=1)
        monthly = (Repayment.objects.filter(loan__in=loans, paid_on__gte=oldest, paid_on__lt=this_month)
                   .values("loan_id", "paid_on__year", "paid_on__month")
                   .annotate(amount=Sum("amount"), principal=Sum("principal_amount"), interest=Sum("interest_amount"),
                             penalty=Sum("penalty_amount")))
        by_loan: dict[int, list] = {}
        for row in monthly:
            by_loan.setdefault(row["loan_id"], []).append(row)
        for loan in loans:
            _publish_record(cluster, subject=loan.borrower, key=f"loan-{loan.pk}-disbursed",
                            title=_("Loan %(no)s disbursed") % {"no": loan.contract_no},
                            body=_("%(amount)s yuan over %(n)s periods at %(rate)s a year, disbursed on %(date)s.")
                            % {"amount": _money(loan.principal), "n": loan.periods, "rate": _pct(loan.annual_rate),
                               "date": loan.disbursed_on.isoformat()},
                            data={"loan_id": loan.pk, "principal": str(loan.principal), "disbursed_on": str(loan.disbursed_on)})
            for row in by_loan.get(loan.pk, []):
                period = f"{row['paid_on__year']:04d}-{row['paid_on__month']:02d}"
                _publish_record(
                    cluster, subject=loan.borrower, key=f"loan-{loan.pk}-repayments-{period}", period=period,
                    title=_("Repayment record %(no)s, %(period)s") % {"no": loan.contract_no, "period": period},
                    body=_("Repaid %(amount)s yuan: principal %(p)s, interest %(i)s, penalty interest %(pen)s.")
                    % {"amount": _money(row["amount"]), "p": _money(row["principal"]), "i": _money(row["interest"]),
                       "pen": _money(row["penalty"])},
                    data={"loan_id": loan.pk, "amount": str(row["amount"]), "principal": str(row["principal"]),
                          "interest": str(row["interest"]), "penalty": str(row["penalty"])})
            _sanctions(cluster, loan)
    return _count_keys(fc) - before


def _sanctions(cluster: Cluster, loan: Loan) -> None:
    if loan.status == LoanStatus.CLOSED and not loan.instalments.filter(
            paid_on__gt=F("due_date")).exclude(status=InstalmentStatus.SUPERSEDED).exists():
        _publish_record(cluster, subject=loan.borrower, key=f"loan-{loan.pk}-reward", category=Category.SANCTION,
                        visibility=Visibility.PUBLIC, title=_("Reward: loan repaid in full and on time"),
                        body=_("%(firm)s repaid loan %(no)s in full, every instalment on time.")
                        % {"firm": loan.borrower.name, "no": loan.contract_no},
                        data={"loan_id": loan.pk, "sanction": "reward"})
    if loan.dpd > 90 or loan.loan_class in (LoanClass.DOUBTFUL, LoanClass.LOSS) or loan.status == LoanStatus.WRITTEN_OFF:
        written_off = loan.status == LoanStatus.WRITTEN_OFF
        _publish_record(cluster, subject=loan.borrower,
                        key=f"loan-{loan.pk}-penalty-{'write-off' if written_off else 'npl'}",
                        category=Category.SANCTION, visibility=Visibility.PUBLIC,
                        title=(_("Penalty: loan written off") if written_off else _("Penalty: more than 90 days overdue")),
                        body=_("%(firm)s: loan %(no)s, %(dpd)s days past due, outstanding %(out)s yuan.")
                        % {"firm": loan.borrower.name, "no": loan.contract_no, "dpd": loan.dpd,
                           "out": _money(loan.principal_outstanding)},
                        data={"loan_id": loan.pk, "sanction": "penalty", "dpd": loan.dpd})


def _count_keys(fc) -> int:
    from infocenter.models import Publication

    return Publication.objects.filter(publisher=fc, category__in=[Category.LOAN_DISCLOSURE, Category.SANCTION]).count()


def disclosure_run(*, today: date) -> dict:
    """What beat runs every morning: continuous disclosure for every cluster, and the monthly
    platform disclosure when it is due."""
    result = {"records": 0, "monthly": []}
    period = monthly_disclosure_due(today=today)
    for cluster in Cluster.objects.select_related("finance_company"):
        result["records"] += records_disclose(cluster=cluster, today=today)
        if period:
            monthly_disclosure_publish(cluster=cluster, period=period)
            result["monthly"].append((cluster.pk, period))
    return result


__all__ = ["PlatformFigures", "disclosure_run", "month_bounds", "monthly_disclosure_due", "monthly_disclosure_publish",
           "platform_figures", "previous_period", "records_disclose", "working_day_of_month"]
