"""Browser journey of a rotating mutual credit fund: the finance company's staff see a fund of
four member firms by bid, its first round repaid and the second drawn; the staff's attempt to
pay the next advance before the second is repaid is refused with the reason; the staff record
the repayment and the next member draws; a member firm sees the order, the rounds and its turn.
Then the firm's own actions and the close: a firm asks to join an open fund from its portal with
its bid, the staff admit it (its fee paid), it raises its bid, draws first and repays its advance
from its portal; when every advance is repaid the staff close the fund (one prepares, another
approves) and the closing statement is shown. Screenshots for docs/schemes.md go to docs/screenshots/rotating-fund-*.png."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from agents.choices import Role
from agents.tests.factories import PASSWORD, MembershipFactory, UserFactory
from clusterfinance.schemes.rotating_fund import services
from clusterfinance.schemes.rotating_fund.models import FundStatus, JoinRequest, OrderRule, RoundStatus
from clusterfinance.schemes.rotating_fund.tests.test_rotating_fund import _firm
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def docs_screenshot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def test_staff_run_the_rotation_and_a_member_sees_its_turn(browser_page, world):
    page = browser_page
    staff = world.users["finance"]
    firms = [world.firm, world.other_firm, _firm(world, "永康市恒达五金有限公司"), _firm(world, "永康市金杯工贸有限公司")]
    fund = services.fund_create(user=staff, finance_company=world.finance_company, name="永康五金信用互助基金",
                                rule=OrderRule.BID, fee="20000", advance_amount="50000", term_days=60, rate="0.06")
    for firm, bid in zip(firms, ("0.07", "0.09", "0.065", "0.08"), strict=True):
        services.member_admit(user=staff, fund=fund, firm=firm, on=date(2026, 1, 5), bid_rate=bid)
    services.order_fix(user=staff, fund=fund)
    first = services.round_draw(user=staff, fund=fund, on=date(2026, 1, 10))
    services.round_repay(user=staff, fund=fund, rnd=first, on=date(2026, 3, 5))
    second = services.round_draw(user=staff, fund=fund, on=date(2026, 3, 6))

    login(page, "finance@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    assert page.locator("tr[data-round='2']").is_visible()
    assert page.locator("[data-testid='draw']").count() == 0  # no draw offered while round 2 is open
    docs_screenshot(page, "rotating-fund-1-finance")
    page.locator("tr[data-round='2'] input[name='on']").fill("2026-05-04")
    page.locator("tr[data-round='2'] button[value='repay']").click()
    page.wait_for_load_state("networkidle")
    second.refresh_from_db()
    assert second.status == RoundStatus.REPAID
    page.locator("[data-testid='draw'] input[name='on']").fill("2026-05-05")
    page.locator("[data-testid='draw'] button").click()
    page.wait_for_load_state("networkidle")
    assert fund.rounds.count() == 3
    docs_screenshot(page, "rotating-fund-2-third-round")

    page.context.clear_cookies()
    MembershipFactory(agent=firms[2], role=Role.ENTERPRISE_OWNER, user=UserFactory(email="member@example.cn"))
    login(page, "member@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    assert page.locator("[data-testid='my-turn']").is_visible()
    assert page.locator("[data-testid='order'] tbody tr").count() == 4
    docs_screenshot(page, "rotating-fund-3-member")


def test_a_firm_joins_bids_and_repays_and_the_staff_close_the_fund(browser_page, world):
    from django.utils import timezone

    page = browser_page
    staff, today = world.users["finance"], timezone.localdate()
    others = [world.other_firm, _firm(world, "永康市恒达五金有限公司")]
    fund = services.fund_create(user=staff, finance_company=world.finance_company, name="永康五金小额标会",
                                rule=OrderRule.BID, fee="5000", advance_amount="8000", term_days=30, rate="0.05")
    for firm, bid in zip(others, ("0.06", "0.07"), strict=True):
        services.member_admit(user=staff, fund=fund, firm=firm, on=today - timedelta(days=30), bid_rate=bid)

    # the firm finds the open fund on its page and asks to join with its bid
    login(page, "enterprise@example.cn", PASSWORD)
    page.goto("/finance/schemes/rotating/mine/")
    page.locator(f"[data-testid='open-funds'] tr[data-fund='{fund.pk}'] a").click()
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid='join'] input[name='bid_rate']").fill("0.08")
    page.locator("[data-testid='join'] button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid='my-request']").is_visible()
    docs_screenshot(page, "rotating-fund-4-join")
    assert JoinRequest.objects.get(fund=fund).bid_rate == Decimal("0.0800")

    # the staff admit it: its fee is paid into the fund
    page.context.clear_cookies()
    login(page, "finance@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    page.locator(f"[data-testid='requests'] tr[data-request='{world.firm.pk}'] input[name='on']").fill(
        (today - timedelta(days=25)).isoformat())
    page.locator(f"[data-testid='requests'] tr[data-request='{world.firm.pk}'] button[value='admit_request']").click()
    page.wait_for_load_state("networkidle")
    assert fund.members.filter(firm=world.firm, fee_paid=Decimal("5000.00")).exists()

    # the firm raises its bid before the order is fixed
    page.context.clear_cookies()
    login(page, "enterprise@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    page.locator("[data-testid='bid'] input[name='bid_rate']").fill("0.09")
    page.locator("[data-testid='bid'] button").click()
    page.wait_for_load_state("networkidle")
    assert fund.members.get(firm=world.firm).bid_rate == Decimal("0.0900")

    # the highest bid draws first; the firm repays its advance from its portal
    order = services.order_fix(user=staff, fund=fund)
    assert order[0].firm == world.firm
    first = services.round_draw(user=staff, fund=fund, on=today - timedelta(days=20))
    assert first.interest == Decimal("59.18")  # 8000 × 9 % × 30 / 365 = 59.178…
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    assert page.locator("[data-testid='repay'] input[name='amount']").input_value() == "8059.18"
    docs_screenshot(page, "rotating-fund-5-repay")
    page.locator("[data-testid='repay'] button").click()
    page.wait_for_load_state("networkidle")
    first.refresh_from_db()
    assert first.status == RoundStatus.REPAID and first.settled_on == today

    # the two others take their turns; the staff close the fund from its page
    for _ in others:
        rnd = services.round_draw(user=staff, fund=fund, on=today)
        services.round_repay(user=staff, fund=fund, rnd=rnd, on=today)
    page.context.clear_cookies()
    login(page, "finance@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    assert page.locator("[data-testid='preview'] tbody tr").count() == 3
    page.locator("[data-testid='close-prepare'] button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid='close-prepared']").is_visible()
    assert page.locator("[data-testid='close'] button[value='close']").count() == 0  # not by the preparer
    page.context.clear_cookies()
    login(page, "analyst@example.cn", PASSWORD)  # maker-checker: another person approves
    page.goto(f"/finance/schemes/rotating/{fund.pk}/")
    page.locator("[data-testid='close'] button[value='close']").click()
    page.wait_for_load_state("networkidle")
    fund.refresh_from_db()
    assert fund.status == FundStatus.CLOSED
    assert page.locator("[data-testid='statement'] tbody tr").count() == 3
    interest = sum((r.interest for r in fund.rounds.all()), Decimal("0"))
    assert page.locator("[data-testid='statement-total']").inner_text() == f"¥{Decimal('15000.00') + interest:,.2f}"
    assert page.locator("[data-testid='close']").count() == 0
    docs_screenshot(page, "rotating-fund-6-closed")
