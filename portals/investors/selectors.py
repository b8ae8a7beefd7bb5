"""Reads of the investor portal."""

from __future__ import annotations

from agents.models import Agent
from agents.selectors import cluster_participants
from agents.tables import firm_search
from infocenter.selectors import publications_for

from .choices import OpportunityKind, OpportunityStatus
from .models import Holding, InvestorProfile, Opportunity, SuitabilityAssessment


def investor_profile(agent) -> InvestorProfile | None:
    return InvestorProfile.objects.filter(agent=agent).first()


def latest_assessment(agent) -> SuitabilityAssessment | None:
    return SuitabilityAssessment.objects.filter(investor=agent).order_by("-assessed_on", "-pk").first()


def register_firms(*, user, cluster, q: str = ""):
    """The cluster's member firms an investor may see (the public register), matching ``q``."""
    return firm_search(cluster_participants(user=user, cluster=cluster, kind="enterprise"), q)


def open_opportunities(user, *, kind: str = ""):
    qs = Opportunity.objects.restrict(user, "view").filter(status=OpportunityStatus.OPEN) \
        .select_related("issuer", "cluster__finance_company").order_by("kind", "risk_level", "-opens_on", "pk")
    return qs.filter(kind=kind) if kind in OpportunityKind.values else qs


def opportunity_for(user, pk: int) -> Opportunity:
    """An opportunity the user may see (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Opportunity.objects.restrict(user, "view")
                             .select_related("issuer", "cluster__finance_company"), pk=pk)


def holding_of(investor, pk: int) -> Holding:
    """One of the investor's own holdings; another investor's id is 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Holding.objects.select_related("opportunity__issuer", "opportunity__cluster__finance_company",
                                                            "fund_source", "loan"), pk=pk, investor=investor)


def public_disclosures(user, *, limit: int = 15):
    """The latest publications the investor may read about other agents (the centre's modules)."""
    return list(publications_for(user).select_related("subject", "publisher")[:limit])


def firm_publications(user, firm, *, limit: int = 10):
    return list(publications_for(user, subject=firm).select_related("publisher")[:limit])


def rated_firms(*, user, cluster, limit: int = 20):
    """Public ratings: the cluster's member firms with their current grade, best first."""
    from django.db.models import Case, IntegerField, Value, When

    from agents.choices import GRADE_ORDER

    order = Case(*[When(current_grade=g, then=Value(i)) for i, g in enumerate(GRADE_ORDER)],
                 default=Value(len(GRADE_ORDER)), output_field=IntegerField())
    firms = cluster_participants(user=user, cluster=cluster, kind="enterprise")
    return list(Agent.objects.filter(pk__in=firms.values("pk")).exclude(current_grade="").annotate(o=order).order_by("o", "name")
                .only("pk", "name", "current_grade", "rated_at", "industry_code")[:limit])
