"""Reads of the government's oversight dashboard: the region's lending by lender kind, industry
and grade, delinquency, the average rate against the LPR, private investment, the guarantee
funds and the centre's information coverage, with twelve months of trends.

Every figure is one grouped query over the region's loans (never a loop over loans or firms),
so the dashboard runs the same number of queries for 100 loans or 100,000. The region is the
government's division code prefix (``agents.restrict.region_prefix``): loans whose borrower is
registered in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from agents.choices import AgentKind, AgentStatus, SizeClass
from agents.industries import industry_name
from agents.models import Agent
from agents.money import ZERO, money_sum, quantize, ratio
from agents.restrict import region_prefix
from lending.choices import NON_PERFORMING_CLASSES, AccountPurpose, LoanStatus
from lending.ledger.models import Account
from lending.models import Loan, Repayment

from .models_oversight import AlertStatus, ComplianceAlert, ComplianceRule, LoanPrimeRate, LprTenor

RATE_PLACES = Decimal("0.000001")
WEIGHTED = DecimalField(max_digits=30, decimal_places=10)
SME_SIZES = (SizeClass.SMALL, SizeClass.MEDIUM)
TREND_MONTHS = 12

# the lender groups of the dashboard: (key, lender kind, size class or None)
LENDER_GROUPS = (
    ("finance_company", AgentKind.FINANCE_COMPANY, None),
    ("institution_large", AgentKind.INSTITUTION, SizeClass.LARGE),
    ("institution_medium", AgentKind.INSTITUTION, SizeClass.MEDIUM),
    ("institution_small", AgentKind.INSTITUTION, SizeClass.SMALL),
    ("institution_unsized", AgentKind.INSTITUTION, ""),
    ("investor", AgentKind.INVESTOR, None),
)


def prefix_of(government: Agent) -> str:
    return region_prefix(government.region_code)


def region_book(government: Agent) -> QuerySet[Loan]:
    """Every disbursed loan to a borrower of the region (the figures' population)."""
    return Loan.objects.filter(borrower__region_code__startswith=prefix_of(government)) \
        .exclude(status=LoanStatus.CONTRACTED)


def _active() -> Q:
    return Q(status=LoanStatus.ACTIVE)


def _book_annotations() -> dict:
    active = _active()
    return {
        "n": Count("pk", filter=active),
        "outstanding": money_sum("principal_outstanding", active),
        "par30": money_sum("principal_outstanding", active & Q(dpd__gt=30)),
        "par90": money_sum("principal_outstanding", active & Q(dpd__gt=90)),
        "npl": money_sum("principal_outstanding", active & Q(loan_class__in=NON_PERFORMING_CLASSES)),
        "disbursed": money_sum("principal"),
        "weighted": Coalesce(Sum(F("annual_rate") * F("principal_outstanding"), filter=active,
                                 output_field=WEIGHTED), Decimal(0), output_field=WEIGHTED),
    }


@dataclass
class BookFigures:
    """Outstanding, delinquency and rate of a set of loans."""

    key: str = ""
    label: str = ""
    count: int = 0
    outstanding: Decimal = ZERO
    par30_amount: Decimal = ZERO
    par90_amount: Decimal = ZERO
    npl_amount: Decimal = ZERO
    disbursed: Decimal = ZERO
    weighted: Decimal = Decimal(0)
    query: str = ""  # the drill-down filter of the records behind the figure

    def add(self, row: dict) -> None:
        self.count += row["n"]
        self.outstanding += quantize(Decimal(row["outstanding"]))
        self.par30_amount += quantize(Decimal(row["par30"]))
        self.par90_amount += quantize(Decimal(row["par90"]))
        self.npl_amount += quantize(Decimal(row["npl"]))
        self.disbursed += quantize(Decimal(row["disbursed"]))
        self.weighted += Decimal(row["weighted"] or 0)

    @property
    def par30(self) -> Decimal:
        return ratio(self.par30_amount, self.outstanding)

    @property
    def par90(self) -> Decimal:
        return ratio(self.par90_amount, self.outstanding)

    @property
    def npl_ratio(self) -> Decimal:
        return ratio(self.npl_amount, self.outstanding)

    @property
    def average_rate(self) -> Decimal | None:
        """The outstanding-weighted average annual rate of the active loans."""
        if not self.outstanding:
            return None
        return (self.weighted / self.outstanding).quantize(RATE_PLACES)


def _group_label(key: str) -> str:
    from django.utils.translation import gettext as _

    return {
        "finance_company": _("Cluster finance company"),
        "institution_large": _("Institutions, large"),
        "institution_medium": _("Institutions, medium"),
        "institution_small": _("Institutions, small"),
        "institution_unsized": _("Institutions, size not given"),
        "investor": _("Private investors"),
    }[key]


def _group_query(kind: str, size) -> str:
    return f"lender_kind={kind}" + (f"&lender_size={size or 'none'}" if size is not None else "")


BOOK_KEYS = ("lender__kind", "lender__size_class", "borrower__industry_code", "borrower__current_grade")


def book_rows(government: Agent) -> list[dict]:
    """The region's book grouped by lender kind × lender size class × borrower industry ×
    borrower grade (a few hundred rows at most, whatever the number of loans): ONE scan of the
    loans from which the lender, industry and grade breakdowns are folded (each amount is a sum
    of exact two-decimal sums, so folding gives the same figures as grouping by one key)."""
    return list(region_book(government).order_by().values(*BOOK_KEYS).annotate(**_book_annotations()))


def _fold(rows: list[dict], key: str) -> list[dict]:
    """``rows`` (of ``book_rows``) summed by one of their keys."""
    folded: dict = {}
    for row in rows:
        into = folded.get(row[key])
        if into is None:
            folded[row[key]] = {key: row[key], "n": 0, **{f: Decimal(0) for f in (
                "outstanding", "par30", "par90", "npl", "disbursed", "weighted")}}
            into = folded[row[key]]
        into["n"] += row["n"]
        for f in ("outstanding", "par30", "par90", "npl", "disbursed", "weighted"):
            into[f] += Decimal(row[f] or 0)
    return list(folded.values())


def lending_by_lender(government: Agent, rows: list[dict] | None = None) -> tuple[BookFigures, list[BookFigures]]:
    """The region's book as a whole and per lender group (finance company, institutions by
    size class, private investors). One query (none when given ``book_rows``)."""
    if rows is None:
        rows = (region_book(government).order_by().values("lender__kind", "lender__size_class")
                .annotate(**_book_annotations()))
    groups = {key: BookFigures(key=key, label=_group_label(key), query=_group_query(kind, size))
              for key, kind, size in LENDER_GROUPS}
    total = BookFigures(key="total", query="")
    for row in rows:
        kind, size = row["lender__kind"], row["lender__size_class"] or ""
        if kind == AgentKind.INSTITUTION:
            key = f"institution_{size}" if size in (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL) \
                else "institution_unsized"
        else:
            key = kind
        if key in groups:
            groups[key].add(row)
        total.add(row)
    return total, [g for g in groups.values() if g.count or g.disbursed or not g.key.endswith("unsized")]


def lending_by_industry(government: Agent, rows: list[dict] | None = None) -> list[BookFigures]:
    if rows is None:
        rows = (region_book(government).order_by().values("borrower__industry_code")
                .annotate(**_book_annotations()).order_by("borrower__industry_code"))
    else:
        rows = sorted(_fold(rows, "borrower__industry_code"), key=lambda r: r["borrower__industry_code"] or "")
    out = []
    for row in rows:
        code = row["borrower__industry_code"] or ""
        figures = BookFigures(key=code, label=f"{code} {industry_name(code)}".strip() if code else "—",
                              query=f"industry={code or 'none'}")
        figures.add(row)
        out.append(figures)
    return sorted(out, key=lambda f: -f.outstanding)


def lending_by_grade(government: Agent, rows: list[dict] | None = None) -> list[BookFigures]:
    from agents.choices import GRADE_ORDER

    if rows is None:
        rows = (region_book(government).order_by().values("borrower__current_grade")
                .annotate(**_book_annotations()))
    else:
        rows = _fold(rows, "borrower__current_grade")
    by_grade = {row["borrower__current_grade"] or "": row for row in rows}
    out = []
    for grade in (*GRADE_ORDER, ""):
        if grade in by_grade:
            figures = BookFigures(key=grade, label=grade or "—", query=f"grade={grade or 'none'}")
            figures.add(by_grade[grade])
            out.append(figures)
    return out


@dataclass
class PrivateInvestment:
    loans: int = 0
    active_loans: int = 0
    principal: Decimal = ZERO
    outstanding: Decimal = ZERO
    investors: int = 0
    borrowers: int = 0


def private_investment(government: Agent) -> PrivateInvestment:
    """Loans lent by the platform's private investors to the region's borrowers. One query."""
    row = region_book(government).filter(lender__kind=AgentKind.INVESTOR).aggregate(
        n=Count("pk"), active=Count("pk", filter=_active()), principal=money_sum("principal"),
        outstanding=money_sum("principal_outstanding", _active()),
        investors=Count("lender_id", distinct=True), borrowers=Count("borrower_id", distinct=True))
    return PrivateInvestment(loans=row["n"], active_loans=row["active"], principal=quantize(row["principal"]),
                             outstanding=quantize(row["outstanding"]), investors=row["investors"],
                             borrowers=row["borrowers"])


@dataclass
class SmeShare:
    """The rule that at least half of the external institutions are small or medium."""

    institutions: int = 0
    small_medium: int = 0
    volume: Decimal = ZERO
    small_medium_volume: Decimal = ZERO

    @property
    def count_share(self) -> Decimal | None:
        return ratio(self.small_medium, self.institutions) if self.institutions else None

    @property
    def volume_share(self) -> Decimal | None:
        return ratio(self.small_medium_volume, self.volume) if self.volume else None

    @property
    def count_ok(self) -> bool:
        return self.institutions == 0 or 2 * self.small_medium >= self.institutions

    @property
    def volume_ok(self) -> bool:
        return self.volume == 0 or 2 * self.small_medium_volume >= self.volume


def sme_share(government: Agent, by_lender: list[BookFigures] | None = None) -> SmeShare:
    """Institutions registered in the region by size class (one query), and the outstanding
    lent by institutions to the region's borrowers by their size class (from ``by_lender``, or
    one more query)."""
    counts = dict(Agent.objects.filter(kind=AgentKind.INSTITUTION, status=AgentStatus.ACTIVE,
                                       region_code__startswith=prefix_of(government))
                  .order_by().values_list("size_class").annotate(n=Count("pk")))
    if by_lender is None:
        by_lender = lending_by_lender(government)[1]
    volume = {g.key: g.outstanding for g in by_lender if g.key.startswith("institution_")}
    return SmeShare(institutions=sum(counts.values()),
                    small_medium=sum(counts.get(s, 0) for s in SME_SIZES),
                    volume=sum(volume.values(), ZERO),
                    small_medium_volume=volume.get("institution_small", ZERO) + volume.get("institution_medium", ZERO))


def lpr_in_force(government: Agent, *, on: date | None = None, tenor: str = LprTenor.ONE_YEAR):
    """The LPR value the government recorded as in force on ``on`` (today), or ``None``."""
    on = on or timezone.localdate()
    return LoanPrimeRate.objects.filter(government=government, tenor=tenor, effective_on__lte=on) \
        .order_by("-effective_on", "-pk").first()


def lpr_history(*, user, government: Agent) -> QuerySet[LoanPrimeRate]:
    return LoanPrimeRate.objects.restrict(user).filter(government=government).select_related("recorded_by")


def _months(today: date, n: int = TREND_MONTHS) -> list[date]:
    first = date(today.year, today.month, 1)
    months = [first]
    for _ in range(n - 1):
        first = date(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1, 1)
        months.append(first)
    return months[::-1]


def trends(government: Agent, *, today: date | None = None) -> list[dict]:
    """Per month over the last twelve: loans disbursed (count and principal, and the part lent by
    private investors) and repayments collected. Two grouped queries."""
    today = today or timezone.localdate()
    months = _months(today)
    since = months[0]
    book = region_book(government)
    disbursed = (book.filter(disbursed_on__gte=since, disbursed_on__lte=today).order_by()
                 .annotate(month=TruncMonth("disbursed_on")).values("month")
                 .annotate(n=Count("pk"), amount=money_sum("principal"),
                           private=money_sum("principal", Q(lender__kind=AgentKind.INVESTOR))))
    repaid = (Repayment.objects.filter(loan__in=book.values("pk"), paid_on__gte=since, paid_on__lte=today)
              .order_by().annotate(month=TruncMonth("paid_on")).values("month").annotate(amount=money_sum("amount")))

    def key(d):
        return (d.year, d.month)

    by_disbursed = {key(r["month"]): r for r in disbursed}
    by_repaid = {key(r["month"]): r for r in repaid}
    out = []
    for month in months:
        d, r = by_disbursed.get(key(month), {}), by_repaid.get(key(month), {})
        out.append({"month": month, "label": f"{month:%Y-%m}", "count": d.get("n", 0),
                    "disbursed": quantize(d.get("amount") or ZERO), "private": quantize(d.get("private") or ZERO),
                    "repaid": quantize(r.get("amount") or ZERO)})
    return out


@dataclass
class FundRow:
    cluster_id: int
    cluster: str
    capital: Decimal
    outstanding: Decimal
    leverage_cap: Decimal

    @property
    def capacity(self) -> Decimal:
        return quantize(self.leverage_cap * self.capital)

    @property
    def headroom(self) -> Decimal:
        return max(ZERO, quantize(self.capacity - self.outstanding))

    @property
    def used(self) -> Decimal:
        return ratio(self.outstanding, self.capacity)


def guarantee_funds(government: Agent) -> list[FundRow]:
    """The mutual guarantee funds of the region's clusters: capital (from the ledger), guarantees
    outstanding, capacity under the leverage cap and headroom. Three queries for every fund."""
    from clusterfinance.guarantees.models import FundGuarantee, GuaranteeFund, GuaranteeStatus

    funds = list(GuaranteeFund.objects.filter(cluster__region_code__startswith=prefix_of(government))
                 .values_list("pk", "cluster_id", "cluster__name", "cluster__finance_company_id", "leverage_cap")
                 .order_by("cluster__name"))
    if not funds:
        return []
    capital = dict(Account.objects.filter(agent_id__in=[f[3] for f in funds], purpose=AccountPurpose.GUARANTEE_FUND,
                                          loan__isnull=True).values_list("agent_id", "balance"))
    outstanding = dict(FundGuarantee.objects.filter(fund_id__in=[f[0] for f in funds], status=GuaranteeStatus.ACTIVE)
                       .order_by().values_list("fund_id").annotate(total=money_sum("amount")))
    return [FundRow(cluster_id=cluster_id, cluster=name, capital=quantize(-(capital.get(fc_id) or ZERO)) + ZERO,
                    outstanding=quantize(outstanding.get(pk) or ZERO), leverage_cap=cap)
            for pk, cluster_id, name, fc_id, cap in funds]


def open_alerts_by_rule(government: Agent) -> dict[str, int]:
    """Unresolved compliance alerts per rule (circles at risk are the guarantee-circle alerts)."""
    rows = (ComplianceAlert.objects.filter(government=government).exclude(status=AlertStatus.RESOLVED)
            .order_by().values_list("rule").annotate(n=Count("pk")))
    return dict(rows)


def circles_at_risk(*, user, government: Agent):
    return ComplianceAlert.objects.restrict(user).filter(government=government, rule=ComplianceRule.GUARANTEE_CIRCLE) \
        .exclude(status=AlertStatus.RESOLVED).order_by("-measured")


def information_coverage(government: Agent) -> dict:
    """The centre's information-asymmetry figures over the region's member firms (four queries,
    or one small query while nothing they depend on has changed: the cached summary)."""
    from infocenter.dossier import asymmetry_region_summary

    prefix = prefix_of(government)
    firms = Agent.objects.filter(kind=AgentKind.ENTERPRISE, status=AgentStatus.ACTIVE, region_code__startswith=prefix)
    return asymmetry_region_summary(firms, region_prefix=prefix)


@dataclass
class Dashboard:
    as_of: date
    total: BookFigures
    by_lender: list
    by_industry: list
    by_grade: list
    private: PrivateInvestment
    sme: SmeShare
    lpr: LoanPrimeRate | None
    trend: list
    funds: list
    coverage: dict
    alerts: dict = field(default_factory=dict)
    # when the stored summaries shown were computed (a large region), None when all is live
    figures_as_of: datetime | None = None

    @property
    def rate_spread(self) -> Decimal | None:
        """The region's average rate minus the LPR in force."""
        if self.lpr is None or self.total.average_rate is None:
            return None
        return (self.total.average_rate - self.lpr.value).quantize(RATE_PLACES)

    @property
    def circles_at_risk(self) -> int:
        return self.alerts.get(ComplianceRule.GUARANTEE_CIRCLE, 0)

    @property
    def open_alerts(self) -> int:
        return sum(self.alerts.values())


def dashboard(government: Agent, *, today: date | None = None) -> Dashboard:
    """Every figure of the oversight dashboard, in a fixed number of queries. The book, the
    trends and the coverage of a large region are read from their stored summaries
    (``summaries_oversight``; ``figures_as_of`` says when they were computed); a past or future
    ``today`` computes them for that day."""
    from infocenter.summaries import summaries_read

    from .summaries_oversight import BOOK, COVERAGE, TREND

    as_of_day = today or timezone.localdate()
    if today is not None and today != timezone.localdate():
        rows, trend, coverage, stored_at = (book_rows(government), trends(government, today=today),
                                            information_coverage(government), [])
    else:
        figures = summaries_read([(kind.name, government.pk) for kind in (BOOK, TREND, COVERAGE)])
        rows, trend, coverage = (figures[(kind.name, government.pk)].data for kind in (BOOK, TREND, COVERAGE))
        stored_at = [f.as_of for f in figures.values() if f.stored]
    total, by_lender = lending_by_lender(government, rows)
    return Dashboard(
        as_of=as_of_day, total=total, by_lender=by_lender, by_industry=lending_by_industry(government, rows),
        by_grade=lending_by_grade(government, rows), private=private_investment(government),
        sme=sme_share(government, by_lender), lpr=lpr_in_force(government, on=as_of_day),
        trend=trend, funds=guarantee_funds(government),
        coverage=coverage, alerts=open_alerts_by_rule(government),
        figures_as_of=min(stored_at) if stored_at else None,
    )


# --- drill-down --------------------------------------------------------------------------------

def drill_down_loans(*, user, government: Agent, params) -> tuple[QuerySet[Loan], list[str]]:
    """The loans behind a figure of the dashboard, from the filter in the query string
    (``lender_kind``, ``lender_size``, ``industry``, ``grade``, ``par`` 30/90, ``npl``, ``month``
    of disbursement, ``borrower``, ``lender``); unknown values are ignored. Returns the loans
    (restricted to what ``user`` may see) and the filters applied."""
    from lending.selectors import region_loans

    loans = region_loans(user=user, government=government).exclude(status=LoanStatus.CONTRACTED)
    applied = []

    def value(name):
        return (params.get(name) or "").strip()

    def blank_or(v):
        return "" if v == "none" else v

    if value("lender_kind") in AgentKind.values:
        loans = loans.filter(lender__kind=value("lender_kind"))
        applied.append("lender_kind")
    if value("lender_size") in (*SizeClass.values, "none"):
        loans = loans.filter(lender__size_class=blank_or(value("lender_size")))
        applied.append("lender_size")
    if value("industry"):
        loans = loans.filter(borrower__industry_code=blank_or(value("industry")))
        applied.append("industry")
    if value("grade"):
        loans = loans.filter(borrower__current_grade=blank_or(value("grade")))
        applied.append("grade")
    if value("par") in ("30", "90"):
        loans = loans.filter(_active(), dpd__gt=int(value("par")))
        applied.append("par")
    if value("npl") == "1":
        loans = loans.filter(_active(), loan_class__in=NON_PERFORMING_CLASSES)
        applied.append("npl")
    if value("active") == "1":
        loans = loans.filter(_active())
        applied.append("active")
    if len(value("month")) == 7:
        try:
            year, month = (int(p) for p in value("month").split("-"))
            start = date(year, month, 1)
        except ValueError:
            start = None
        if start is not None:
            loans = loans.filter(disbursed_on__year=start.year, disbursed_on__month=start.month)
            applied.append("month")
    for name in ("borrower", "lender"):
        if value(name).isdigit():
            loans = loans.filter(**{f"{name}_id": int(value(name))})
            applied.append(name)
    return loans, applied
