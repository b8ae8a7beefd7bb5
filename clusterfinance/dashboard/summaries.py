"""The finance company's dashboard's stored summaries (``infocenter.summaries``), per cluster:
the portfolio rows of every loan to the member firms (grade × industry division × class × own,
from which the filters by scope, industry and grade are taken) and the members' industry
divisions of the filter. A cluster whose members have at least ``SUMMARY_MIN_ROWS`` loans reads
them stored, refreshed every minute; a smaller one computes them in the request."""

from __future__ import annotations

from django.db.models import Count

from agents.choices import AgentKind, AgentStatus
from agents.models import ClusterMembership, current_membership_q
from infocenter.summaries import SummaryKind, decode_rows, summary_kind_register, summary_stored

from . import selectors

MONEY = ("gross", "par30", "par90", "npl")


def loans_per_cluster() -> dict[int, int]:
    """The loans (any status) of each cluster's current member firms (one grouped query)."""
    return dict(ClusterMembership.objects.filter(current_membership_q(), agent__kind="enterprise").order_by()
                .values_list("cluster_id").annotate(n=Count("agent__loans_taken")))


PORTFOLIO = summary_kind_register(SummaryKind(
    "finance.portfolio", compute=selectors.cluster_portfolio_rows, sizes=loans_per_cluster,
    decode=decode_rows(decimals=MONEY)))
DIVISIONS = summary_kind_register(SummaryKind(
    "finance.divisions", compute=selectors.member_divisions, sizes=loans_per_cluster, decode=list))


def members_per_cluster() -> dict[int, int]:
    """The current member firms of each cluster (one grouped query)."""
    return dict(ClusterMembership.objects.filter(current_membership_q(), agent__kind=AgentKind.ENTERPRISE)
                .order_by().values_list("cluster_id").annotate(n=Count("pk")))


def _register_size(cluster_id: int) -> int:
    """The firms of the cluster's public register: its current members that are active firms
    (what ``restrict()`` shows an institution or an investor of them). One query."""
    return ClusterMembership.objects.filter(current_membership_q(), cluster_id=cluster_id,
                                            agent__kind=AgentKind.ENTERPRISE,
                                            agent__status=AgentStatus.ACTIVE).count()


REGISTER = summary_kind_register(SummaryKind(
    "cluster.register", compute=_register_size, sizes=members_per_cluster, decode=int))


def public_register_count(cluster, q: str = "") -> int | None:
    """How many firms the public register of a large cluster holds (its stored summary), for a
    register page without a search; ``None`` otherwise (the page counts its rows)."""
    if (q or "").strip():
        return None
    figures = summary_stored(REGISTER.name, cluster.pk)
    return figures.data if figures else None
