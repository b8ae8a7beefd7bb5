"""Who may act for whom in the centre (checked by the services; pages only hide buttons)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from agents.models import Agent, Membership, cluster_members_q, clusters_of_agent_q
from agents.restrict import region_prefix


def is_member(user, agent) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or agent is None:
        return False
    return Membership.objects.filter(user=user, agent=agent, is_active=True, agent__status="active").exists()


def require_member(user, agent, message: str | None = None) -> None:
    """``user`` must act for ``agent`` (a system call passes ``user=None`` and is trusted)."""
    if user is None:
        return
    if not is_member(user, agent):
        raise PermissionDenied(message or _("You do not act for %(agent)s.") % {"agent": agent})


def government_covers(government: Agent, agent: Agent) -> bool:
    prefix = region_prefix(government.region_code)
    return bool(prefix) and (agent.region_code or "").startswith(prefix)


def finance_company_covers(finance_company: Agent, agent: Agent) -> bool:
    return Agent.objects.filter(cluster_members_q(finance_company=finance_company), pk=agent.pk).exists()


def verifiers_of(agent: Agent) -> list[Agent]:
    """The agents that may verify reports about ``agent``: the finance companies of its
    clusters and the governments whose region covers it."""
    fcs = list(Agent.objects.filter(clusters_of_agent_q(agent, field="cluster_run"),
                                    kind="finance_company", status="active").distinct())
    govs = [g for g in Agent.objects.filter(kind="government", status="active") if government_covers(g, agent)]
    return fcs + govs


def verifier_agent_for(user, report) -> Agent | None:
    """The agent on whose behalf ``user`` may decide on ``report``, or None. The reporter (and
    the subject) never verify their own report."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    candidates = Agent.objects.filter(
        memberships__user=user, memberships__is_active=True, status="active",
        kind__in=("finance_company", "government"),
    ).exclude(pk__in=[report.reporter_id, report.subject_id]).order_by("kind", "pk")
    subject = report.subject
    for agent in candidates:
        if agent.kind == "government" and government_covers(agent, subject):
            return agent
        if agent.kind == "finance_company" and finance_company_covers(agent, subject):
            return agent
    return None
