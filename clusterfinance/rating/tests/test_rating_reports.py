"""The reports by others a rating counts, listed under its reasons on the firm's page and on the
review panel: the reader's readable reports about the firm, newest first, with their status (a fixed number of queries)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusterfinance.rating.selectors import rating_reports
from clusterfinance.rating.services import ratings_rescore

from .helpers import negative_report, solid_firm

pytestmark = pytest.mark.django_db


def test_the_firm_page_names_the_verified_report_behind_the_rating(world, client_for):
    solid_firm(world, world.firm)
    report = negative_report(world, world.firm, status="verified")
    negative_report(world, world.other_firm, status="verified")  # about another firm: not listed
    ratings_rescore(agent_ids=[world.firm.pk])
    listed = rating_reports(user=world.users["enterprise"], agent=world.firm)
    assert [r.pk for r in listed] == [report.pk]
    text = client_for("enterprise").get(reverse("clusterfinance:rating:mine")).content.decode()
    assert f'data-testid="rating-report" data-pk="{report.pk}" data-status="verified"' in text
    assert report.title in text


def test_reports_behind_a_rating_cost_the_same_queries_whatever_their_number(world):
    for _ in range(2):
        negative_report(world, world.firm)
    rating_reports(user=world.users["finance"], agent=world.firm)  # the reader's memberships, read once
    with CaptureQueriesContext(connection) as at_two:
        few = rating_reports(user=world.users["finance"], agent=world.firm)
    for _ in range(8):
        negative_report(world, world.firm, status="verified")
    with CaptureQueriesContext(connection) as at_ten:
        many = rating_reports(user=world.users["finance"], agent=world.firm)
        assert [r.reporter.name for r in many]  # the reporters come with the same queries
    assert len(at_ten.captured_queries) == len(at_two.captured_queries) == 1
    assert len(few) == 2 and len(many) == 5  # the latest five
