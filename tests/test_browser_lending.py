"""Browser journey through the lending pages: a firm applies and sees the schedule
before submitting, the bank's loan officer reviews, the bank's manager approves (maker-checker:
not the reviewer), the firm signs, the officer disburses (not the approver), the firm repays the
first instalment and sees how it was allocated, and the bank's loan book shows it paid."""

from io import StringIO

import pytest
from django.utils import timezone

from lending import services
from lending.choices import RepaymentMethod
from lending.models import Loan, Repayment
from lending.schedules import add_months
from platform4a1c.demo import DEMO_PASSWORD, registry
from tests.conftest import login, logout, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRM = "enterprise@demo.4a1c.cn"
OFFICER = "bank@demo.4a1c.cn"
MANAGER = "bank-manager@demo.4a1c.cn"


@pytest.fixture
def demo(transactional_db):
    world: dict = {}
    registry.seed(world, StringIO())
    bank = world["institutions"][0]
    from agents.choices import Role

    product = services.product_create(
        lender=bank, user=world["users"][Role.INST_MANAGER], name="助企经营贷", min_amount="10000",
        max_amount="3000000", min_periods=3, max_periods=36, method=RepaymentMethod.EQUAL_INSTALMENT,
        rate_min="0.0345", rate_max="0.08", description="面向集群成员企业的流动资金贷款，按月等额本息还款。")
    return {"world": world, "bank": bank, "product": product}


def switch_user(page, email: str) -> None:
    logout(page)
    login(page, email, DEMO_PASSWORD)


def test_firm_applies_bank_reviews_approves_disburses_firm_repays(browser_page, demo):
    page = browser_page
    product = demo["product"]

    # --- the firm finds the product and writes the application; the preview follows the input
    login(page, FIRM, DEMO_PASSWORD)
    assert page.locator("[data-testid=my-loans-card]").is_visible()
    page.click("[data-testid=nav-loans]")
    page.click("[data-testid=nav-catalogue]")
    screenshot(page, "lending-0-catalogue")
    page.click(f"[data-testid=apply-{product.pk}]")
    page.fill("#id_amount", "120000")
    page.fill("#id_periods", "12")
    page.fill("#id_purpose", "采购不锈钢板材，完成出口订单")
    page.wait_for_function("document.querySelectorAll('[data-testid=schedule-row]').length === 12")
    page.fill("#id_periods", "6")  # the preview follows the term
    page.wait_for_function("document.querySelectorAll('[data-testid=schedule-row]').length === 6")
    page.fill("#id_periods", "12")
    page.wait_for_function("document.querySelectorAll('[data-testid=schedule-row]').length === 12")
    first_payment = page.inner_text("[data-testid=first-payment]")
    assert first_payment.startswith("¥10,")
    screenshot(page, "lending-1-apply-with-preview")
    page.click("[data-testid=save-draft]")
    page.wait_for_load_state("networkidle")
    # the draft page shows the schedule again, with the button that submits
    assert page.inner_text("[data-testid=first-payment]") == first_payment
    screenshot(page, "lending-2-draft")
    page.click("[data-testid=submit-application]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=application-status]").inner_text() != ""
    application_url = page.url

    # --- the loan officer reviews
    switch_user(page, OFFICER)
    assert page.locator("[data-testid=lending-card]").is_visible()
    page.click("[data-testid=nav-lending]")
    page.click("[data-testid=nav-queue]")
    screenshot(page, "lending-3a-queue")
    page.locator("[data-testid=queue-row] a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=record-decision]").count() == 0  # an officer does not decide
    page.click("[data-testid=review-start]")
    page.wait_for_load_state("networkidle")
    page.check("input[name=recommendation][value=approve]")
    page.fill("#id_note", "近两年纳税记录良好，出口订单真实，建议批准。")
    page.click("[data-testid=record-review]")
    page.wait_for_load_state("networkidle")
    screenshot(page, "lending-3-reviewed")

    # --- the manager approves (another person than the reviewer)
    switch_user(page, MANAGER)
    page.goto(application_url)
    page.check("input[name=decision][value=approve]")
    page.fill("#id_reason", "同意，按申请金额和期限发放。")
    screenshot(page, "lending-4-decision")
    page.click("[data-testid=record-decision]")
    page.wait_for_load_state("networkidle")

    # --- the firm accepts the offer and signs the contract
    switch_user(page, FIRM)
    page.goto(application_url)
    page.click("[data-testid=accept-offer]")
    page.wait_for_load_state("networkidle")
    loan = Loan.objects.get()
    assert page.url.endswith(f"/lending/loans/{loan.pk}/")

    # --- the officer disburses (the manager approved, so the officer pays out), one month ago
    switch_user(page, OFFICER)
    page.goto(f"/lending/loans/{loan.pk}/")
    start = add_months(timezone.localdate(), -1)
    page.fill("#id_disbursed_on", start.isoformat())
    page.click("[data-testid=disburse]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=instalment-row]").count() == 12
    screenshot(page, "lending-5-disbursed")

    # --- the firm repays the first instalment
    switch_user(page, FIRM)
    page.click("[data-testid=nav-loans]")
    page.click("[data-testid=nav-my-loans]")
    page.locator("[data-testid=loan-row] a").first.click()
    page.click("[data-testid=repay]")
    page.click("[data-testid=fill-due]")
    due = page.input_value("#id_amount")
    screenshot(page, "lending-6-repay")
    page.click("[data-testid=pay]")
    page.wait_for_load_state("networkidle")
    repayment = Repayment.objects.get()
    assert str(repayment.amount) == due
    assert page.inner_text("[data-testid=allocation-total]") == f"¥{repayment.amount:,.2f}"
    screenshot(page, "lending-7-allocation")
    page.goto("/enterprise/")
    assert page.inner_text("[data-testid=summary-outstanding]") == f"¥{120000 - repayment.principal_amount:,.2f}"
    screenshot(page, "lending-7b-enterprise-home")

    # --- the bank's loan book shows it paid
    switch_user(page, MANAGER)
    page.click("[data-testid=nav-lending]")
    page.click("[data-testid=nav-loan-book]")
    row = page.locator(f"[data-testid=loan-row][data-contract='{loan.contract_no}']")
    assert row.locator("[data-testid=paid-count]").inner_text() == "1/12"
    screenshot(page, "lending-8-loan-book")
    page.goto(f"/lending/loans/{loan.pk}/postings/")
    assert page.locator("[data-testid=posting-row]").count() >= 4
    screenshot(page, "lending-8b-postings")
    page.goto("/lending/lender/products/new/")
    screenshot(page, "lending-8c-product-form")
    page.click("[data-testid=nav-lending]")
    page.click("[data-testid=nav-portfolio]")
    page.wait_for_function("document.querySelectorAll('.chart canvas').length >= 2")
    screenshot(page, "lending-9-portfolio")
    page.goto("/institution/")
    assert page.locator("[data-testid=lending-card]").is_visible()
    screenshot(page, "lending-10-institution-home")

    # --- the government supervises: figures on its console, the loans of its region read-only
    switch_user(page, "gov@demo.4a1c.cn")
    assert page.locator("[data-testid=region-loans-card]").is_visible()
    screenshot(page, "lending-11-gov-home")
    page.click("[data-testid=region-book-link]")
    assert page.locator(f"[data-testid=loan-row][data-contract='{loan.contract_no}']").is_visible()
    screenshot(page, "lending-12-region-book")
