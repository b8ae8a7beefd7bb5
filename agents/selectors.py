"""Reads of the registry and of the cluster register."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from .choices import AgentKind, AgentStatus
from .models import Agent, Cluster, ClusterMembership, Membership, cluster_members_q, clusters_of_agent_q

PORTAL_URL_NAMES = {
    AgentKind.ENTERPRISE: "enterprises:portal",
    AgentKind.FINANCE_COMPANY: "clusterfinance:portal",
    AgentKind.GOVERNMENT: "government:portal",
    AgentKind.INSTITUTION: "institutions:portal",
    AgentKind.INVESTOR: "investors:portal",
}


def primary_membership(user) -> Membership | None:
    """The membership whose portal a user lands on (the oldest active one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_primary_membership", False)
    if cached is not False:
        return cached
    membership = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("agent")
        .order_by("created_at", "pk")
        .first()
    )
    user._primary_membership = membership
    return membership


def portal_url_for(user) -> str:
    membership = primary_membership(user)
    if membership is None:
        return reverse("admin:index") if user.is_superuser else reverse("landing")
    if membership.agent.status != AgentStatus.ACTIVE:
        return reverse("registration-pending")
    return reverse(PORTAL_URL_NAMES[membership.agent.kind])


def acting_membership(user, kinds: tuple = (), roles: tuple = ()) -> Membership | None:
    """The membership through which ``user`` acts on a page: active, of an active agent, of
    ``kinds`` and ``roles`` when given (the oldest such); without kinds, the portal's one."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not kinds and not roles:
        membership = primary_membership(user)
        if membership is None or not membership.is_active or membership.agent.status != AgentStatus.ACTIVE:
            return None
        return membership
    memberships = Membership.objects.filter(user=user, is_active=True, agent__status=AgentStatus.ACTIVE)
    if kinds:
        memberships = memberships.filter(agent__kind__in=kinds)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.select_related("agent").order_by("created_at", "pk").first()


def agent_for_portal(user, kind: str) -> Agent | None:
    """The active agent of ``kind`` this user acts for, or None (the portal then answers 404)."""
    membership = acting_membership(user, (kind,))
    return membership.agent if membership else None


def members_of(agent: Agent):
    return Membership.objects.filter(agent=agent, is_active=True).select_related("user").order_by("created_at")


def pending_registrations(user):
    return (Agent.objects.restrict(user).filter(status=AgentStatus.PENDING).select_related("requested_cluster")
            .order_by("created_at"))


# --- the cluster register ---------------------------------------------------------------------

PROFILE_OF_KIND = {"enterprise": "enterprise_profile", "institution": "institution_profile",
                   "investor": "investor_profile"}


def cluster_of_finance_company(agent) -> Cluster | None:
    return Cluster.objects.filter(finance_company=agent).first()


def clusters_of(agent):
    """The clusters ``agent`` is a current member of."""
    return Cluster.objects.filter(clusters_of_agent_q(agent)).select_related("finance_company")


def cluster_participants(*, user, cluster: Cluster, kind: str):
    """Current members of ``kind`` in the cluster, as far as ``user`` may see them, with their profile."""
    return (
        Agent.objects.restrict(user)
        .filter(cluster_members_q(cluster=cluster), kind=kind)
        .select_related(PROFILE_OF_KIND[kind])
        .order_by("name")
    )


def count_by(qs, field: str) -> list[tuple[str, int]]:
    return list(qs.order_by().values_list(field).annotate(n=Count("pk")).order_by("-n", field))


def memberships_of_cluster(cluster):
    return ClusterMembership.objects.filter(cluster=cluster).select_related("agent")
