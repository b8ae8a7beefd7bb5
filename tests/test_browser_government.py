"""Browser journey of a government supervisor: opens the oversight dashboard, drills from PAR30
into the loans behind it, runs the compliance check, drills into an alert and acknowledges it,
and exports the PDF report. Screenshots for the docs: docs/screenshots/government-*.png."""

from io import StringIO
from pathlib import Path

import pytest

from platform4a1c.demo import DEMO_PASSWORD, government, loans, registry
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOV = "gov@demo.4a1c.cn"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


@pytest.fixture
def demo(transactional_db):
    world: dict = {}
    for step in (registry, loans, government):
        step.seed(world, StringIO())
    return world


def test_supervisor_reads_the_dashboard_drills_into_an_alert_and_exports_the_pdf(browser_page, demo):
    page = browser_page
    login(page, GOV, DEMO_PASSWORD)
    assert page.locator("[data-testid=oversight-figures]").is_visible()
    page.wait_for_function("document.querySelectorAll('.chart canvas').length >= 3")
    _shot(page, "government-1-dashboard")

    page.click("[data-testid=figure-par30]")
    assert page.locator("[data-testid=drill-filters]").inner_text().count("par") == 1
    assert page.locator("[data-testid=loan-row]").count() >= 1
    _shot(page, "government-2-drill-down")

    page.click("[data-testid=nav-compliance]")
    page.click("[data-testid=check-now]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=alert-row]").count() >= 1
    _shot(page, "government-3-alerts")
    page.locator("[data-testid=alert-row] a").first.click()
    if page.locator("[data-testid=acknowledge]").count():
        page.fill("textarea[name=note]", "已安排核查")
        page.click("[data-testid=acknowledge]")
        page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=history-row]").count() >= 1
    _shot(page, "government-4-alert")

    page.goto("/gov/")
    href = page.locator("[data-testid=export-pdf]").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-") and b"STSong-Light" in response.body()
