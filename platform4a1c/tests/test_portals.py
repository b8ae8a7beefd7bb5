"""Each portal shows its agent's real registry data, with a bounded number of queries."""

import pytest
from django.urls import reverse

from agents.tests.factories import ClusterMembershipFactory
from portals.enterprises.tests.factories import EnterpriseProfileFactory


def test_enterprise_portal_shows_the_firm_register_and_cluster(client_for, world):
    page = client_for("enterprise").get(reverse("enterprises:portal"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert world.firm.name in page and world.firm.credit_code in page
    assert world.cluster.name in page and world.finance_company.name in page
    assert "Small" in page  # size class label
    assert "¥" not in page or "万元" in page  # money shown in 10k yuan


def test_finance_portal_lists_members_with_counts(client_for, world):
    response = client_for("finance").get(reverse("clusterfinance:members"))
    page = response.content.decode()
    assert world.firm.name in page and world.other_firm.name in page
    assert response.context["firms"].count() == 2
    assert world.bank.name in page


def test_government_console_checks_the_small_and_medium_institution_rule(client_for, world):
    response = client_for("government").get(reverse("government:portal"))
    assert response.context["sme_institution_share"] == 1  # the only bank is small
    assert response.context["sme_institution_ok"]


def test_institution_and_investor_portals_show_the_public_register(client_for, world):
    for role, name in (("institution", "institutions:portal"), ("investor", "investors:portal")):
        page = client_for(role).get(reverse(name)).content.decode()
        assert world.firm.name in page, role
        assert world.cluster.name in page, role
    assert "C3" in client_for("investor").get(reverse("investors:portal")).content.decode()


def _grow_cluster(world, n):
    """n more member firms, each with something the centre knows about it (a publication, a
    government record, a report), so every figure on the homes has rows to work through."""
    from datetime import date

    from infocenter.models import FirmRecord
    from infocenter.tests.factories import PublicationFactory, ReportFactory

    for _ in range(n):
        firm = EnterpriseProfileFactory().agent
        ClusterMembershipFactory(cluster=world.cluster, agent=firm)
        PublicationFactory(subject=firm, publisher=firm, category="tax_paid")
        FirmRecord.objects.create(agent=firm, kind="statement", period="2025", period_type="year",
                                  period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), supplied_by=world.gov)
        ReportFactory(subject=firm, reporter=world.bank)


@pytest.mark.parametrize(("role", "url_name"), [("finance", "clusterfinance:members"),
                                                 ("institution", "institutions:portal"),
                                                 ("investor", "investors:portal"),
                                                 ("government", "government:portal")])
@pytest.mark.parametrize("query", ["", "?sort=-joined_on&page=2", "?q=C33&sort=size_class"])
def test_portal_queries_do_not_grow_with_members(client_for, world, role, url_name, query, django_assert_num_queries):
    """The same number of queries with 30 members (more than a page of the firm table) and with 70."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(role)
    _grow_cluster(world, 30)
    client.get(reverse(url_name) + query)  # warm the per-session caches
    cache.clear()  # the finance home's asymmetry card is computed, not read from the cache, both times
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name) + query).status_code == 200
    _grow_cluster(world, 40)
    cache.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse(url_name) + query)
    assert response.status_code == 200
    # 26 at most: the finance page also looks up its stored portfolio summary (one indexed query)
    assert len(few.captured_queries) <= 26
    # members reach the database as subqueries, never as a list of every id
    assert max(q["sql"].count(",") for q in few.captured_queries) < 150
