"""Browser journeys of two portal homes, with screenshots for the user guide
(docs/screenshots/enterprise-*.png, institution-*.png):

- a firm owner finds what is due next on its desk and replies to a report about it from there;
- an institution officer sees an application with the firm's grade and consent on its home and
  opens it for review."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agents.tests.factories import PASSWORD
from infocenter.services import consent_grant, report_file
from lending import services as lending
from lending.tests.factories import make_loan, make_product
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def docs_screenshot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def test_firm_owner_finds_what_is_due_and_replies_to_a_report(browser_page, world):
    page = browser_page
    loan = make_loan(world, lender="bank", start=date.today() - timedelta(days=20), amount="60000.00")
    report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"], category="late_payment",
                title="上月还款晚到 5 天", evidence="银行流水显示 11 月 20 日到账。")
    login(page, "enterprise@example.cn", PASSWORD)
    page.goto("/enterprise/")
    due = page.locator("[data-testid=desk-due]")
    expect(due).to_contain_text(loan.contract_no)
    first_due = loan.instalments.order_by("due_date").first().due_date.isoformat()
    expect(due).to_contain_text(first_due)
    reports = page.locator("[data-testid=desk-reports]")
    expect(reports).to_contain_text("上月还款晚到 5 天")
    docs_screenshot(page, "enterprise-1-desk")
    reports.get_by_role("link", name="上月还款晚到 5 天").click()
    page.locator("[data-testid=reply-form] textarea").fill("系银行系统延迟入账，我司已于到期日付款，附转账回单。")
    page.click("[data-testid=submit-reply]")
    expect(page.locator("[data-testid=reply]")).to_contain_text("系银行系统延迟入账")
    docs_screenshot(page, "enterprise-2-reply")
    page.goto("/enterprise/")
    expect(page.locator("[data-testid=desk-reports]")).not_to_contain_text("上月还款晚到 5 天")


def test_institution_officer_reviews_an_application_with_consent(browser_page, world):
    page = browser_page
    world.firm.current_grade = "BBB"
    world.firm.save(update_fields=["current_grade"])
    product = make_product(world, "bank", name="科创经营贷")
    application = lending.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                             amount="80000.00", periods=12, annual_rate="0.065",
                                             purpose="购置检测设备", submit=True)
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=date.today() + timedelta(days=60))
    login(page, "officer@example.cn", PASSWORD)
    page.goto("/institution/")
    card = page.locator("[data-testid=inst-applications]")
    expect(card).to_contain_text(world.firm.name)
    expect(card.locator("[data-testid=inst-app-grade]")).to_have_text("BBB")
    expect(card.locator("[data-testid=inst-consent]")).to_have_count(1)
    docs_screenshot(page, "institution-1-home")
    card.get_by_role("link", name=world.firm.name).click()
    expect(page).to_have_url(f"{page.base_url}/lending/applications/{application.pk}/")
    docs_screenshot(page, "institution-2-review")
