"""Browser check of the finance company's dashboard: the staff member logs in, sees the figures
with their charts drawn (ECharts canvases beside the tables), filters by grade, and drills down
from PAR30 to the loans behind it. Screenshot for the docs: docs/screenshots/finance-dashboard.png."""

from pathlib import Path

import pytest

from clusterfinance.dashboard.tests.test_dashboard import AS_OF, grow
from lending.services import delinquency_run
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_the_dashboard_draws_its_charts_and_drills_down(world, browser_page):
    from agents.tests.factories import PASSWORD

    for tag in ("一", "二"):
        grow(world, tag)
    delinquency_run(as_of=AS_OF)
    # the repayments re-scored the firms (the rating runs on commit here): put the grades back
    from agents.models import Agent

    for prefix, grade in (("甲", "AA"), ("乙", "BB"), ("丙", "")):
        Agent.objects.filter(name__startswith=prefix, kind="enterprise").update(current_grade=grade)
    page = browser_page
    login(page, world.users["finance"].email, PASSWORD)
    page.goto("/finance/")
    page.wait_for_selector("#chart-grade canvas")
    assert page.locator("#chart-class canvas").count() and page.locator("#chart-industry canvas").count()
    assert page.locator("[data-testid=by-grade] tr[data-key=AA]").count() == 1
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "finance-dashboard.png"), full_page=True)
    page.select_option("#id_grade", "BB")
    page.click("[data-testid=dashboard-filters] button")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=by-grade] tbody tr").count() == 1
    page.click("[data-testid=fig-par30]")
    page.wait_for_load_state("networkidle")
    assert "/finance/dashboard/loans/" in page.url and "grade=BB" in page.url
    assert page.locator("[data-testid=loan-row]").count() == 2  # the BB firm's loan 35 days late, twice grown
    screenshot(page, "finance-dashboard-drill-down")
