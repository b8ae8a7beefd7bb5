"""Reads of the government console: the agents, clusters and institutions of its region."""

from agents.choices import AgentKind, AgentStatus
from agents.models import Agent, Cluster
from agents.restrict import region_prefix
from agents.selectors import count_by


def region_agents(*, user, government: Agent):
    """Active agents in the government's jurisdiction, as far as ``user`` may see them."""
    prefix = region_prefix(government.region_code)
    return Agent.objects.restrict(user).filter(region_code__startswith=prefix, status=AgentStatus.ACTIVE)


def region_pending_count(*, user, government: Agent) -> int:
    prefix = region_prefix(government.region_code)
    return Agent.objects.restrict(user).filter(region_code__startswith=prefix, status=AgentStatus.PENDING).count()


def region_clusters(*, user, government: Agent) -> list[Cluster]:
    prefix = region_prefix(government.region_code)
    return list(Cluster.objects.restrict(user).filter(region_code__startswith=prefix)
                .select_related("finance_company"))


def institution_size_mix(institutions) -> dict:
    """DESIGN.md §1: at least half of the external institutions must be small or medium."""
    by_size = dict(count_by(institutions, "size_class"))
    total = sum(by_size.values())
    small_medium = by_size.get("small", 0) + by_size.get("medium", 0)
    return {"total": total, "small_medium": small_medium,
            "share": (small_medium / total) if total else None,
            "ok": bool(total) and small_medium * 2 >= total}


def firms_in(agents):
    return agents.filter(kind=AgentKind.ENTERPRISE)


def institutions_in(agents):
    return agents.filter(kind=AgentKind.INSTITUTION)
