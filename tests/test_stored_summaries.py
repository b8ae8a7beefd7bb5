"""Stored summaries (infocenter.summaries): the dashboards of a large scope read the figures the
refresh stored, show when they were computed, catch up at the next refresh after a change, and
show exactly what the live computation shows; small scopes stay live."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from clusterfinance.dashboard.tests.test_dashboard import AS_OF, OWNERS, grow, recompute
from infocenter.models import Summary
from infocenter.summaries import REFRESH_LOCK, round_trip, summaries_refresh, summary_kinds
from lending.models import Loan
from lending.services import delinquency_run
from lending.tests.factories import pay

pytestmark = pytest.mark.django_db
NOTICE = 'data-testid="summary-as-of"'


@pytest.fixture
def book(world):
    grow(world, "一")
    delinquency_run(as_of=AS_OF)
    return world


@pytest.fixture
def large(settings):
    """Every scope with at least one record counts as large."""
    settings.SUMMARY_MIN_ROWS = 1
    return settings


def _repay_the_late_loan(world) -> Loan:
    late = Loan.objects.filter(borrower__name__startswith="甲一", principal=12000).get()
    instalment = late.instalments.order_by("period").first()
    pay(world, late, instalment.total_due, date(2026, 5, 21), user=OWNERS[late.borrower_id])
    return late


def test_every_kind_gives_back_what_it_computed(book, large):
    report = summaries_refresh()
    stored = {(s.kind, s.scope) for s in Summary.objects.all()}
    kinds = {k.name for k in summary_kinds()}
    assert {kind for kind, _ in stored} == kinds  # every kind has a large scope in this world
    assert report.computed == len(stored) and report.dropped == 0
    for kind in summary_kinds():
        for scope in Summary.objects.filter(kind=kind.name).values_list("scope", flat=True):
            live = kind.compute(int(scope))
            assert round_trip(kind.name, live) == live, kind.name
            assert kind.decode(Summary.objects.get(kind=kind.name, scope=scope).data) == live, kind.name


def test_small_scopes_are_computed_live_and_store_nothing(book, client_for):
    assert summaries_refresh().computed == 0
    assert not Summary.objects.exists()
    for role, url in (("finance", "clusterfinance:portal"), ("government", "government:portal"),
                      ("institution", "institutions:portal")):
        page = client_for(role).get(reverse(url))
        assert page.status_code == 200 and NOTICE not in page.content.decode()


def test_the_finance_dashboard_of_a_large_cluster_shows_its_summary_until_the_next_refresh(book, large,
                                                                                          client_for):
    summaries_refresh()
    client, url = client_for("finance"), reverse("clusterfinance:portal")
    before = recompute(book)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    total = page.context["quality"].total
    assert (total.count, total.gross, total.par90_amount) == (before["count"], before["gross"], before["par90"])
    assert NOTICE in page.content.decode() and "stored summary" in page.content.decode()

    _repay_the_late_loan(book)
    after = recompute(book)
    assert after["gross"] < before["gross"]
    assert client.get(url).context["quality"].total.gross == before["gross"]  # as stored, and said so

    assert summaries_refresh().computed > 0  # the repayment wrote an event: the scopes are recomputed
    assert client.get(url).context["quality"].total.gross == after["gross"]
    assert summaries_refresh().computed == 0  # nothing new since


def test_the_stored_rows_give_the_filtered_figures_the_live_query_gives(book, client_for, settings):
    client, url = client_for("finance"), reverse("clusterfinance:portal")
    filters = ({}, {"scope": "own"}, {"grade": "AA"}, {"grade": "-"}, {"industry": "C34"}, {"industry": "C33"},
               {"scope": "own", "industry": "C33", "grade": "AA"})

    def figures():
        out = []
        for query in filters:
            q = client.get(url, query).context["quality"]
            out.append([(g.key, g.count, g.gross, g.par30_amount, g.par90_amount, g.npl_amount)
                        for g in (q.total, *q.by_grade, *q.by_industry)])
        return out

    live = figures()
    settings.SUMMARY_MIN_ROWS = 1
    summaries_refresh()
    assert client.get(url).context["quality"].stored_at is not None
    assert figures() == live


def test_the_government_console_of_a_large_region_reads_its_summary(book, large, client_for):
    client, url = client_for("government"), reverse("government:portal")
    live = client.get(url).context["d"]
    assert live.figures_as_of is None and live.total.count > 0
    summaries_refresh()
    stored = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    d = stored.context["d"]
    assert d.figures_as_of is not None and NOTICE in stored.content.decode()
    assert (d.total.count, d.total.outstanding, d.total.par30_amount, d.total.average_rate) == (
        live.total.count, live.total.outstanding, live.total.par30_amount, live.total.average_rate)
    assert [(g.key, g.outstanding) for g in d.by_industry] == [(g.key, g.outstanding) for g in live.by_industry]
    assert d.trend == live.trend and d.coverage == live.coverage

    _repay_the_late_loan(book)
    assert client.get(url).context["d"].total.outstanding == live.total.outstanding
    summaries_refresh()
    assert client.get(url).context["d"].total.outstanding < live.total.outstanding


def test_the_institution_home_of_a_large_lender_reads_its_figures_and_register_size(book, large, client_for):
    client, url = client_for("institution"), reverse("institutions:portal")
    live = client.get(url)
    summaries_refresh()
    stored = client.get(url)
    figures, live_figures = stored.context["lending_summary"]["figures"], live.context["lending_summary"]["figures"]
    assert figures.extra["stored_at"] is not None and NOTICE in stored.content.decode()
    assert (figures.active_loans, figures.gross_outstanding, figures.collected, figures.on_time_rate) == (
        live_figures.active_loans, live_figures.gross_outstanding, live_figures.collected, live_figures.on_time_rate)
    assert stored.context["firm_table"].paginator.count == live.context["firm_table"].paginator.count > 0
    # a search counts its own rows
    searched = client.get(url, {"q": "甲一"})
    assert searched.context["firm_table"].paginator.count == 1


def test_a_scope_that_is_no_longer_large_loses_its_summary(book, large, client_for):
    summaries_refresh()
    assert Summary.objects.exists()
    large.SUMMARY_MIN_ROWS = 10**9
    report = summaries_refresh()
    assert report.dropped > 0 and not Summary.objects.exists()
    assert NOTICE not in client_for("finance").get(reverse("clusterfinance:portal")).content.decode()


def test_an_old_summary_is_recomputed_even_without_new_events(book, large):
    summaries_refresh()
    Summary.objects.update(computed_at=timezone.now() - timedelta(days=1))
    assert summaries_refresh().computed == Summary.objects.count()


def test_one_refresh_at_a_time(book, large):
    cache.add(REFRESH_LOCK, 1)
    try:
        assert summaries_refresh().computed == 0 and not Summary.objects.exists()
    finally:
        cache.delete(REFRESH_LOCK)
    assert summaries_refresh().computed > 0
