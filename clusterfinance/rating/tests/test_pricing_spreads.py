"""The finance company's pricing spread per grade: edited with the scorecard (a new version that
another manager approves), shown to its staff beside the rating on the application review page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clusterfinance.rating.models import ScorecardVersion
from clusterfinance.rating.services import ratings_rescore, scorecard_default_ensure
from lending import services
from lending.tests.factories import make_product
from lending.tests.view_helpers import by_testid

pytestmark = pytest.mark.django_db


def _editor_data(version) -> dict:
    data = {"name": "2026 定价", "notes": "BBB 加点调整", "base": str(version.spec.get("base", 0))}
    for f in version.spec["features"]:
        name = f["name"]
        data[f"{name}__missing"] = f["bins"][-1]["points"]
        if f["type"] == "numeric":
            data[f"{name}__edges"] = ",".join(str(e) for e in f["edges"])
            data[f"{name}__points"] = ",".join(str(b["points"]) for b in f["bins"][:-1])
        else:
            data[f"{name}__points"] = ",".join(f"{c}={b['points']}" for b in f["bins"] if b["kind"] == "categories"
                                               for c in b["categories"])
            data[f"{name}__other"] = "0"
    for row in version.calibration:
        if row["min_score"] is not None:
            data[f"cal_{row['grade']}_min"] = row["min_score"]
        data[f"cal_{row['grade']}_pd"] = row["pd"]
        data[f"spread_{row['grade']}"] = (version.spreads or {}).get(row["grade"], "")
    return data


def test_the_spread_per_grade_is_edited_as_a_new_version(world, client_for):
    v1 = scorecard_default_ensure(finance_company=world.finance_company)
    client = client_for("finance_analyst")
    url = reverse("clusterfinance:rating:version-edit", args=[v1.pk])
    assert 'name="spread_BBB"' in client.get(url).content.decode()
    bad = _editor_data(v1) | {"spread_BBB": "abc"}
    response = client.post(url, bad, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert by_testid(response, "error-spread_BBB") == ["BBB: the spread must be a rate between 0 and 1, e.g. 0.015."]
    assert ScorecardVersion.objects.count() == 1
    response = client.post(url, _editor_data(v1) | {"spread_BBB": "0.0175"})
    assert response.status_code == 302
    draft = ScorecardVersion.objects.get(number=2)
    assert draft.spreads["BBB"] == "0.0175" and draft.status == "draft"
    v1.refresh_from_db()
    assert v1.spreads["BBB"] == "0.0150"  # the version in use is unchanged until the draft is approved


def test_the_review_page_shows_the_spread_to_the_finance_company_only(world, client_for):
    ratings_rescore(agent_ids=[world.firm.pk])
    world.firm.refresh_from_db()
    grade = world.firm.current_grade
    spread = scorecard_default_ensure(finance_company=world.finance_company).spreads.get(grade)
    assert spread  # the default table prices every grade a firm without history can get
    for lender, role, shown in (("finance", "finance", True), ("bank", "institution", False)):
        application = services.application_create(
            product=make_product(world, lender=lender), applicant=world.firm, user=world.users["enterprise"],
            amount="100000", periods=12, annual_rate="0.12", purpose="采购", submit=True)
        page = client_for(role).get(reverse("lending:application-detail", args=[application.pk])).content.decode()
        assert 'data-testid="rating-panel"' in page
        assert ('data-testid="rating-spread"' in page) is shown
