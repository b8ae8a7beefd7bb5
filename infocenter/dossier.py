"""The dossier of an agent (everything a viewer may see about it, with freshness and
completeness) and the information-asymmetry figures per firm and per set of firms."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Case, CharField, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from agents.models import Agent

from .choices import EXPECTED_CATEGORIES, Category, InfoModule, PublicationStatus, Verification
from .constants import FRESH_DAYS
from .models import FirmRecord, Publication, Report
from .selectors import publications_for, reports_for

# The government's periodic records (imports, API) count for these categories.
RECORD_CATEGORY = {"statement": Category.FINANCIAL_STATEMENTS, "tax": Category.TAX_PAID,
                   "social_insurance": Category.SOCIAL_INSURANCE}


@dataclass
class CategoryState:
    category: str
    label: str
    latest: datetime | None = None
    count: int = 0
    expected: bool = False

    @property
    def age_days(self) -> int | None:
        return (timezone.now() - self.latest).days if self.latest else None

    @property
    def is_stale(self) -> bool:
        return self.latest is not None and self.age_days > FRESH_DAYS

    @property
    def freshness(self) -> str:
        if self.latest is None:
            return "missing"
        return "stale" if self.is_stale else "fresh"


@dataclass
class Dossier:
    agent: Agent
    by_module: list = field(default_factory=list)  # [(module value, label, [publications])]
    categories: list = field(default_factory=list)  # [CategoryState]
    reports: list = field(default_factory=list)
    reports_filed: list = field(default_factory=list)
    completeness: float | None = None
    publications: list = field(default_factory=list)

    @property
    def missing(self) -> list:
        return [c for c in self.categories if c.expected and c.latest is None]

    @property
    def stale(self) -> list:
        return [c for c in self.categories if c.is_stale]


def dossier_for(user, agent: Agent, *, limit: int = 200) -> Dossier:
    """What ``user`` may see about ``agent`` across modules: current publications grouped by
    module, reports about it (with replies), freshness per category (age of the latest item)
    and completeness (share of the categories expected of its kind that are present)."""
    publications = list(publications_for(user, subject=agent)[:limit])
    dossier = Dossier(agent=agent, publications=publications)
    for value, label in InfoModule.choices:
        items = [p for p in publications if p.module == value]
        if items:
            dossier.by_module.append((value, label, items))
    expected = EXPECTED_CATEGORIES.get(agent.kind, ())
    states: dict[str, CategoryState] = {c: CategoryState(c, Category(c).label, expected=True) for c in expected}
    for p in publications:
        if p.status != PublicationStatus.PUBLISHED:
            continue  # a retracted item no longer informs
        state = states.setdefault(p.category, CategoryState(p.category, Category(p.category).label))
        state.count += 1
        if state.latest is None or (p.published_at and p.published_at > state.latest):
            state.latest = p.published_at
    dossier.categories = sorted(states.values(), key=lambda s: (not s.expected, s.label))
    if expected:
        present = sum(1 for c in expected if states[c].latest is not None)
        dossier.completeness = present / len(expected)
    dossier.reports = list(reports_for(user, subject=agent)[:limit])
    dossier.reports_filed = list(reports_for(user, reporter=agent)[:50])
    return dossier


# --- information asymmetry ---------------------------------------------------------------------
@dataclass
class FirmFigures:
    agent_id: int
    name: str = ""
    coverage: float = 0.0
    fresh_share: float = 0.0
    freshness_days: float | None = None
    verified_share: float | None = None
    reports: int = 0
    verified: int = 0
    sources: int = 0
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)


def asymmetry_for_agents(agent_ids, *, kind: str = "enterprise", now=None) -> dict:
    """Information-asymmetry figures for each agent in ``agent_ids`` (of ``kind``) and for the
    set as a whole. Computed on everything the centre holds (published, not retracted; reports
    of every status; the government's periodic records), not on what one viewer may read.

    - coverage: share of the categories expected of the kind that are present;
    - fresh share / freshness: share of expected categories updated within FRESH_DAYS days, and
      the mean age in days of the latest item of each present category;
    - verified share: verified reports among all reports about the agent;
    - sources: number of independent agents (other than the agent itself) that published,
      supplied records or reported about it.

    ``agent_ids`` is a list of ids or a queryset of agents (used as a subquery). Four queries
    whatever the number of agents (the finance portal calls this with its cluster's members;
    infocenter does not know clusters)."""
    now = now or timezone.now()
    # a queryset becomes a subquery (no extra round trip)
    ids = agent_ids.values("pk") if isinstance(agent_ids, QuerySet) else list({int(i) for i in agent_ids})
    expected = EXPECTED_CATEGORIES.get(kind, ())
    names = dict(Agent.objects.filter(pk__in=ids, kind=kind).values_list("pk", "name"))
    latest: dict[tuple[int, str], datetime] = {}
    sources: dict[int, set] = {pk: set() for pk in names}
    for subject_id, category, publisher_id, when in (
        Publication.objects.filter(subject_id__in=names, is_current=True, status=PublicationStatus.PUBLISHED)
        .values_list("subject_id", "category", "publisher_id").annotate(latest=Max("published_at")).order_by()
    ):
        key = (subject_id, category)
        if when and (key not in latest or when > latest[key]):
            latest[key] = when
        if publisher_id != subject_id:
            sources[subject_id].add(publisher_id)
    for subject_id, record_kind, supplier_id, when in (
        FirmRecord.objects.filter(agent_id__in=names).values_list("agent_id", "kind", "supplied_by_id")
        .annotate(latest=Max("updated_at")).order_by()
    ):
        key = (subject_id, RECORD_CATEGORY.get(record_kind, record_kind))
        if when and (key not in latest or when > latest[key]):
            latest[key] = when
        if supplier_id != subject_id:
            sources[subject_id].add(supplier_id)
    report_counts: dict[int, list[int]] = {pk: [0, 0] for pk in names}
    for subject_id, reporter_id, status in (
        Report.objects.filter(subject_id__in=names).values_list("subject_id", "reporter_id", "status")
    ):
        report_counts[subject_id][0] += 1
        report_counts[subject_id][1] += status == Verification.VERIFIED
        if status != Verification.REJECTED:
            sources[subject_id].add(reporter_id)
    firms = []
    for pk, name in sorted(names.items(), key=lambda item: item[1]):
        present = [c for c in expected if (pk, c) in latest]
        ages = [(now - latest[(pk, c)]).days for c in present]
        n_reports, n_verified = report_counts[pk]
        firms.append(FirmFigures(
            agent_id=pk, name=name,
            coverage=len(present) / len(expected) if expected else 1.0,
            fresh_share=sum(1 for a in ages if a <= FRESH_DAYS) / len(expected) if expected else 1.0,
            freshness_days=sum(ages) / len(ages) if ages else None,
            verified_share=n_verified / n_reports if n_reports else None,
            reports=n_reports, verified=n_verified, sources=len(sources[pk]),
            missing=[Category(c).label for c in expected if c not in present],
            stale=[Category(c).label for c, a in zip(present, ages, strict=True) if a > FRESH_DAYS],
        ))
    n = len(firms)
    all_reports = sum(f.reports for f in firms)
    ages = [f.freshness_days for f in firms if f.freshness_days is not None]
    summary = {
        "firms": n,
        "coverage": sum(f.coverage for f in firms) / n if n else None,
        "fresh_share": sum(f.fresh_share for f in firms) / n if n else None,
        "freshness_days": sum(ages) / len(ages) if ages else None,
        "verified_share": sum(f.verified for f in firms) / all_reports if all_reports else None,
        "sources": sum(f.sources for f in firms) / n if n else None,
        "low_coverage": sum(1 for f in firms if f.coverage < 0.5),
    }
    return {"firms": firms, "summary": summary, "expected": [Category(c).label for c in expected]}


def asymmetry_summary_for(agents: QuerySet, *, kind: str = "enterprise", now=None) -> dict:
    """The ``summary`` of :func:`asymmetry_for_agents` for a whole set of agents, computed in
    SQL: the same figures (coverage, up to date, verified share, sources per firm, firms below
    half coverage) without loading any agent, so a portal card costs the same for 40 members
    or 10,000. ``agents`` is a queryset of agents, used as a subquery (never a list of ids).
    The mean age in days (``freshness_days``) is left to the per-firm page, which shows it.

    Four queries whatever the number of agents: the number of firms; one grouped pass over
    their latest items per expected category (present / up to date / coverage per firm); the
    distinct independent sources; the reports."""
    now = now or timezone.now()
    expected = tuple(EXPECTED_CATEGORIES.get(kind, ()))
    firms = Agent.objects.filter(pk__in=agents.order_by().values("pk"), kind=kind).values("pk")
    n = firms.count()
    # "up to date" means an age of at most FRESH_DAYS whole days, i.e. newer than FRESH_DAYS + 1 days ago
    fresh_after = now - timedelta(days=FRESH_DAYS + 1)
    present = fresh = at_least_half = 0
    if expected and n:
        record_category = Case(*[When(kind=k, then=Value(str(c))) for k, c in RECORD_CATEGORY.items()],
                               default=F("kind"), output_field=CharField())
        fresh_flag = {"output_field": IntegerField(), "default": Value(0)}
        items = (
            Publication.objects.filter(subject_id__in=firms, is_current=True, status=PublicationStatus.PUBLISHED,
                                       published_at__isnull=False, category__in=expected).order_by()
            .annotate(firm=F("subject_id"), cat=F("category"),
                      fresh=Case(When(published_at__gt=fresh_after, then=Value(1)), **fresh_flag))
            .values_list("firm", "cat", "fresh")
            .union(FirmRecord.objects.filter(agent_id__in=firms, updated_at__isnull=False).order_by()
                   .annotate(firm=F("agent_id"), cat=record_category,
                             fresh=Case(When(updated_at__gt=fresh_after, then=Value(1)), **fresh_flag))
                   .filter(cat__in=expected).values_list("firm", "cat", "fresh"), all=True)
        )
        sql, params = items.query.sql_with_params()
        # per firm: categories present and up to date; then over the firms (a firm with nothing
        # present has coverage 0 and counts among those below half through ``n``). ``sql`` is the
        # ORM's own compiled query with its parameters kept apart: nothing of the user's is in it.
        per_firm = (
            "SELECT COALESCE(SUM(n_present), 0), COALESCE(SUM(n_fresh), 0),"  # noqa: S608
            " COALESCE(SUM(CASE WHEN 2 * n_present >= %s THEN 1 ELSE 0 END), 0)"
            " FROM (SELECT firm, COUNT(*) AS n_present, SUM(fresh) AS n_fresh"
            f"       FROM (SELECT firm, cat, MAX(fresh) AS fresh FROM ({sql}) items GROUP BY firm, cat)"
            "       categories GROUP BY firm) per_firm"
        )
        with connection.cursor() as cursor:
            cursor.execute(per_firm, (len(expected), *params))
            # SUM is numeric on PostgreSQL (a Decimal) and an integer on SQLite: counts either way
            present, fresh, at_least_half = (int(v) for v in cursor.fetchone())
    # independent sources: agents other than the firm itself that published or supplied records
    # about it, and reporters whose report was not rejected; one (firm, source) pair each
    sources = (
        Publication.objects.filter(subject_id__in=firms, is_current=True, status=PublicationStatus.PUBLISHED)
        .exclude(publisher_id=F("subject_id")).order_by().values_list("subject_id", "publisher_id")
        .union(FirmRecord.objects.filter(agent_id__in=firms).exclude(supplied_by_id=F("agent_id")).order_by()
               .values_list("agent_id", "supplied_by_id"),
               Report.objects.filter(subject_id__in=firms).exclude(status=Verification.REJECTED).order_by()
               .values_list("subject_id", "reporter_id"))
        .count()
    ) if n else 0
    reports = Report.objects.filter(subject_id__in=firms).aggregate(
        all=Count("pk"), verified=Count("pk", filter=Q(status=Verification.VERIFIED)))
    if not expected:
        coverage = fresh_share = 1.0 if n else None
        low = 0
    else:
        coverage = present / (n * len(expected)) if n else None
        fresh_share = fresh / (n * len(expected)) if n else None
        low = n - at_least_half
    return {
        "firms": n,
        "coverage": coverage,
        "fresh_share": fresh_share,
        "verified_share": reports["verified"] / reports["all"] if reports["all"] else None,
        "sources": sources / n if n else None,
        "low_coverage": low,
    }


# The card is read on every visit of a finance home while its figures change only when the centre
# learns something; at 10,000 members one computation reads ~50,000 rows (≈ 100–200 ms). So the
# card's figures are kept in the cache under a fingerprint of everything they depend on (newest
# publication, retraction, report, decision, record and membership change, and the day, which
# moves "up to date"), and for at most ASYMMETRY_CARD_SECONDS besides.
ASYMMETRY_CARD_SECONDS = 300


def asymmetry_card_summary(agents: QuerySet, *, cluster_id: int) -> dict:
    """``asymmetry_summary_for(agents)`` for the card of the cluster ``cluster_id``, from the cache
    while nothing it depends on has changed (one small query to tell)."""
    from agents.models import ClusterMembership

    member = ClusterMembership._meta.db_table
    return _cached_summary(
        agents, scope=f"asymmetry-card:{cluster_id}",
        scope_sql=(f"(SELECT MAX(id) FROM {member} WHERE cluster_id = %s),"  # noqa: S608
                   f" (SELECT MAX(left_on) FROM {member} WHERE cluster_id = %s),"
                   f" (SELECT COUNT(*) FROM {member} WHERE cluster_id = %s AND status = %s)"),
        scope_params=(cluster_id, cluster_id, cluster_id, "active"))


def asymmetry_region_summary(agents: QuerySet, *, region_prefix: str) -> dict:
    """``asymmetry_summary_for(agents)`` for the active firms of a region (the government's
    console), from the cache while nothing it depends on has changed: the same fingerprint as
    the cluster card's, with the region's firms (the newest agent, the number of active firms of
    the region) in place of the cluster's memberships. At 100,000 firms the summary costs
    ≈ 1.8 s of SQL and the fingerprint a few milliseconds (benchmarks/README.md, "Scale")."""
    agent = Agent._meta.db_table
    return _cached_summary(
        agents, scope=f"asymmetry-region:{region_prefix}",
        scope_sql=(f"(SELECT MAX(id) FROM {agent}),"  # noqa: S608
                   f" (SELECT COUNT(*) FROM {agent} WHERE kind = %s AND status = %s AND region_code LIKE %s)"),
        scope_params=("enterprise", "active", f"{region_prefix}%"))


def _cached_summary(agents: QuerySet, *, scope: str, scope_sql: str, scope_params: tuple) -> dict:
    from django.core.cache import cache

    pub, report, record = (m._meta.db_table for m in (Publication, Report, FirmRecord))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {pub}), (SELECT MAX(retracted_at) FROM {pub}),"  # noqa: S608
            f" (SELECT MAX(id) FROM {report}), (SELECT MAX(decided_at) FROM {report}),"
            f" (SELECT MAX(updated_at) FROM {record}), (SELECT COUNT(*) FROM {record}), {scope_sql}",
            scope_params)
        fingerprint = cursor.fetchone()
    state = "|".join(str(v) for v in (timezone.localdate(), *fingerprint))
    key = f"{scope}:{hashlib.sha256(state.encode()).hexdigest()[:32]}"
    summary = cache.get(key)
    if summary is None:
        summary = asymmetry_summary_for(agents)
        cache.set(key, summary, ASYMMETRY_CARD_SECONDS)
    return summary
