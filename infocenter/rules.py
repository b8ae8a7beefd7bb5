"""Shared pieces of the centre's visibility rules (used by the models' ``restrict_q``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from agents.restrict import Viewer

# Who can receive a consent (services.consent.consent_grant enforces it).
GRANTEE_KINDS = frozenset({"institution", "investor"})


def finance_company_members(fc_ids) -> QuerySet:
    """Ids of the current members of the clusters these finance companies run (the one rule,
    ``agents.models.cluster_members_q``)."""
    from agents.models import Agent, cluster_members_q

    return Agent.objects.filter(cluster_members_q(finance_company=list(fc_ids))).values("pk")


def held_consents(viewer: Viewer, *, today=None) -> QuerySet:
    """Consents in force today that the viewer's agent holds.

    Holding is a django-guardian object permission (``infocenter.use_consent``) granted to the
    grantee agent's group — so a person who leaves the agent loses access at once — and the
    dates are checked here, so an expired consent hides data immediately, before the beat task
    that tidies up expired grants has run."""
    from guardian.shortcuts import get_objects_for_user

    from .models import Consent

    if viewer.user is None or not viewer.kinds & GRANTEE_KINDS:
        return Consent.objects.none()  # consents are only ever granted to these kinds
    in_force = Consent.objects.in_force(today or timezone.localdate()).filter(grantee_id__in=viewer.agent_ids)
    return get_objects_for_user(viewer.user, "infocenter.use_consent", klass=in_force, use_groups=True,
                                with_superuser=False, accept_global_perms=False)
