"""Browser journey of the simulation page: the finance company's staff member runs a small
simulation, sees both charts drawn beside their tables, then the government runs a scenario.
Screenshot for the docs: docs/screenshots/simulation.png."""

from pathlib import Path

import pytest

from tests.conftest import login, logout, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_a_simulation_runs_and_draws_its_charts(world, browser_page):
    from agents.tests.factories import PASSWORD

    page = browser_page
    login(page, world.users["finance"].email, PASSWORD)
    page.goto("/finance/simulation/")
    page.fill("#id_firms", "120")
    page.fill("#id_months", "36")
    page.fill("#id_seeds", "4")
    page.click("[data-testid=simulate]")
    page.wait_for_selector("#sim-compare canvas")
    assert page.locator("#sim-monthly canvas").count() == 1
    assert page.locator("[data-testid=simulation-results] tr[data-metric=default_rate]").count() == 1
    assert page.locator("[data-testid=simulation-seeds] tbody tr").count() == 4
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "simulation.png"), full_page=True)
    page.fill("#id_firms", "1000")
    page.fill("#id_months", "120")
    page.fill("#id_seeds", "20")
    page.click("[data-testid=simulate]")
    page.wait_for_selector("[data-testid=simulation-errors]")
    logout(page)
    login(page, world.users["government"].email, PASSWORD)
    page.goto("/finance/simulation/?firms=60&months=24&seeds=2&seed=1&scenario=bad_year&delay_months=0")
    page.wait_for_selector("#sim-compare canvas")
    screenshot(page, "simulation-government-bad-year")
