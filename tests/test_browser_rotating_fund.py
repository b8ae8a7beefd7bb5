"""Browser journey of a rotating mutual credit fund: the finance company's staff see a fund of
four member firms by bid, its first round repaid and the second drawn; the staff's attempt to
pay the next advance before the second is repaid is refused with the reason; the staff record
the repayment and the next member draws; a member firm sees the order, the rounds and its turn.
Screenshots for docs/schemes.md go to docs/screenshots/rotating-fund-*.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents.choices import Role
from agents.tests.factories import PASSWORD, MembershipFactory, UserFactory
from clusterfinance.schemes.rotating_fund import services
from clusterfinance.schemes.rotating_fund.models import OrderRule, RoundStatus
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
