"""Browser journey of the feedback loop: a bank officer files a late-payment report about a
rated member firm from its dossier; the finance company verifies it; within seconds the firm's
grade has fallen on its own rating page, with the reason naming the verified report; the finance
company's analyst sees the new rating, its reasons and its trend beside the firm's loan
application. Celery runs eagerly here (the live worker has its own test:
tests/test_rating_loop_live.py). Screenshots for the docs go to docs/screenshots/rating-*.png."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from agents.tests.factories import PASSWORD
from clusterfinance.rating.models import Rating
from clusterfinance.rating.services import ratings_rescore
from clusterfinance.rating.tests.helpers import solid_firm
from infocenter.models import Report
from infocenter.services.events import events_dispatch
from lending import services as lending
from lending.tests.factories import make_product
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TITLE = "第三期还款逾期 45 天"


def docs_screenshot(page, name: str) -> None:
    """A screenshot for docs/rating.md (and the usual copy in test-artifacts/)."""
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def _as(page, email):
    page.context.clear_cookies()
    login(page, email, PASSWORD)


def _history(world, firm):
    """A year of monthly ratings on the same good facts (the trend the pages draw), then today's."""
    today = timezone.localdate()
    for months in range(6, 0, -1):
        day = today - timedelta(days=30 * months)
        at = timezone.make_aware(datetime(day.year, day.month, day.day, 4, 30))
        ratings_rescore(agent_ids=[firm.pk], as_of=day, rated_at=at, trigger="nightly", force=True)
    ratings_rescore(agent_ids=[firm.pk])
    events_dispatch()


def test_verified_late_payment_lowers_the_grade_seen_by_firm_and_analyst(browser_page, world):
    page = browser_page
    firm = world.firm
    solid_firm(world, firm)
    _history(world, firm)
    before = Rating.objects.get(agent=firm, is_current=True)
    application = lending.application_create(
        product=make_product(world, "finance", name="集群成员流动资金贷"), applicant=firm,
        user=world.users["enterprise"], amount="300000", periods=12, annual_rate="0.065",
        purpose="采购不锈钢板材，完成出口订单", submit=True)

    # 1. The bank officer files the report from the firm's dossier.
    _as(page, "officer@example.cn")
    page.goto(f"/hub/agents/{firm.pk}/")
    page.click("[data-testid=report-about]")
    page.select_option("select[name=category]", "late_payment")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=evidence]", "贷款合同 YK-2026-001：第三期 12.5 万元逾期 45 天后才结清，附还款流水。")
    page.fill("input[name=occurred_on]", (date.today() - timedelta(days=60)).isoformat())
    page.click("[data-testid=submit-report]")
    page.wait_for_load_state("networkidle")
    report = Report.objects.get()
    assert (report.reporter, report.subject, report.report_type) == (world.bank, firm, "negative")
    docs_screenshot(page, "rating-1-report-filed")

    # 2. The finance company verifies it from its queue.
    _as(page, "finance@example.cn")
    page.goto("/hub/reports/?tab=queue")
    page.click(f"[data-testid=report][data-pk='{report.pk}'] a")
    page.select_option("select[name=status]", "verified")
    page.fill("textarea[name=note]", "核对银行流水，逾期属实，已结清。")
    page.click("[data-testid=submit-decision]")
    page.wait_for_load_state("networkidle")
    verified_at = time.monotonic()
    report.refresh_from_db()
    assert report.status == "verified"

    # 3. Within seconds the firm's own page shows the lower grade and the report behind it.
    _as(page, "enterprise@example.cn")
    page.goto("/finance/rating/mine/")
    while page.inner_text("[data-testid=grade]").strip() == before.grade and time.monotonic() - verified_at < 5:
        page.wait_for_timeout(300)
        page.reload()
    after = Rating.objects.get(agent=firm, is_current=True)
    assert after.grade != before.grade and after.score < before.score
    assert page.inner_text("[data-testid=grade]").strip() == after.grade
    lowered = page.locator("[data-testid=rating-reasons] [data-code^='negative_reports.']")
    assert lowered.count() == 1
    behind = page.locator(f"[data-testid=rating-report][data-pk='{report.pk}']")
    assert TITLE in behind.inner_text() and behind.get_attribute("data-status") == "verified"
    assert before.grade in page.inner_text("[data-testid=previous-grade]")
    docs_screenshot(page, "rating-2-firm-page")

    # 4. The analyst of the finance company reviews the firm's application with the new rating.
    _as(page, "analyst@example.cn")
    page.goto(f"/lending/applications/{application.pk}/")
    panel = page.locator("[data-testid=rating-panel]")
    assert panel.locator("[data-testid=rating-grade]").inner_text().strip() == after.grade
    assert panel.locator("[data-testid=rating-reasons] [data-code^='negative_reports.']").count() == 1
    assert TITLE in panel.locator(f"[data-testid=rating-report][data-pk='{report.pk}']").inner_text()
    page.wait_for_function("document.querySelector('#rating-trend-panel canvas, #rating-trend-panel svg')")
    assert panel.locator("[data-testid=rating-trend-table] tr").count() >= 2
    docs_screenshot(page, "rating-3-application-review")
