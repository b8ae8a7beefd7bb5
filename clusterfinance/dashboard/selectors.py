"""Reads of the finance company's dashboard (/finance/): the portfolio quality of the loans to the
cluster's member firms (PAR30, PAR90, NPL ratio; by credit grade, by industry, by five-category
class), the pool and its liquidity, the allocation queue, the guarantee fund's capacity and the
circles at risk, recent events — and the loans behind each figure (the drill-down lists).

Every figure is an SQL aggregate: the portfolio is ONE grouped query over the loans (by grade ×
industry division × class, a few hundred rows at most), which Python folds into the totals and
breakdowns; no Python loop ever runs over loans. The drill-down list of a figure is the same
queryset (same scope, same filters, same condition), so its count and sum equal the figure.

Definitions (those of ``lending.selectors.portfolio_figures``): only active loans count;
PAR30 / PAR90 = outstanding principal of loans more than 30 / 90 days past due ÷ gross
outstanding principal; NPL = outstanding principal of loans classified 次级, 可疑 or 损失 ÷ gross
outstanding principal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Substr

from agents.choices import GRADE_ORDER
from agents.industries import industry_name
from agents.models import cluster_members_q
from agents.money import ZERO, money_sum, quantize, ratio
from lending.choices import NON_PERFORMING_CLASSES, ApplicationStatus, LoanClass, LoanStatus
from lending.models import Application, Loan

SCOPE_CLUSTER = "cluster"  # loans to the cluster's member firms from every lender
SCOPE_OWN = "own"  # the finance company's own loans to its member firms
UNRATED = "-"  # the grade filter's value for firms without a grade; also the industry filter's "unclassified"

# The figures one can drill into: name → condition on active loans.
FIGURES = {
    "outstanding": Q(),
    "par30": Q(dpd__gt=30),
    "par90": Q(dpd__gt=90),
    "npl": Q(loan_class__in=NON_PERFORMING_CLASSES),
    **{f"class_{c.value}": Q(loan_class=c.value) for c in LoanClass},
}


@dataclass(frozen=True)
class Filters:
    scope: str = SCOPE_CLUSTER
    industry: str = ""  # an industry division (3 characters, "C33") or UNRATED
    grade: str = ""  # a grade or UNRATED
    month: date | None = None  # the month of disbursement (first day)

    def query(self, **extra) -> str:
        """The filters (and ``extra``) as a query string, for links that keep them."""
        from urllib.parse import urlencode

        values = {"scope": self.scope if self.scope != SCOPE_CLUSTER else "", "industry": self.industry,
                  "grade": self.grade, "month": self.month.strftime("%Y-%m") if self.month else ""}
        values.update(extra)
        return urlencode({k: v for k, v in values.items() if v})


def scoped_loans(*, user, cluster, filters: Filters) -> QuerySet[Loan]:
    """The loans the dashboard looks at, as ``user`` may see them (``restrict()``), filtered:
    borrowed by a current member firm of the cluster, lent by the finance company itself when
    the scope is "own", of a borrower in the industry division / of the grade, disbursed in the
    month."""
    qs = Loan.objects.restrict(user, "view").filter(cluster_members_q(cluster=cluster, field="borrower_id",
                                                                      kind="enterprise"))
    if filters.scope == SCOPE_OWN:
        qs = qs.filter(lender_id=cluster.finance_company_id)
    if filters.industry == UNRATED:
        qs = qs.filter(borrower__industry_code="")
    elif filters.industry:
        qs = qs.filter(borrower__industry_code__startswith=filters.industry)
    if filters.grade == UNRATED:
        qs = qs.filter(borrower__current_grade="")
    elif filters.grade:
        qs = qs.filter(borrower__current_grade=filters.grade)
    if filters.month:
        month = filters.month
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        qs = qs.filter(disbursed_on__gte=month, disbursed_on__lt=following)
    return qs


def figure_loans(*, user, cluster, filters: Filters, figure: str) -> QuerySet[Loan]:
    """The active loans behind one figure (``FIGURES``) under the filters."""
    return scoped_loans(user=user, cluster=cluster, filters=filters).filter(FIGURES[figure],
                                                                            status=LoanStatus.ACTIVE)


@dataclass
class Quality:
    """Portfolio quality of a set of active loans (a total or a group)."""

    key: str = ""
    label: str = ""
    count: int = 0
    gross: Decimal = ZERO
    par30_count: int = 0
    par30_amount: Decimal = ZERO
    par90_count: int = 0
    par90_amount: Decimal = ZERO
    npl_count: int = 0
    npl_amount: Decimal = ZERO
    by_class: dict = field(default_factory=lambda: {c.value: [0, ZERO] for c in LoanClass})

    @property
    def par30(self) -> Decimal:
        return ratio(self.par30_amount, self.gross)

    @property
    def par90(self) -> Decimal:
        return ratio(self.par90_amount, self.gross)

    @property
    def npl_ratio(self) -> Decimal:
        return ratio(self.npl_amount, self.gross)

    def add(self, row: dict) -> None:
        self.count += row["n"]
        self.gross += row["gross"]
        self.par30_count += row["n30"]
        self.par30_amount += row["par30"]
        self.par90_count += row["n90"]
        self.par90_amount += row["par90"]
        self.npl_count += row["nnpl"]
        self.npl_amount += row["npl"]
        entry = self.by_class[row["loan_class"]]
        entry[0] += row["n"]
        entry[1] += row["gross"]

    def class_rows(self) -> list[dict]:
        return [{"value": c.value, "label": c.label, "count": self.by_class[c.value][0],
                 "outstanding": quantize(self.by_class[c.value][1]),
                 "share": ratio(self.by_class[c.value][1], self.gross), "npl": c.value in NON_PERFORMING_CLASSES}
                for c in LoanClass]


@dataclass
class PortfolioQuality:
    total: Quality
    by_grade: list[Quality]
    by_industry: list[Quality]
    stored_at: datetime | None = None  # when its stored summary computed it (a large cluster)


def portfolio_rows(loans: QuerySet[Loan], *, finance_company_id: int) -> list[dict]:
    """The active ``loans`` grouped by borrower grade × industry division × class × lent by the
    finance company itself (``own``): at most grades × divisions × classes × 2 rows, whatever
    the number of loans. One query."""
    return list(loans.filter(status=LoanStatus.ACTIVE).order_by()
                .annotate(grade=Coalesce(F("borrower__current_grade"), Value("")),
                          division=Substr(Coalesce(F("borrower__industry_code"), Value("")), 1, 3),
                          own=ExpressionWrapper(Q(lender_id=finance_company_id), output_field=BooleanField()))
                .values("grade", "division", "loan_class", "own")
                .annotate(n=Count("pk"), gross=money_sum("principal_outstanding"),
                          n30=Count("pk", filter=FIGURES["par30"]),
                          par30=money_sum("principal_outstanding", FIGURES["par30"]),
                          n90=Count("pk", filter=FIGURES["par90"]),
                          par90=money_sum("principal_outstanding", FIGURES["par90"]),
                          nnpl=Count("pk", filter=FIGURES["npl"]),
                          npl=money_sum("principal_outstanding", FIGURES["npl"])))


def cluster_portfolio_rows(cluster_id: int) -> list[dict]:
    """``portfolio_rows`` of every loan to the cluster's current member firms (the stored
    summary's figures: the finance company's staff see every loan of its members, so no viewer
    narrows them)."""
    from agents.models import Cluster

    cluster = Cluster.objects.get(pk=cluster_id)
    loans = Loan.objects.filter(cluster_members_q(cluster=cluster, field="borrower_id", kind="enterprise"))
    return portfolio_rows(loans, finance_company_id=cluster.finance_company_id)


def _row_matches(row: dict, filters: Filters) -> bool:
    if filters.scope == SCOPE_OWN and not row["own"]:
        return False
    if filters.industry and row["division"] != ("" if filters.industry == UNRATED else filters.industry):
        return False
    return not filters.grade or row["grade"] == ("" if filters.grade == UNRATED else filters.grade)


def portfolio_quality(*, user, cluster, filters: Filters) -> PortfolioQuality:
    """The portfolio quality under the filters: total, by grade (best first, unrated last), by
    industry division (largest outstanding first) and by class. The rows of every loan to the
    members (stored for a large cluster, ``summaries``), of which those under the filters count;
    a month of disbursement queries that month's loans (one query either way)."""
    from infocenter.summaries import summary_stored

    from .summaries import PORTFOLIO

    stored = None if filters.month else summary_stored(PORTFOLIO.name, cluster.pk)
    if stored is None:  # live: the loans as ``user`` may see them (restrict()), under the filters
        rows, stored_at = portfolio_rows(scoped_loans(user=user, cluster=cluster, filters=filters),
                                         finance_company_id=cluster.finance_company_id), None
    else:
        rows, stored_at = [r for r in stored.data if _row_matches(r, filters)], stored.as_of
    total = Quality(key="", label="")
    grades: dict[str, Quality] = {}
    industries: dict[str, Quality] = {}
    for row in rows:  # at most grades × divisions × classes × 2 rows, whatever the number of loans
        grade = row["grade"] or UNRATED
        division = row["division"] or UNRATED
        total.add(row)
        grades.setdefault(grade, Quality(key=grade, label=grade if grade != UNRATED else "")).add(row)
        industries.setdefault(division, Quality(
            key=division, label=f"{division} {industry_name(division)}" if division != UNRATED else "")).add(row)
    order = {g: n for n, g in enumerate((*GRADE_ORDER, UNRATED))}
    for q in (total, *grades.values(), *industries.values()):
        for name in ("gross", "par30_amount", "par90_amount", "npl_amount"):
            setattr(q, name, quantize(getattr(q, name)))
    return PortfolioQuality(total=total, by_grade=sorted(grades.values(), key=lambda q: order.get(q.key, 99)),
                            by_industry=sorted(industries.values(), key=lambda q: (-q.gross, q.key)),
                            stored_at=stored_at)


