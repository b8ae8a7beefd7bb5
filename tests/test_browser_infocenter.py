"""Browser journey through the information centre: a bank officer files a late-payment report
about a firm; the firm sees it (a notification) and replies; the finance company verifies it;
the firm's dossier and the hub show it, verified, with the reply beside it."""

import pytest

from agents.tests.factories import PASSWORD
from infocenter.models import Report
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, email):
    page.context.clear_cookies()
    login(page, email, PASSWORD)


def test_late_payment_report_reply_verification_dossier_and_hub(browser_page, world):
    page = browser_page
    firm = world.firm

    # 1. The bank officer files the report from the firm's dossier.
    _as(page, "officer@example.cn")
    page.goto(f"/hub/agents/{firm.pk}/")
    page.click("[data-testid=report-about]")
    page.select_option("select[name=category]", "late_payment")
    page.fill("input[name=title]", "第三期还款逾期 45 天")
    page.fill("textarea[name=evidence]", "贷款合同 YK-2026-001：第三期应于 2026-09-20 还款 12.5 万元，至 11-04 才结清。")
    page.fill("input[name=occurred_on]", "2026-09-20")
    page.click("[data-testid=submit-report]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("[data-testid=report-title]") == "第三期还款逾期 45 天"
    report = Report.objects.get()
    assert (report.reporter, report.subject, report.status) == (world.bank, firm, "unverified")
    assert report.report_type == "negative"  # as the category suggests

    # 2. The firm is told, opens the report from its notifications and replies beside it.
    _as(page, "enterprise@example.cn")
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("[data-testid=nav-notifications]")
    page.click("[data-testid=notification] a")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/hub/reports/{report.pk}/")
    page.fill("textarea[name=reply]", "因下游客户回款延迟，已于 11 月 4 日全部结清，附银行回单。")
    page.click("[data-testid=submit-reply]")
    page.wait_for_load_state("networkidle")
    assert "已于 11 月 4 日全部结清" in page.inner_text("[data-testid=reply]")
    screenshot(page, "infocenter-report-reply")

    # 3. The finance company verifies it from its queue.
    _as(page, "finance@example.cn")
    page.goto("/hub/reports/?tab=queue")
    page.click(f"[data-testid=report][data-pk='{report.pk}'] a")
    page.select_option("select[name=status]", "verified")
    page.fill("textarea[name=note]", "核对银行流水，逾期属实，已结清。")
    page.click("[data-testid=submit-decision]")
    page.wait_for_load_state("networkidle")
    assert "核对银行流水" in page.inner_text("[data-testid=decision]")
    report.refresh_from_db()
    assert report.status == "verified" and report.decided_by_agent == world.finance_company

    # 4. The firm's dossier shows it verified with the reply; the hub lists it for members.
    _as(page, "investor@example.cn")
    page.goto(f"/hub/agents/{firm.pk}/")
    card = page.locator(f"[data-testid=dossier-reports] [data-testid=report][data-pk='{report.pk}']")
    assert card.count() == 1
    assert card.locator("[data-testid=verification]").get_attribute("data-status") == "verified"
    assert "已于 11 月 4 日全部结清" in card.locator("[data-testid=reply]").inner_text()
    screenshot(page, "infocenter-dossier")
    page.goto("/hub/")
    assert page.locator(f"[data-testid=hub-reports] [data-testid=report][data-pk='{report.pk}']").count() == 1
    # …and the government of the region got an alert on its console.
    _as(page, "government@example.cn")
    assert "第三期还款逾期 45 天" in page.inner_text("[data-testid=alerts-card]")
