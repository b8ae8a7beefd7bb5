"""Browser journey of a collective bond: three member firms took their shares and the
subscription is open; a bank subscribes on the market page; the finance company allocates,
settles and collects the first coupon on the issue's page. Screenshots for docs/schemes.md go to
docs/screenshots/collective-bond-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.tests.factories import PASSWORD
from clusterfinance.schemes.collective_bond.models import BondPayment, IssueStatus
from clusterfinance.schemes.collective_bond.tests.test_collective_bond import firm, opened
from tests.conftest import login, logout, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def docs_screenshot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def test_a_bank_subscribes_and_the_lead_pays_the_first_coupon(browser_page, world):
    page = browser_page
    firms = [firm(world, "永康市甲五金有限公司"), firm(world, "永康市乙五金有限公司"), firm(world, "永康市丙五金有限公司")]
    issue = opened(world, firms)

    login(page, "institution@example.cn", PASSWORD)
    page.goto("/finance/schemes/bonds/market/")
    page.fill("[data-testid=market] input[name=amount]", "1000000.00")
    page.click("[data-testid=market] button")
    page.wait_for_load_state("networkidle")
    assert issue.subscriptions.get().requested == 1000000
    docs_screenshot(page, "collective-bond-1-market")
    logout(page)

    login(page, "finance@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/bonds/{issue.pk}/")
    for action in ("allocate", "settle"):
        page.click(f"form:has(input[value={action}]) button")
        page.wait_for_load_state("networkidle")
    page.locator("form:has(input[value=pay]) button").first.click()
    page.wait_for_load_state("networkidle")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SETTLED
    assert BondPayment.objects.get(issue=issue, number=1).paid_on is not None
    docs_screenshot(page, "collective-bond-2-issue")
