"""The cluster's information-asymmetry card is computed in SQL (``asymmetry_summary_for``): its
figures equal the per-firm computation (``asymmetry_for_agents``) on a small mixed cluster, and it
costs the same number of queries for 3 firms or 40."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from infocenter.constants import FRESH_DAYS
from infocenter.dossier import asymmetry_for_agents, asymmetry_summary_for
from infocenter.models import FirmRecord, Publication
from infocenter.tests.factories import AgentFactory, PublicationFactory, ReportFactory

pytestmark = pytest.mark.django_db


def _pub(subject, category, *, days_old, publisher=None, **extra):
    pub = PublicationFactory(subject=subject, publisher=publisher or subject, category=category, **extra)
    Publication.objects.filter(pk=pub.pk).update(published_at=timezone.now() - timedelta(days=days_old))
    return pub


def _record(firm, kind, *, supplier, days_old, period="2025"):
    return FirmRecord.objects.create(
        agent=firm, kind=kind, period=period, period_type="year", period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31), supplied_by=supplier, updated_at=timezone.now() - timedelta(days=days_old))


def _same(summary, old):
    for key in ("firms", "low_coverage"):
        assert summary[key] == old[key], key
    for key in ("coverage", "fresh_share", "verified_share", "sources"):
        assert (summary[key] is None) == (old[key] is None), key
        if old[key] is not None:
            assert summary[key] == pytest.approx(old[key]), key


def test_the_card_equals_the_per_firm_computation(world):
    firm, other, bank, gov = world.firm, world.other_firm, world.bank, world.gov
    quiet = AgentFactory()  # nothing known about it: coverage 0, below half
    # firm: three categories present, one of them only through the government's records
    _pub(firm, "financial_statements", days_old=10)
    _pub(firm, "financial_statements", days_old=900)  # an older item of the same category
    _pub(firm, "orders_capacity", days_old=FRESH_DAYS)  # exactly at the limit: still up to date
    _pub(firm, "certifications", days_old=FRESH_DAYS + 1)  # one day past: stale
    _record(firm, "tax", supplier=gov, days_old=30)
    _record(firm, "statement", supplier=firm, days_old=2)  # its own record: not an independent source
    _pub(firm, "major_events", days_old=1, status="retracted")  # retracted: does not inform
    _pub(firm, "loan_disclosure", days_old=5, publisher=world.finance_company)  # not expected, but a source
    ReportFactory(reporter=bank, subject=firm, status="verified")
    ReportFactory(reporter=bank, subject=firm, status="unverified")  # same source twice
    ReportFactory(reporter=world.investor, subject=firm, status="rejected")  # rejected: not a source
    # other: four of six categories, so not below half
    for category in ("financial_statements", "tax_paid", "social_insurance", "major_events"):
        _pub(other, category, days_old=500)
    _record(other, "social_insurance", supplier=gov, days_old=3)  # makes social insurance up to date
    ReportFactory(reporter=world.investor, subject=other, status="verified")
    # an institution in the set is not a firm: ignored by both computations
    _pub(bank, "products", days_old=1)

    agents = Agent.objects.filter(pk__in=[firm.pk, other.pk, quiet.pk, bank.pk])
    old = asymmetry_for_agents([firm.pk, other.pk, quiet.pk, bank.pk])["summary"]
    summary = asymmetry_summary_for(agents)
    _same(summary, old)
    # and the numbers a user reads on the card
    assert summary["firms"] == 3 and summary["low_coverage"] == 1  # only the quiet firm
    assert summary["coverage"] == pytest.approx((4 / 6 + 4 / 6 + 0) / 3)
    assert summary["fresh_share"] == pytest.approx((3 / 6 + 1 / 6 + 0) / 3)
    assert summary["verified_share"] == pytest.approx(2 / 4)
    assert summary["sources"] == pytest.approx((3 + 2 + 0) / 3)  # finance company, government, bank / gov, investor


def test_an_empty_set_has_no_figures(world):
    summary = asymmetry_summary_for(Agent.objects.none())
    _same(summary, asymmetry_for_agents([])["summary"])
    assert summary["firms"] == 0 and summary["coverage"] is None


def test_the_card_costs_the_same_for_few_or_many_firms(world, django_assert_num_queries):
    def build(n):
        firms = [AgentFactory() for _ in range(n)]
        for agent in firms:
            _pub(agent, "tax_paid", days_old=3)
            _record(agent, "statement", supplier=world.gov, days_old=700)
            ReportFactory(subject=agent, reporter=world.bank)
        return Agent.objects.filter(pk__in=[a.pk for a in firms]).values("pk")

    few, many = build(3), build(40)
    with django_assert_num_queries(4) as captured:
        asymmetry_summary_for(Agent.objects.filter(pk__in=few))
    with django_assert_num_queries(4):
        figures = asymmetry_summary_for(Agent.objects.filter(pk__in=many))
    assert figures["firms"] == 40 and figures["coverage"] == pytest.approx(2 / 6)
    # the firm ids go to the database as a subquery, never as a list of ids
    assert all(sql.count("%s") < 20 and sql.count(",") < 200 for sql in (q["sql"] for q in captured.captured_queries))


def test_the_finance_home_card_follows_what_the_centre_learns(world, client_for):
    """The card's figures come from the cache only while nothing they read has changed."""
    from django.core.cache import cache

    from infocenter.services import publication_retract

    cache.clear()
    client = client_for("finance")

    def coverage():
        page = client.get("/finance/members/").content.decode()
        return page.split('data-testid="cluster-coverage">')[1].split("<")[0]

    assert coverage() == "0.0%"
    pub = _pub(world.firm, "financial_statements", days_old=3)
    assert coverage() == "8.3%"  # 1 of 6 categories of one of two firms
    assert coverage() == "8.3%"  # from the cache
    publication_retract(publication=pub, author=None, reason="报错")
    assert coverage() == "0.0%"
