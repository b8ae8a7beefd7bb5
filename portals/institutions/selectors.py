"""Reads of the institution portal."""

from agents.selectors import cluster_participants
from agents.tables import firm_search

from .models import InstitutionProfile


def institution_profile(agent) -> InstitutionProfile | None:
    return InstitutionProfile.objects.filter(agent=agent).first()


def register_firms(*, user, cluster, q: str = ""):
    """The cluster's member firms an institution officer may see (the public register), matching ``q``."""
    return firm_search(cluster_participants(user=user, cluster=cluster, kind="enterprise"), q)
