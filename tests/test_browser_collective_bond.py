"""Browser journey of a collective bond: three member firms took their shares and the
subscription is open; a bank subscribes on the market page; the finance company allocates; the
analyst prepares the settlement and each payment and the manager approves them (maker-checker:
the manager's own preparation offers no approve button); a firm defaults on the second payment,
the guarantor covers it and the lead records a partial recovery (a recovery above the claim is
refused on the page). Screenshots for docs/schemes.md go to docs/screenshots/collective-bond-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.tests.factories import PASSWORD
from clusterfinance.schemes.collective_bond.models import BondDefault, BondPayment, IssueStatus
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

    def as_user(email):
        logout(page)
        login(page, email, PASSWORD)
        page.goto(f"/finance/schemes/bonds/{issue.pk}/")

    def click(action, number=None):
        row = f"tr[data-payment='{number}'] " if number else ""
        page.click(f"{row}form:has(input[value={action}]) button")
        page.wait_for_load_state("networkidle")

    login(page, "finance@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/bonds/{issue.pk}/")
    click("allocate")
    as_user("analyst@example.cn")
    click("prepare_settle")
    assert page.locator("form:has(input[value=settle])").count() == 0  # the preparer cannot approve
    as_user("finance@example.cn")
    click("settle")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.SETTLED and issue.settle_approved_by.email == "finance@example.cn"
    as_user("analyst@example.cn")
    click("prepare_pay", 1)
    as_user("finance@example.cn")
    click("pay", 1)
    assert BondPayment.objects.get(issue=issue, number=1).paid_on is not None
    # firm 乙 cannot pay its part of the second (last) payment: the guarantor pays it
    as_user("analyst@example.cn")
    page.select_option("tr[data-payment='2'] select[name=firm]", label="永康市乙五金有限公司")
    click("default", 2)
    click("prepare_pay", 2)
    as_user("finance@example.cn")
    click("pay", 2)
    d = BondDefault.objects.get(payment__issue=issue)
    assert d.amount > 0
    docs_screenshot(page, "collective-bond-2-issue")

    page.click("[data-testid=defaults] a")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=amount]", "9999999.00")
    page.click("[data-testid=recovery-form] button")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-danger").count() == 1
    d.refresh_from_db()
    assert d.recovered == 0
    page.fill("input[name=amount]", "100000.00")
    page.click("[data-testid=recovery-form] button")
    page.wait_for_load_state("networkidle")
    d.refresh_from_db()
    assert d.recovered == 100000
    assert page.locator("[data-testid=outstanding]").inner_text().startswith("¥")
    docs_screenshot(page, "collective-bond-3-recovery")
