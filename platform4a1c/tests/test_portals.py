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
    response = client_for("finance").get(reverse("clusterfinance:portal"))
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


@pytest.mark.parametrize(("role", "url_name"), [("finance", "clusterfinance:portal"),
                                                 ("institution", "institutions:portal"),
                                                 ("government", "government:portal")])
def test_portal_queries_do_not_grow_with_members(client_for, world, role, url_name, django_assert_max_num_queries):
    client = client_for(role)
    client.get(reverse(url_name))
    for _ in range(30):
        ClusterMembershipFactory(cluster=world.cluster, agent=EnterpriseProfileFactory().agent)
    with django_assert_max_num_queries(25):
        response = client.get(reverse(url_name))
    assert response.status_code == 200
