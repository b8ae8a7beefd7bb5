"""Reads of the investor portal."""

from agents.selectors import cluster_participants
from agents.tables import firm_search

from .models import InvestorProfile


def investor_profile(agent) -> InvestorProfile | None:
    return InvestorProfile.objects.filter(agent=agent).first()


def register_firms(*, user, cluster, q: str = ""):
    """The cluster's member firms an investor may see (the public register), matching ``q``."""
    return firm_search(cluster_participants(user=user, cluster=cluster, kind="enterprise"), q)
