"""Reads of the collective bonds: the lead's issues, one issue's page (shares, subscriptions,
payments with who prepared and approved them, defaults with what is recovered and outstanding),
one default's recovery page and the open issues for subscribers. Each a fixed number of
queries."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery

from agents.money import money_sum

from .models import BondDefault, BondIssue, BondPayment, BondRecovery, BondShare, BondSubscription, IssueStatus


def issues_of_lead(lead):
    # the subscribed sum in a subquery: summed over the join with the shares it counted each
    # subscription once per firm
    subscribed = (BondSubscription.objects.filter(issue=OuterRef("pk")).order_by().values("issue")
                  .annotate(t=money_sum("requested")).values("t"))
    return (BondIssue.objects.filter(lead=lead).select_related("guarantor")
            .annotate(n_firms=Count("shares", distinct=True), subscribed=Subquery(subscribed))
            .order_by("-issue_date", "-pk"))


def issue_page(issue: BondIssue) -> dict:
    return {
        "shares": list(BondShare.objects.filter(issue=issue).select_related("firm").order_by("pk")),
        "subscriptions": list(BondSubscription.objects.filter(issue=issue).select_related("subscriber")
                              .order_by("pk")),
        "payments": list(BondPayment.objects.filter(issue=issue).select_related("prepared_by", "approved_by")
                         .order_by("number")),
        "defaults": list(BondDefault.objects.filter(payment__issue=issue).select_related("firm", "guarantor",
                                                                                           "payment")),
    }


def default_of_issue(issue: BondIssue, pk) -> BondDefault | None:
    """One default of ``issue`` (None when it is another issue's: the page answers 404)."""
    return BondDefault.objects.filter(payment__issue=issue, pk=pk).select_related("firm", "guarantor", "payment") \
        .first()


def recoveries_of(default: BondDefault) -> list[BondRecovery]:
    return list(BondRecovery.objects.filter(default=default).select_related("recorded_by").order_by("pk"))


def open_issues(subscriber):
    """The issues open for subscription, with the subscriber's own subscription amount."""
    issues = list(BondIssue.objects.filter(status=IssueStatus.OPEN).select_related("lead", "guarantor")
                  .order_by("issue_date", "pk"))
    mine = dict(BondSubscription.objects.filter(subscriber=subscriber, issue__in=issues)
                .values_list("issue_id", "requested"))
    for i in issues:
        i.my_request = mine.get(i.pk)
    return issues
