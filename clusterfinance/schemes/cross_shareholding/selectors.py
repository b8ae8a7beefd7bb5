"""Reads of the cross-shareholding pages: a fixed number of queries whatever the rows."""

from __future__ import annotations

from django.db.models import Q

from agents.choices import AgentKind, AgentStatus
from agents.models import Agent
from lending.models import Application, SecondedManager, Shareholding


def _scope(agent, a: str, b: str) -> Q:
    if agent.kind == AgentKind.FINANCE_COMPANY:
        return Q()
    return Q(**{a: agent.pk}) | Q(**{b: agent.pk})


def shareholdings_for(agent):
    return (Shareholding.objects.filter(_scope(agent, "holder_id", "held_id"))
            .select_related("holder", "held").order_by("ended", "-since", "-pk"))


def seconded_managers_for(agent):
    return (SecondedManager.objects.filter(_scope(agent, "bank_id", "firm_id"))
            .select_related("bank", "firm", "user").order_by("ended", "-since", "-pk"))


def related_party_applications_for(agent):
    """The related-party applications the agent lends or borrows in (the finance company: all)."""
    return (Application.objects.filter(_scope(agent, "lender_id", "applicant_id"), related_party=True)
            .exclude(status="draft").select_related("lender", "applicant").order_by("-created_at", "-pk")[:50])


def party_choices():
    """The firms and institutions a shareholding may link (active agents)."""
    return Agent.objects.filter(kind__in=(AgentKind.ENTERPRISE, AgentKind.INSTITUTION, AgentKind.FINANCE_COMPANY),
                                status=AgentStatus.ACTIVE).order_by("kind", "name")
