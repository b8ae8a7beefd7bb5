"""The simulation page: finance company and government only, small runs, bad input refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

URL = reverse("clusterfinance:simulation")
SMALL = "?firms=40&months=12&seeds=2&seed=3&scenario=baseline&delay_months=0"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["finance", "government"])
def test_the_page_shows_both_arms_side_by_side(client_for, role):
    response = client_for(role).get(URL + SMALL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-metric="default_rate"' in html and 'data-testid="simulation-checks"' in html
    rows = response.context["rows"]
    assert [r["metric"] for r in rows][0] == "default_rate"
    assert response.context["params"] == {"firms": 40, "months": 12, "seed": 3, "seeds": 2,
                                          "scenario": "baseline", "delay_months": 0, "groups": False}
    assert len(response.context["per_seed"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["enterprise", "institution", "investor"])
def test_other_agents_get_404(client_for, role):
    assert client_for(role).get(URL + SMALL).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "?firms=5000&months=12&seeds=1&seed=1&scenario=baseline&delay_months=0",
    "?firms=abc&months=12&seeds=1&seed=1&scenario=baseline&delay_months=0",
    "?firms=100&months=12&seeds=1&seed=1&scenario=nonsense&delay_months=0",
    "?firms=1000&months=120&seeds=20&seed=1&scenario=baseline&delay_months=0",  # above the page's cap
])
def test_bad_input_gives_an_error_and_runs_nothing(client_for, query):
    response = client_for("finance").get(URL + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "result" not in response.context


@pytest.mark.django_db
def test_the_cap_error_is_translated(client_for):
    query = "?firms=1000&months=120&seeds=20&seed=1&scenario=baseline&delay_months=0"
    response = client_for("finance").get(URL + query, HTTP_ACCEPT_LANGUAGE="en")
    assert "at most 36,000" in response.content.decode()


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_size_of_the_run(client_for):
    client = client_for("finance")
    counts = []
    for firms in (40, 120):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL + SMALL.replace("firms=40", f"firms={firms}")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
