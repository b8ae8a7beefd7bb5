"""Reads about clusters: members, counterparties and registry figures for the portals."""

from django.db.models import Count

from agents.models import Agent

from .models import Cluster, ClusterMembership


def cluster_of_finance_company(agent) -> Cluster | None:
    return Cluster.objects.filter(finance_company=agent).first()


def clusters_of(agent):
    return Cluster.objects.filter(memberships__agent=agent, memberships__status="active").select_related(
        "finance_company"
    )


def cluster_participants(*, user, cluster: Cluster, kind: str):
    """Agents of ``kind`` in the cluster, as far as ``user`` may see them, with their profile."""
    related = {"enterprise": "enterprise_profile", "institution": "institution_profile",
               "investor": "investor_profile"}[kind]
    return (
        Agent.objects.restrict(user)
        .filter(cluster_memberships__cluster=cluster, cluster_memberships__status="active", kind=kind)
        .select_related(related)
        .order_by("name")
    )


def count_by(qs, field: str) -> list[tuple[str, int]]:
    return list(qs.order_by().values_list(field).annotate(n=Count("pk")).order_by("-n", field))


def memberships_of_cluster(cluster):
    return ClusterMembership.objects.filter(cluster=cluster).select_related("agent")