def member_divisions(cluster_id: int) -> list[str]:
    """The industry divisions of the cluster's member firms (one query)."""
    from agents.models import Agent

    codes = (Agent.objects.filter(cluster_members_q(cluster=cluster_id, kind="enterprise")).order_by()
             .annotate(division=Substr("industry_code", 1, 3)).values_list("division", flat=True).distinct())
    return sorted({c for c in codes if c})


def industries_in_scope(*, cluster) -> list[tuple[str, str]]:
    """The industry divisions of the cluster's member firms, for the filter (stored for a large
    cluster, else one query)."""
    from infocenter.summaries import summary_read

    from .summaries import DIVISIONS

    return [(c, f"{c} {industry_name(c)}") for c in summary_read(DIVISIONS.name, cluster.pk).data]


def queue_figures(*, cluster) -> dict:
    """The allocation queue: approved applications waiting for the pool's money (count and
    amount as approved). One query."""
    from ..allocation.selectors import waiting_q

    totals = Application.objects.filter(waiting_q(cluster.finance_company)).order_by().aggregate(
        n=Count("pk"), amount=money_sum(Coalesce("approved_amount", "amount")),
        approved=Count("pk", filter=Q(status=ApplicationStatus.APPROVED)))
    return {"count": totals["n"], "amount": quantize(totals["amount"]), "approved": totals["approved"]}


def guarantee_figures(*, fund) -> dict:
    """The fund's capacity (capital, outstanding, headroom, leverage against the cap) and the
    circles of the firm-to-firm network, those at risk first."""
    from ..guarantees.selectors import fund_view, network_view

    view = fund_view(fund)
    network = network_view(fund=fund)
    circles = sorted(network.circle_rows(), key=lambda c: (not c["alert"], -(c["ratio"] or ZERO)))
    return {"fund": view, "circles": circles, "at_risk": sum(1 for c in circles if c["alert"]),
            "cap_amount": quantize(view.leverage_cap * view.capital),
            "used": ratio(view.outstanding, view.leverage_cap * view.capital) if view.capital > 0 else None}


def recent_events(*, user, limit: int = 8) -> list:
    """The person's latest notifications (what the centre told them: circles, claims, runs,
    repayments), newest first. One query."""
    from infocenter.selectors import notifications_of

    return list(notifications_of(user)[:limit])
