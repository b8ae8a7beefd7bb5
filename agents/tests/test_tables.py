"""The register of member firms shared by the finance, institution and investor homes: search,
sorting and paging as a user of any of the three portals sees them."""

from datetime import date

import pytest
from django.urls import reverse

from agents.tests.factories import ClusterMembershipFactory
from portals.enterprises.tests.factories import EnterpriseProfileFactory

pytestmark = pytest.mark.django_db
HOMES = [("finance", "clusterfinance:members"), ("institution", "institutions:portal"),
         ("investor", "investors:portal")]


def _member(world, name, *, industry="C33", size="small", joined=date(2024, 1, 1)):
    firm = EnterpriseProfileFactory(agent__name=name, agent__industry_code=industry, agent__size_class=size).agent
    ClusterMembershipFactory(cluster=world.cluster, agent=firm, joined_on=joined)
    return firm


def _names(response):
    return [row.record.name for row in response.context["firm_table"].page.object_list]


@pytest.mark.parametrize(("role", "url_name"), HOMES)
def test_each_firm_links_to_its_dossier_which_opens(client_for, world, role, url_name):
    client = client_for(role)
    page = client.get(reverse(url_name)).content.decode()
    dossier = reverse("infocenter:dossier", args=[world.firm.pk])
    assert f'href="{dossier}"' in page and world.firm.name in page
    assert client.get(dossier).status_code == 200


@pytest.mark.parametrize(("role", "url_name"), HOMES)
def test_search_by_name_credit_code_and_industry(client_for, world, role, url_name):
    textile = _member(world, "锦绣纺织有限公司", industry="C1711")
    client = client_for(role)
    url = reverse(url_name)
    assert _names(client.get(url, {"q": "锦绣"})) == [textile.name]
    assert _names(client.get(url, {"q": textile.credit_code[-8:].lower()})) == [textile.name]
    assert _names(client.get(url, {"q": "C17"})) == [textile.name]  # industry code
    assert _names(client.get(url, {"q": "纺织"})) == [textile.name]  # industry name (纺织业)
    assert set(_names(client.get(url, {"q": "金属制品"}))) == {world.firm.name, world.other_firm.name}
    assert _names(client.get(url, {"q": "没有这家"})) == []
    assert "No member firm found." in client.get(url, {"q": "没有这家"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(("role", "url_name"), HOMES)
def test_a_search_too_long_is_refused_with_a_message_and_the_list_stays(client_for, world, role, url_name):
    response = client_for(role).get(reverse(url_name), {"q": "x" * 101}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()
    assert len(_names(response)) == 2  # nothing filtered


@pytest.mark.parametrize(("role", "url_name"), HOMES)
def test_sort_by_name_industry_size_and_joining_date(client_for, world, role, url_name):
    for firm in (world.firm, world.other_firm):
        firm.cluster_memberships.update(joined_on=date(2023, 6, 1))
    big = _member(world, "甲大型机械有限公司", industry="C34", size="medium", joined=date(2025, 3, 1))
    tiny = _member(world, "乙微型五金有限公司", industry="C33", size="micro", joined=date(2020, 5, 1))
    client, url = client_for(role), reverse(url_name)
    assert _names(client.get(url, {"sort": "size_class"}))[0] == tiny.name
    assert _names(client.get(url, {"sort": "-size_class"}))[0] == big.name  # medium above small and micro
    assert _names(client.get(url, {"sort": "-industry_code"}))[0] == big.name
    assert _names(client.get(url, {"sort": "joined_on"}))[0] == tiny.name
    assert _names(client.get(url, {"sort": "-joined_on"}))[0] == big.name
    by_name = _names(client.get(url, {"sort": "name"}))
    assert by_name == sorted(by_name)
    assert _names(client.get(url, {"sort": "no_such_column"}))  # an unknown column is ignored, not a 500


@pytest.mark.parametrize(("role", "url_name"), HOMES)
def test_the_register_pages_through_the_members(client_for, world, role, url_name):
    for i in range(30):
        _member(world, f"分页企业{i:02d}有限公司")
    client, url = client_for(role), reverse(url_name)
    first, second = client.get(url), client.get(url, {"page": 2})
    assert len(_names(first)) == 25 and len(_names(second)) == 7
    assert not set(_names(first)) & set(_names(second))
    assert "32 firms" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(_names(client.get(url, {"page": 99}))) == 7  # past the end: the last page
    assert len(_names(client.get(url, {"page": "x"}))) == 25


def test_only_the_finance_company_sees_the_members_profile_figures(client_for, world):
    assert "Employees" in client_for("finance").get(reverse("clusterfinance:members"),
                                                    HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for role, url_name in HOMES[1:]:
        page = client_for(role).get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Employees" not in page and "万元" not in page.split('data-testid="firm-table"')[1], role
