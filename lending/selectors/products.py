"""Reads of products: what lenders offer and which a borrower may apply for, and schedule previews."""

from __future__ import annotations

from django.db.models import Count, DecimalField, Q, QuerySet
from django.utils import timezone

from agents.models import Agent, cluster_members_q, clusters_of_agent_q, current_cluster_ids

from ..models import Product
from ..schedules import Schedule, build_schedule
from ..validation import validate_terms

MONEY = DecimalField(max_digits=18, decimal_places=2)


def schedule_preview(*, product: Product, amount, periods, annual_rate=None, start=None) -> Schedule:
    """The schedule a borrower would get (shown *before* submitting): checks the amount, term
    and rate against the product and raises ``ValidationError`` keyed by field when they do not fit."""
    values = validate_terms(product=product, amount=amount, periods=periods, annual_rate=annual_rate)
    return build_schedule(principal=values["amount"], annual_rate=values["annual_rate"], periods=values["periods"],
                          method=product.method, frequency=product.frequency,
                          start=start or timezone.localdate(), instalment_multiple=product.instalment_multiple)


def products_offered(*, user, borrower_kind: str | None = None) -> QuerySet[Product]:
    """Open products a user may apply for (or browse, anonymously)."""
    qs = Product.objects.restrict(user, "view").filter(is_active=True).select_related("lender")
    if borrower_kind:
        qs = qs.filter(borrower_kind=borrower_kind)
    return qs


def products_for_lender(*, user, lender) -> QuerySet[Product]:
    """All products of ``lender`` (open and closed) as its staff see them."""
    return Product.objects.restrict(user, "view").filter(lender=lender).annotate(
        application_count=Count("applications", distinct=True), loan_count=Count("loans", distinct=True))


def lenders_serving(borrower: Agent) -> Q:
    """Lenders of the borrower's cluster(s), as a ``Q`` on ``Product``: for a member firm the
    cluster's finance company and the institutions and investors taking part in its cluster;
    for a finance company the institutions and investors of the cluster it runs."""
    if borrower.kind == "finance_company":
        return cluster_members_q(finance_company=borrower, field="lender_id")
    return (clusters_of_agent_q(borrower, field="lender__cluster_run")
            | cluster_members_q(cluster=current_cluster_ids(borrower), field="lender_id"))


def products_for_borrower(*, user, borrower: Agent) -> QuerySet[Product]:
    """Open products ``borrower`` may apply for: offered to its kind of borrower by the lenders
    serving its cluster (through ``restrict()``)."""
    serving = Product.objects.filter(lenders_serving(borrower)).values("pk")
    return (Product.objects.restrict(user, "view")
            .filter(is_active=True, lender__status="active", borrower_kind=borrower.kind, pk__in=serving)
            .exclude(lender=borrower).select_related("lender").order_by("lender__name", "name"))
