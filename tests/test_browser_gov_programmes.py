"""Browser journey: a government officer opens an interest-subsidy programme through its form and
funds its budget; the firm owner finds it eligible on its side and applies; the officer sees the
application waiting; a meeting is scheduled, the firm confirms from its invitations."""

from io import StringIO

import pytest

from platform4a1c.demo import DEMO_PASSWORD, registry
from tests.conftest import login, logout, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    registry.seed({}, StringIO())


def test_programme_and_meeting_journey(browser_page, demo):
    page = browser_page
    login(page, "gov@demo.4a1c.cn", DEMO_PASSWORD)
    page.goto("/gov/programmes/new/")
    page.fill("input[name=title]", "五金制造业贷款贴息")
    page.fill("input[name=share]", "30%")
    page.fill("input[name=period_start]", "2026-01-01")
    page.fill("input[name=period_end]", "2026-12-31")
    page.fill("input[name=industries]", "C33")
    page.check("input[name=size_classes][value=small]")
    page.check("input[name=size_classes][value=micro]")
    page.check("input[name=size_classes][value=medium]")
    page.click("[data-testid=programme-form] button")
    page.wait_for_load_state("networkidle")
    assert "/gov/programmes/" in page.url and "五金制造业贷款贴息" in page.inner_text("main")
    page.fill("input[name=amount]", "500000")
    page.locator("form:has(input[name=amount]) button").click()
    page.wait_for_load_state("networkidle")
    assert "¥500,000.00" in page.inner_text("[data-testid=budget-left]")
    screenshot(page, "gov-programme-detail")
    # a meeting for the industry
    page.goto("/gov/meetings/")
    page.fill("input[name=title]", "五金产业融资政策座谈会")
    page.fill("input[name=starts_at]", "2026-12-15T14:30")
    page.fill("input[name=place]", "市政府三楼会议室")
    page.fill("textarea[name=agenda]", "一、贴息政策解读")
    page.click("[data-testid=meeting-form] button")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=industries]", "C33")
    page.locator("form:has(input[name=industries]) button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=invitations] tbody tr").count() > 1
    logout(page)

    login(page, "enterprise@demo.4a1c.cn", DEMO_PASSWORD)
    page.goto("/gov/programmes/open/")
    row = page.locator("[data-testid=open-programmes] tbody tr", has_text="五金制造业贷款贴息")
    assert "不符合条件" not in row.inner_text() or "Not eligible" not in row.inner_text()
    screenshot(page, "firm-programmes")
    row.locator("a").click()
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=apply-form] button")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/gov/programmes/open/")
    assert page.locator("[data-testid=my-applications] tbody tr", has_text="五金制造业贷款贴息").count() == 1
    page.goto("/gov/invitations/")
    page.locator("[data-testid=invitations] button[value=accept]").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "firm-invitations")
    logout(page)

    login(page, "gov@demo.4a1c.cn", DEMO_PASSWORD)
    page.goto("/gov/programmes/")
    page.locator("[data-testid=programmes] a", has_text="五金制造业贷款贴息").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=applications] button[value=prepare]").count() == 1
