"""Reads of the rating. Every queryset a user reaches goes through ``restrict()``; list pages
read a fixed number of queries whatever the number of firms (the current grade is on ``Agent``)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from agents.choices import GRADE_ORDER, AgentKind
from agents.models import Agent, Cluster, cluster_members_q
from agents.restrict import get_restricted_or_404, viewer_for

from .choices import VersionStatus
from .models import Rating, ScorecardVersion
from .scorecard import Calibration, counterfactual, model_for


def current_rating(*, user, agent) -> Rating | None:
    return (Rating.objects.restrict(user, "view").filter(agent=agent, is_current=True)
            .select_related("version", "finance_company").first())


def rating_trend(*, user, agent, limit: int = 36) -> list[dict]:
    """The firm's ratings oldest first (date, score, grade, PD) for the trend chart."""
    rows = list(Rating.objects.restrict(user, "view").filter(agent=agent).order_by("-rated_at", "-pk")
                .values("rated_at", "score", "grade", "pd", "trigger")[:limit])
    return rows[::-1]


def rating_reports(*, user, agent, limit: int = 5) -> list:
    """The latest reports by others about the firm that the reader may read (the facts behind
    the rating's report factors), newest first, with their verification and the firm's reply.
    One query."""
    from infocenter.models import Report

    return list(Report.objects.restrict(user, "view").filter(subject=agent)
                .exclude(reporter_id=agent.pk).select_related("reporter").order_by("-created_at", "-pk")[:limit])


def rating_counterfactual(rating: Rating) -> dict:
    """What would lift the firm one grade, under the version that rated it."""
    row = pd.Series({k: (float("nan") if v is None and k != "supply_chain_position" else v)
                     for k, v in rating.inputs.items()})
    return counterfactual(model_for(rating.version), Calibration(rating.version.calibration), row)


def firm_for_rating(*, user, pk: int) -> Agent:
    """A firm whose ratings the user may read (its finance company, its region's government,
    itself), else 404."""
    agent = get_restricted_or_404(Agent.objects.filter(kind=AgentKind.ENTERPRISE), user, "view", pk=pk)
    if not Rating.objects.restrict(user, "view").filter(agent=agent).exists() and not _rates(user, agent):
        from django.http import Http404

        raise Http404
    return agent


def _rates(user, agent) -> bool:
    """The user acts for the finance company whose cluster the firm belongs to, or for the
    government of its region."""
    viewer = viewer_for(user)
    if any((agent.region_code or "").startswith(p) for p in viewer.region_prefixes if p):
        return True
    fc_ids = viewer.ids_of("finance_company")
    return bool(fc_ids) and Agent.objects.filter(cluster_members_q(finance_company=fc_ids), pk=agent.pk).exists()


def member_ratings(*, user, finance_company, grade: str = "", q: str = "") -> QuerySet[Agent]:
    """The finance company's member firms with their current grade, PD and rating time."""
    qs = (Agent.objects.restrict(user, "view")
          .filter(cluster_members_q(finance_company=finance_company, kind=AgentKind.ENTERPRISE))
          .order_by("name", "pk"))
    if grade == "none":
        qs = qs.filter(current_grade="")
    elif grade in GRADE_ORDER:
        qs = qs.filter(current_grade=grade)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.only("pk", "name", "industry_code", "current_grade", "current_pd", "rated_at", "credit_code")


def versions_of(*, user, finance_company) -> QuerySet[ScorecardVersion]:
    return (ScorecardVersion.objects.restrict(user, "view").filter(finance_company=finance_company)
            .select_related("created_by", "approved_by").order_by("-number"))


def version_for(*, user, pk: int, action: str = "view") -> ScorecardVersion:
    return get_restricted_or_404(ScorecardVersion.objects.select_related("finance_company", "created_by",
                                                                         "approved_by"), user, action, pk=pk)


def active_version(finance_company) -> ScorecardVersion | None:
    return ScorecardVersion.objects.filter(finance_company=finance_company, status=VersionStatus.ACTIVE).first()


# --- monitoring -------------------------------------------------------------------------------
def monitored_firms(*, user) -> QuerySet[Agent]:
    """Firms whose ratings the monitoring pages cover: the finance company's members, or every
    firm of the government's region."""
    viewer = viewer_for(user)
    fc_ids = viewer.ids_of("finance_company")
    qs = Agent.objects.filter(kind=AgentKind.ENTERPRISE)
    if fc_ids:
        return qs.filter(cluster_members_q(finance_company=fc_ids))
    if viewer.region_prefixes:
        return Agent.objects.restrict(user, "view").filter(kind=AgentKind.ENTERPRISE)
    return qs.none()


def grade_distribution(firms: QuerySet[Agent]) -> pd.DataFrame:
    """Current grades by cluster and industry: columns cluster, industry_code, grade, firms."""
    rows = list(firms.values_list("pk", "industry_code", "current_grade"))
    df = pd.DataFrame(rows, columns=["agent_id", "industry_code", "grade"])
    clusters = dict(Cluster.objects.values_list("pk", "name"))
    from agents.models import ClusterMembership, current_membership_q

    member = pd.DataFrame(list(ClusterMembership.objects.filter(current_membership_q(), agent_id__in=firms.values("pk"))
                               .values_list("agent_id", "cluster_id")), columns=["agent_id", "cluster_id"])
    member = member.drop_duplicates("agent_id")
    df = df.merge(member, on="agent_id", how="left")
    df["cluster"] = df["cluster_id"].map(clusters).fillna("—")
    df["grade"] = df["grade"].replace("", "—")
    return df


def ratings_history(firms: QuerySet[Agent], *, since: date) -> pd.DataFrame:
    """Every rating of the firms since ``since`` and the latest one before it (one query each)."""
    cols = ["agent_id", "rated_at", "grade", "pd", "score"]
    recent = list(Rating.objects.filter(agent_id__in=firms.values("pk"), rated_at__date__gte=since)
                  .values_list(*cols))
    before = list(Rating.objects.filter(agent_id__in=firms.values("pk"), rated_at__date__lt=since)
                  .order_by("agent_id", "-rated_at").values_list(*cols))
    df = pd.DataFrame(recent + before, columns=cols)
    if df.empty:
        return df
    df["rated_at"] = pd.to_datetime(df["rated_at"], utc=True).dt.tz_convert(str(timezone.get_default_timezone()))
    df["day"] = df["rated_at"].dt.tz_localize(None).dt.normalize()
    return df.sort_values(["agent_id", "rated_at"])
