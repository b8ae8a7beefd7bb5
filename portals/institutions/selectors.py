"""Reads of the institution portal."""

from agents.selectors import cluster_participants
from agents.tables import firm_search

from .models import InstitutionProfile


def institution_profile(agent) -> InstitutionProfile | None:
    return InstitutionProfile.objects.filter(agent=agent).first()


def register_firms(*, user, cluster, q: str = ""):
    """The cluster's member firms an institution officer may see (the public register), matching ``q``."""
    return firm_search(cluster_participants(user=user, cluster=cluster, kind="enterprise"), q)


LIST = 8  # rows per card on the portal home; each card links to its full page


def institution_desk(*, user, institution) -> dict:
    """Everything the institution's home shows beyond its loan book, each list one query cut to
    a card: its products (the institution module, link d), the latest applications with the
    applicant's grade and whether it consented to show its confidential dossier, the credit lines
    it extends to finance companies with their drawdowns, the guarantee fund's guarantees on its
    loans and their claims, the reports it filed, and the business records it is a party to
    (investors' deposits — link c —, the government's subsidies on its loans, …)."""
    from django.db.models import Q
    from django.utils import timezone

    from clusterfinance.guarantees.selectors import guarantees_covering
    from clusterfinance.pool.selectors import credit_lines_of
    from infocenter.choices import Category
    from infocenter.selectors import consents_received, publications_for, reports_for
    from lending.selectors import applications_for_lender, products_for_lender

    today = timezone.localdate()
    applications = list(applications_for_lender(user=user, lender=institution).order_by("-created_at", "-pk")[:LIST])
    consenting = set(consents_received(user, institution)
                     .filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
                     .values_list("grantor_id", flat=True))
    for application in applications:
        application.consented = application.applicant_id in consenting
    return {
        "products": list(products_for_lender(user=user, lender=institution)[:LIST]),
        "applications": applications,
        "credit_lines": credit_lines_of(user=user, institution=institution),
        "guarantees": list(guarantees_covering(user=user, lender=institution)[:LIST]),
        "reports_filed": list(reports_for(user, reporter=institution)[:LIST]),
        "business": list(publications_for(user, category=Category.BUSINESS_RECORD)
                         .filter(Q(subject=institution) | Q(publisher=institution))
                         .select_related("subject", "publisher")[:LIST]),
    }
