"""Browser journey of the regional bank model: the bank's manager records that the bank holds
shares of a member firm on the shareholdings page; the firm's loan from the bank is then flagged
related-party and listed there. Screenshot for docs/schemes.md: docs/screenshots/cross-shareholding.png."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents.tests.factories import PASSWORD
from clusterfinance.schemes.cross_shareholding import services
from lending.ledger.services import capital_contribute
from lending.models import Application
from lending.tests.factories import make_contract
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_an_institution_records_a_holding_and_sees_its_related_party_loan(browser_page, world):
    page = browser_page
    capital_contribute(agent=world.bank, amount="5000000.00", on=date(2025, 1, 1), idempotency_key="browser-cap")
    services.cross_shareholding_record(user=world.users["finance"], acting=world.finance_company, holder=world.firm,
                                       held=world.bank, shares=20000, percentage="1.5", since=date(2024, 1, 15))
    login(page, "institution@example.cn", PASSWORD)
    page.goto("/finance/schemes/shareholdings/")
    form = page.locator("[data-testid=holding-form]")
    form.locator("select[name=holder]").select_option(str(world.bank.pk))
    form.locator("select[name=held]").select_option(str(world.firm.pk))
    form.locator("input[name=shares]").fill("800000")
    form.locator("input[name=percentage]").fill("8")
    form.locator("input[name=since]").fill("2023-06-30")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=holdings] tbody tr").count() == 2
    make_contract(world, lender="bank", amount="200000.00")
    assert Application.objects.get().related_party
    page.goto("/finance/schemes/shareholdings/")
    assert page.locator("[data-testid=related] tbody tr").count() == 1
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "cross-shareholding.png"), full_page=True)
    screenshot(page, "cross-shareholding")
