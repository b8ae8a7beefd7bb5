"""The rating pages as users see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agents.tests.factories import ClusterMembershipFactory
from clusterfinance.rating.models import ScorecardVersion
from clusterfinance.rating.services import ratings_rescore, scorecard_default_ensure
from portals.enterprises.tests.factories import EnterpriseProfileFactory

from .helpers import negative_report, solid_firm

pytestmark = pytest.mark.django_db


def test_firm_sees_its_grade_reasons_trend_and_what_would_improve_it(world, client_for):
    solid_firm(world, world.firm)
    ratings_rescore(agent_ids=[world.firm.pk])
    negative_report(world, world.firm, status="verified")
    ratings_rescore(agent_ids=[world.firm.pk])
    page = client_for("enterprise").get(reverse("clusterfinance:rating:mine"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="grade"' in text and 'data-code="negative_reports.' in text
    assert "rating-trend-data" in text and 'data-testid="counterfactual"' in text


def test_firm_without_rating_is_told_so(world, client_for):
    page = client_for("enterprise").get(reverse("clusterfinance:rating:mine"))
    assert 'data-testid="no-rating"' in page.content.decode()


def test_member_list_has_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for("finance")
    url = reverse("clusterfinance:rating:list")
    client.get(url)  # warm the default scorecard and the session
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(30):
        ClusterMembershipFactory(cluster=world.cluster, agent=EnterpriseProfileFactory().agent)
    ratings_rescore(agent_ids=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("/finance/rating/firm/") >= 25


def test_finance_company_reads_a_firm_rating_and_rerates_it(world, client_for):
    client = client_for("finance")
    page = client.post(reverse("clusterfinance:rating:rerate", args=[world.firm.pk]), follow=True)
    assert page.status_code == 200 and 'data-testid="grade"' in page.content.decode()


def test_editor_saves_a_draft_and_another_manager_approves_it(world, client_for):
    from agents.choices import Role
    from agents.tests.factories import MembershipFactory, UserFactory

    v1 = scorecard_default_ensure(finance_company=world.finance_company)
    client = client_for("finance")
    form = client.get(reverse("clusterfinance:rating:version-edit", args=[v1.pk]))
    assert form.status_code == 200
    data = {"name": "2026 版", "notes": "负面报告扣分加重", "base": "380"}
    for f in v1.spec["features"]:
        name = f["name"]
        data[f"{name}__missing"] = f["bins"][-1]["points"]
        if f["type"] == "numeric":
            data[f"{name}__edges"] = ",".join(str(e) for e in f["edges"])
            data[f"{name}__points"] = ",".join(str(b["points"]) for b in f["bins"][:-1])
        else:
            data[f"{name}__points"] = ",".join(f"{c}={b['points']}" for b in f["bins"] if b["kind"] == "categories"
                                               for c in b["categories"])
            data[f"{name}__other"] = "0"
    for row in v1.calibration:
        if row["min_score"] is not None:
            data[f"cal_{row['grade']}_min"] = row["min_score"]
        data[f"cal_{row['grade']}_pd"] = row["pd"]
    bad = dict(data, leverage__points="40, 25")  # one point value short
    page = client.post(reverse("clusterfinance:rating:version-edit", args=[v1.pk]), bad)
    assert page.status_code == 400 and "need" in page.content.decode() or "分" in page.content.decode()
    assert ScorecardVersion.objects.count() == 1
    page = client.post(reverse("clusterfinance:rating:version-edit", args=[v1.pk]), data)
    draft = ScorecardVersion.objects.get(number=2)
    assert page.status_code == 302 and draft.status == "draft" and draft.spec["base"] == 380
    # the author cannot approve; the page does not offer it and a POST is refused
    client.post(reverse("clusterfinance:rating:version", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "draft"
    other = MembershipFactory(agent=world.finance_company, role=Role.FC_MANAGER,
                              user=UserFactory(email="manager2@example.cn")).user
    client.force_login(other)
    client.post(reverse("clusterfinance:rating:version", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "active" and draft.approved_by == other


def test_monitoring_shows_tables_and_exports_csv(world, client_for):
    solid_firm(world, world.firm)
    ratings_rescore(agent_ids=None)
    client = client_for("government")
    page = client.get(reverse("clusterfinance:rating:monitoring"))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="by-cluster"' in text and 'data-testid="backtest"' in text
    export = client.get(reverse("clusterfinance:rating:monitoring") + "?export=backtest&format=csv")
    assert export.status_code == 200 and "AAA" in b"".join(export.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("clusterfinance:rating:monitoring") + "?export=nope").status_code == 400
