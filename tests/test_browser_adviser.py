"""Browser journey of the financing adviser: the firm's owner gives its need, compares the
options by their all-in cost (a government interest subsidy counted), and applies from the cheapest, landing on the application form
with the amount and the term filled in. Screenshot for the docs: docs/screenshots/adviser-compare.png."""

from decimal import Decimal
from pathlib import Path

import pytest

from clusterfinance.guarantees.models import GuaranteeFund
from lending.tests.factories import make_product
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_compare_and_apply_from_the_cheapest(world, browser_page):
    from agents.tests.factories import PASSWORD

    GuaranteeFund.objects.create(cluster=world.cluster, fee_rate=Decimal("0.0100"), coverage_cap=Decimal("0.8000"))
    cheapest = make_product(world, "bank", name="科创贷", rate_min="0.0385", rate_max="0.0385")
    make_product(world, name="周转贷", rate_min="0.06", rate_max="0.06", fee_rate="0.005")
    make_product(world, name="优质企业贷", rate_min="0.035", rate_max="0.035", min_grade="AA")
    from datetime import timedelta

    from django.utils import timezone

    from portals.government import services_programmes as programmes

    today = timezone.localdate()
    subsidy = programmes.programme_create(user=world.users["government"], government=world.gov,
                                          kind="interest_subsidy", title="制造业贷款贴息", share="0.3",
                                          period_start=today, period_end=today + timedelta(days=400))
    programmes.programme_fund(user=world.users["government"], programme=subsidy, amount="100000.00", on=today,
                              idempotency_key="adviser-journey-subsidy")
    page = browser_page
    login(page, world.users["enterprise"].email, PASSWORD)
    page.goto("/finance/schemes/adviser/")
    page.fill("#id_amount", "abc")
    page.fill("#id_months", "12")
    page.click("[data-testid=need-form] button")
    assert page.locator("[data-testid=error-amount]").count() == 1
    page.fill("#id_amount", "300000")
    page.fill("#id_purpose", "采购原材料")
    page.click("[data-testid=need-form] button")
    page.wait_for_selector("[data-testid=eligible] [data-testid=option]")
    first = page.locator("[data-testid=eligible] [data-testid=option]").first
    assert "科创贷" in first.inner_text()
    assert page.locator("[data-testid=reason]").count() >= 1  # the grade-gated product, with why
    assert page.locator("[data-testid=eligible] [data-testid=subsidy]").count() >= 3  # every loan counts it
    assert "制造业贷款贴息" in page.locator("[data-testid=subsidy-offers]").inner_text()
    assert "¥300,000.00" in page.locator("h2").first.inner_text()
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "adviser-compare.png"), full_page=True)
    first.locator("a.btn").click()
    page.wait_for_load_state("networkidle")
    assert f"/lending/products/{cheapest.pk}/apply/" in page.url
    assert page.input_value("input[name=amount]") == "300000.00"
    assert page.input_value("input[name=periods]") == "12"
