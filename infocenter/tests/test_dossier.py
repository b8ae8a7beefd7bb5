"""The dossier (freshness per category, completeness) and the information-asymmetry figures
per firm and per set of firms, with exact numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from infocenter.dossier import asymmetry_for_agents, dossier_for
from infocenter.models import Publication
from infocenter.services import publication_create, publication_retract, report_decide, report_file
from infocenter.tests.factories import PublicationFactory, ReportFactory

pytestmark = pytest.mark.django_db


def _pub(world, category, *, days_old=0, visibility="public", subject=None, publisher=None):
    pub = publication_create(subject=subject or world.firm, author=None, publisher=publisher, category=category,
                             title=f"{category} {days_old}", visibility=visibility)
    Publication.objects.filter(pk=pub.pk).update(published_at=timezone.now() - timedelta(days=days_old))
    return pub


def test_freshness_and_completeness_of_what_the_viewer_may_see(world):
    _pub(world, "financial_statements", days_old=30)
    _pub(world, "financial_statements", days_old=400 + 30)  # an older one of the same category
    _pub(world, "tax_paid", days_old=500)  # stale
    _pub(world, "orders_capacity", days_old=3, visibility="consent")  # the investor may not read it
    retracted = _pub(world, "certifications", days_old=1)
    publication_retract(publication=retracted, author=None, reason="证书过期")

    for_investor = dossier_for(world.users["investor"], world.firm)
    states = {c.category: c for c in for_investor.categories}
    assert states["financial_statements"].count == 2 and states["financial_statements"].age_days == 30
    assert states["financial_statements"].freshness == "fresh"
    assert states["tax_paid"].freshness == "stale"
    assert states["orders_capacity"].freshness == "missing"  # hidden from this viewer
    assert states["certifications"].freshness == "missing"  # retracted: no longer informs
    assert for_investor.completeness == pytest.approx(2 / 6)
    assert {c.category for c in for_investor.missing} == {"certifications", "major_events", "orders_capacity",
                                                            "social_insurance"}

    for_government = dossier_for(world.users["government"], world.firm)
    assert for_government.completeness == pytest.approx(3 / 6)
    assert {p.module for p in for_government.publications} == {"enterprise"}


def test_the_dossier_page_groups_by_module_and_shows_reports_with_replies(world, client_for):
    _pub(world, "financial_statements", days_old=10)
    report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"],
                         category="good_relationship", title="合作五年按时还款", evidence="从无逾期")
    report_decide(report=report, decided_by=world.users["finance"], status="verified")
    page = client_for("investor").get(f"/hub/agents/{world.firm.pk}/").content.decode()
    assert 'data-testid="dossier-module-enterprise"' in page and "合作五年按时还款" in page
    assert 'data-testid="completeness">17%<' in page
    assert 'data-testid="own-figures"' not in page  # only on the firm's own dossier


def test_the_firms_own_dossier_says_what_it_should_add(world, client_for):
    _pub(world, "financial_statements", days_old=10)
    _pub(world, "tax_paid", days_old=700)
    page = client_for("enterprise").get(f"/hub/agents/{world.firm.pk}/").content.decode()
    assert 'data-testid="own-figures"' in page
    assert "Social-insurance headcount" in page or "社保" in page
    assert 'data-testid="what-to-add"' in page


def test_asymmetry_figures_per_firm_and_for_the_set(world):
    now = timezone.now()
    firm, other = world.firm, world.other_firm
    for category in ("financial_statements", "tax_paid", "social_insurance"):
        _pub(world, category, days_old=100)
    _pub(world, "orders_capacity", days_old=500)  # present but stale
    # a disclosure by the finance company about the firm: an independent source
    publication_create(subject=firm, publisher=world.finance_company, author=None, category="loan_disclosure",
                       title="贷款记录", visibility="members")
    ReportFactory(reporter=world.bank, subject=firm, status="verified")
    ReportFactory(reporter=world.bank, subject=firm, status="unverified")
    ReportFactory(reporter=world.gov, subject=firm, status="rejected")  # rejected: not a source
    ReportFactory(reporter=world.investor, subject=other, status="verified")

    figures = asymmetry_for_agents([firm.pk, other.pk], now=now)
    by_id = {f.agent_id: f for f in figures["firms"]}
    f = by_id[firm.pk]
    assert f.coverage == pytest.approx(4 / 6)
    assert f.fresh_share == pytest.approx(3 / 6)
    assert f.freshness_days == pytest.approx((100 * 3 + 500) / 4, abs=1)
    assert (f.reports, f.verified, f.verified_share) == (3, 1, pytest.approx(1 / 3))
    assert f.sources == 2  # the finance company (disclosure) and the bank (reports)
    assert len(f.missing) == 2 and len(f.stale) == 1
    o = by_id[other.pk]
    assert (o.coverage, o.verified_share, o.sources, o.freshness_days) == (0.0, 1.0, 1, None)
    s = figures["summary"]
    assert s["firms"] == 2 and s["coverage"] == pytest.approx(2 / 6)
    assert s["verified_share"] == pytest.approx(2 / 4) and s["low_coverage"] == 1


def test_asymmetry_uses_a_constant_number_of_queries(world, django_assert_max_num_queries):
    from infocenter.tests.factories import AgentFactory

    firms = [AgentFactory() for _ in range(30)]
    for agent in firms:
        PublicationFactory(subject=agent)
        ReportFactory(subject=agent, reporter=world.bank)
    with django_assert_max_num_queries(4):
        figures = asymmetry_for_agents([a.pk for a in firms])
    assert figures["summary"]["firms"] == 30


def test_the_asymmetry_pages(world, client_for):
    _pub(world, "financial_statements")
    for role in ("finance", "government"):
        page = client_for(role).get("/hub/asymmetry/").content.decode()
        assert world.firm.name in page and 'data-testid="asymmetry-table"' in page, role
    page = client_for("finance").get("/finance/members/").content.decode()
    assert 'data-testid="asymmetry-summary"' in page and 'data-testid="cluster-coverage">8.3%<' in page
