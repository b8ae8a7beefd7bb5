"""The lender's pages: products (managers only), the application queue with review and decision
under maker-checker, contract and disbursement, the loan book with filters, portfolio figures,
write-off."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lending import selectors, services
from lending.choices import ApplicationStatus, LoanClass, LoanStatus, RepaymentMethod
from lending.ledger.models import JournalEntry
from lending.models import Instalment, Loan, Product
from lending.tests.factories import make_contract, make_product
from lending.tests.view_helpers import (  # noqa: F401 (fixture `en`)
    by_testid,
    en_fixture,
    loan_started,
    months_ago,
    second_manager,
    text,
)

pytestmark = pytest.mark.django_db


def _submitted(world, lender="bank", **kwargs):
    product = make_product(world, lender, **kwargs)
    return services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                       amount="100000", periods=12, purpose="采购钢材", submit=True)


def _detail(application):
    return reverse("lending:application-detail", args=[application.pk])


# --- products -----------------------------------------------------------------------------------

PRODUCT = {
    "name": "科技贷", "description": "", "borrower_kind": "enterprise", "min_amount": "10000", "max_amount": "1000000",
    "min_periods": "3", "max_periods": "36", "method": "equal_principal", "frequency": "monthly",
    "rate_min": "3.45", "rate_max": "8", "base_rate_name": "", "base_rate": "", "spread": "", "penalty_rate": "",
    "fee_rate": "0.5", "fee_flat": "0", "instalment_multiple": "0.01", "min_rating": "",
    "accepts_platform_payments": "on", "is_active": "on",
}


def test_a_manager_creates_a_product_with_rates_in_percent(world, en):
    response = en("institution").post(reverse("lending:product-create"), PRODUCT)
    assert response.status_code == 302
    product = Product.objects.get(name="科技贷")
    assert product.lender == world.bank
    assert (product.rate_min, product.rate_max, product.fee_rate) == (Decimal("0.0345"), Decimal("0.08"),
                                                                      Decimal("0.005"))
    assert product.method == RepaymentMethod.EQUAL_PRINCIPAL and product.accepts_platform_payments
    page = text(en("institution").get(reverse("lending:lender-products")))
    assert "科技贷" in page and "3.45% – 8%" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"min_amount": "-1"}, "min_amount", "The amount cannot be negative."),
    ({"min_amount": "abc"}, "min_amount", "is not an amount"),
    ({"max_amount": "NaN"}, "max_amount", "is not an amount"),
    ({"min_amount": "5000", "max_amount": "1000"}, "max_amount", "The maximum amount is below the minimum."),
    ({"min_periods": "0"}, "min_periods", "at least one period"),
    ({"min_periods": "12", "max_periods": "6"}, "max_periods", "The longest term is below the shortest."),
    ({"rate_min": "9", "rate_max": "8"}, "rate_max", "The highest rate is below the lowest."),
    ({"rate_max": "150"}, "rate_max", "An annual rate above 100% is not plausible"),
    ({"rate_min": ""}, "rate_min", "This field is required."),
    ({"base_rate": "3.45"}, "spread", "Give both the base rate and the spread, or neither."),
    ({"base_rate": "3.45", "spread": "6"}, "spread", "Base rate + spread must lie within the product's rate range."),
    ({"method": "bullet", "instalment_multiple": "100"}, "instalment_multiple", "Instalment rounding applies"),
    ({"method": "balloon"}, "method", "Select a valid choice."),
])
def test_bad_product_input_is_explained_and_saves_nothing(world, en, changes, field, message):
    response = en("institution").post(reverse("lending:product-create"), {**PRODUCT, **changes})
    assert response.status_code == 200
    errors = by_testid(response, f"error-{field}")
    assert errors and message in errors[0], errors
    assert not Product.objects.exists()


def test_only_managers_manage_products(world, en, client):
    product = make_product(world, "bank")
    client.force_login(world.users["institution_officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("lending:lender-products"))
    assert product.name in text(page) and not by_testid(page, "new-product")
    assert "Only a manager creates or changes products." in text(page)
    assert client.get(reverse("lending:product-create")).status_code == 404
    assert client.post(reverse("lending:product-create"), PRODUCT).status_code == 404
    assert client.get(reverse("lending:product-edit", args=[product.pk])).status_code == 404
    # another lender's manager cannot reach the bank's product
    assert en("finance").get(reverse("lending:product-edit", args=[product.pk])).status_code == 404


def test_editing_a_product_keeps_running_loans_on_their_contract(world, en):
    loan = loan_started(world, 1, rate="0.12")
    product = loan.product
    url = reverse("lending:product-edit", args=[product.pk])
    page = en("institution").get(url)
    assert 'value="24"' in page.content.decode()  # the rate shown in percent (0.24 → 24)
    data = {**PRODUCT, "name": product.name, "method": product.method, "rate_min": "5", "rate_max": "10",
            "min_amount": "1000", "max_amount": "5000000", "min_periods": "1", "max_periods": "360", "fee_rate": "0"}
    assert en("institution").post(url, data).status_code == 302
    product.refresh_from_db()
    loan.refresh_from_db()
    assert (product.rate_min, product.rate_max) == (Decimal("0.05"), Decimal("0.1"))
    assert loan.annual_rate == Decimal("0.12")


# --- the queue, review and decision (maker-checker) ---------------------------------------------

def test_queue_shows_submitted_applications_and_counts(world, en, client):
    submitted = _submitted(world)
    services.application_create(product=submitted.product, applicant=world.firm, user=world.users["enterprise"],
                                amount="77777", periods=6, purpose="草稿")  # a draft: invisible to the lender
    page = en("institution").get(reverse("lending:queue"))
    assert by_testid(page, "count-open") == ["1"]
    rows = by_testid(page, "queue-row")
    assert len(rows) == 1 and "100,000.00" in rows[0] and "77,777" not in text(page)
    # another lender sees nothing of it
    assert not by_testid(en("finance").get(reverse("lending:queue")), "queue-row")


def test_officer_reviews_and_cannot_decide(world, en, client):
    application = _submitted(world)
    client.force_login(world.users["institution_officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(_detail(application))
    assert by_testid(page, "review-start") and by_testid(page, "record-review")
    assert not by_testid(page, "record-decision")

    client.post(_detail(application), {"action": "review_start"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert application.reviewed_by == world.users["institution_officer"]

    # a review needs a note
    response = client.post(_detail(application), {"action": "review", "recommendation": "approve", "note": " "})
    assert "This field is required." in by_testid(response, "error-note")[0]
    client.post(_detail(application), {"action": "review", "recommendation": "approve", "note": "流水正常，订单真实"})
    application.refresh_from_db()
    assert application.reviewed_at is not None and application.review_recommendation == "approve"

    # the officer may not decide: no form, and a forged POST is refused by the engine
    page = client.get(_detail(application))
    assert not by_testid(page, "record-decision")
    response = client.post(_detail(application), {"action": "decide", "decision": "approve"})
    assert "Only a manager of the lender may approve or reject applications." in by_testid(response, "form-error")[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW

    # the manager sees the review and decides
    page = en("institution").get(_detail(application))
    assert "流水正常，订单真实" in text(page) and by_testid(page, "record-decision")


def test_manager_who_reviewed_may_not_decide_and_is_told_why(world, en):
    application = _submitted(world)
    manager = en("institution")
    manager.post(_detail(application), {"action": "review", "recommendation": "approve", "note": "我审查过"})
    application.refresh_from_db()
    assert application.reviewed_by == world.users["institution"]

    page = manager.get(_detail(application))
    assert not by_testid(page, "record-decision")
    assert "another manager must approve or reject it (maker-checker)" in by_testid(page, "maker-checker-note")[0]

    response = manager.post(_detail(application), {"action": "decide", "decision": "approve"})
    assert "cannot also decide it (maker-checker)" in by_testid(response, "form-error")[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW and application.decided_by is None


def test_a_manager_waits_for_the_review(world, en):
    application = _submitted(world)
    page = en("institution").get(_detail(application))
    assert by_testid(page, "waiting-review") and not by_testid(page, "record-decision")
    response = en("institution").post(_detail(application), {"action": "decide", "decision": "approve"})
    assert "must be reviewed before a decision" in by_testid(response, "form-error")[0]


def _reviewed(world, **kwargs):
    application = _submitted(world, **kwargs)
    services.application_review(application=application, user=world.users["institution_officer"],
                                recommendation="approve", note="经营正常")
    return application


def test_manager_approves_a_lower_amount_and_the_borrower_accepts(world, en):
    application = _reviewed(world)
    response = en("institution").post(_detail(application), {
        "action": "decide", "decision": "approve", "reason": "", "amount": "80000", "periods": "12",
        "annual_rate": "6"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert (application.approved_amount, application.approved_rate) == (Decimal("80000.00"), Decimal("0.06"))

    page = en("enterprise").get(_detail(application))
    assert by_testid(page, "accept-offer") and "80,000.00" in by_testid(page, "approved-terms")[0]
    assert by_testid(page, "first-payment")  # the schedule of the approved terms
    response = en("enterprise").post(_detail(application), {"action": "accept"})
    loan = Loan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lending:loan-detail", args=[loan.pk])
    assert (loan.status, loan.principal, loan.borrower) == (LoanStatus.CONTRACTED, Decimal("80000.00"), world.firm)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision": "reject", "reason": ""}, "reason", "Give the reasons for the rejection"),
    ({"decision": "approve", "amount": "200000"}, "amount", "cannot exceed the amount applied for"),
    ({"decision": "approve", "amount": "-5"}, "amount", "cannot be negative"),
    ({"decision": "approve", "amount": "NaN"}, "amount", "is not an amount"),
    ({"decision": "approve", "annual_rate": "30"}, "annual_rate", "between 0% and 24%"),
    ({"decision": "approve", "periods": "0"}, "periods", "at least one period"),
    ({"decision": "maybe"}, "decision", "Select a valid choice."),
])
def test_bad_decisions_are_explained_and_change_nothing(world, en, data, field, message):
    application = _reviewed(world)
    response = en("institution").post(_detail(application), {"action": "decide", **data})
    errors = by_testid(response, f"error-{field}")
    assert errors and message in errors[0], errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_rejection_reasons_reach_the_borrower(world, en):
    application = _reviewed(world)
    en("institution").post(_detail(application), {"action": "decide", "decision": "reject",
                                                   "reason": "资产负债率过高"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    page = en("enterprise").get(_detail(application))
    assert "资产负债率过高" in by_testid(page, "decision-reason")[0]
    assert not by_testid(page, "accept-offer")


def test_an_investor_lender_decides_alone(world, en):
    # a private investor of the cluster lends to its member firms
    investor_user = world.users["investor"]
    product = services.product_create(lender=world.investor, user=investor_user, name="民间借款", min_amount="1000",
                                      max_amount="100000", min_periods=1, max_periods=12,
                                      method=RepaymentMethod.BULLET, rate_min="0.08", rate_max="0.12")
    application = services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                              amount="20000", periods=6, purpose="周转", submit=True)
    page = en("investor").get(_detail(application))
    assert by_testid(page, "record-decision") and not by_testid(page, "record-review")
    en("investor").post(_detail(application), {"action": "decide", "decision": "approve"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


# --- contract and disbursement -------------------------------------------------------------------

def test_approver_cannot_disburse_and_is_told_so(world, en):
    loan = make_contract(world, lender="bank")
    assert loan.approved_by == world.users["institution"]
    url = reverse("lending:loan-detail", args=[loan.pk])
    page = en("institution").get(url)
    assert not by_testid(page, "disburse")
    assert "a colleague must disburse it (maker-checker)" in by_testid(page, "maker-checker-note")[0]
    response = en("institution").post(url, {"action": "disburse", "disbursed_on": timezone.localdate().isoformat(),
                                            "idempotency_key": "5f0c2c43-8f3c-4d8e-9d7a-1b2c3d4e5f60"})
    assert "cannot also disburse it (maker-checker)" in by_testid(response, "form-error")[0]
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED and not JournalEntry.objects.filter(loan=loan).exists()


def test_officer_disburses_once_even_when_the_form_is_sent_twice(world, en, client):
    loan = make_contract(world, lender="bank", amount="12000.00", periods=12)
    client.force_login(world.users["institution_officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("lending:loan-detail", args=[loan.pk])
    page = client.get(url)
    assert by_testid(page, "disburse")
    key = "0b8e1f0e-3c1f-4f55-9f1b-6d0d6c7b9a10"
    start = months_ago(1)
    for _ in range(2):  # a double click
        response = client.post(url, {"action": "disburse", "disbursed_on": start.isoformat(), "idempotency_key": key})
        assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.disbursed_on == start
    assert JournalEntry.objects.filter(loan=loan, kind="disbursement").count() == 1
    assert Instalment.objects.filter(loan=loan).count() == 12
    page = client.get(url)
    assert len(by_testid(page, "instalment-row")) == 12 and not by_testid(page, "disburse")


@pytest.mark.parametrize(("value", "message"), [
    ("2026-02-30", "is not a valid date"),
    ("30/02/2026", "is not a valid date"),
    ("2999-01-01", "outside the years"),
    ("", "This field is required."),
])
def test_bad_disbursement_dates_are_explained(world, en, client, value, message):
    loan = make_contract(world, lender="bank")
    client.force_login(world.users["institution_officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("lending:loan-detail", args=[loan.pk]), {
        "action": "disburse", "disbursed_on": value, "idempotency_key": "0b8e1f0e-3c1f-4f55-9f1b-6d0d6c7b9a10"})
    assert message in by_testid(response, "error-disbursed_on")[0]
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED


def test_a_future_disbursement_date_is_refused(world, en, client):
    loan = make_contract(world, lender="bank")
    client.force_login(world.users["institution_officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    tomorrow = timezone.localdate().toordinal() + 1
    response = client.post(reverse("lending:loan-detail", args=[loan.pk]), {
        "action": "disburse", "disbursed_on": date.fromordinal(tomorrow).isoformat(),
        "idempotency_key": "0b8e1f0e-3c1f-4f55-9f1b-6d0d6c7b9a10"})
    assert "cannot be in the future" in by_testid(response, "error-disbursed_on")[0]


def test_a_tampered_idempotency_key_is_refused(world, en, client):
    loan = make_contract(world, lender="bank")
    client.force_login(world.users["institution_officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("lending:loan-detail", args=[loan.pk]), {
        "action": "disburse", "disbursed_on": timezone.localdate().isoformat(), "idempotency_key": "disbursement:1"})
    assert "reload the page" in text(response)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED


# --- the loan book -------------------------------------------------------------------------------

def test_loan_book_filters_and_delinquency_columns(world, en):
    late = loan_started(world, 5, amount="50000.00")
    services.delinquency_run()
    on_time = loan_started(world, 0, amount="20000.00")
    late.refresh_from_db()
    assert late.dpd > 90 and late.loan_class == LoanClass.SUBSTANDARD

    url = reverse("lending:loan-book")
    rows = by_testid(en("institution").get(url), "loan-row")
    assert len(rows) == 2
    late_row = next(r for r in rows if late.contract_no in r)
    assert "¥" in late_row and str(late.dpd) in late_row and "Substandard" in late_row

    def contracts(**query):
        return [r.split()[0] for r in by_testid(en("institution").get(url, query), "loan-row")]

    assert contracts(loan_class="substandard") == [late.contract_no]
    assert contracts(loan_class="normal") == [on_time.contract_no]
    assert contracts(bucket="91-180") == [late.contract_no]
    assert contracts(bucket="current") == [on_time.contract_no]
    assert contracts(status="closed") == []
    assert contracts(q=late.contract_no) == [late.contract_no]
    assert set(contracts(borrower=world.firm.pk)) == {late.contract_no, on_time.contract_no}
    assert contracts(product=on_time.product_id) == [on_time.contract_no]
    # a filter value that is not a choice is explained, not a crash
    page = en("institution").get(url, {"loan_class": "excellent"})
    assert page.status_code == 200 and "Select a valid choice" in text(page)
    # the finance company does not see the bank's loans in its own book
    assert not by_testid(en("finance").get(url), "loan-row")


def test_loan_book_runs_a_fixed_number_of_queries(world, en, django_assert_max_num_queries):
    product = make_product(world, "bank")
    for _n in range(12):
        loan_started(world, 3, product=product)
    services.delinquency_run()
    client = en("institution")
    client.get(reverse("lending:loan-book"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("lending:loan-book"), {"status": "active"})
    assert len(by_testid(response, "loan-row")) == 12


def test_queue_runs_a_fixed_number_of_queries(world, en, django_assert_max_num_queries):
    product = make_product(world, "bank")
    for n in range(30):
        application = services.application_create(product=product, applicant=world.firm,
                                                  user=world.users["enterprise"], amount=f"{20000 + n}", periods=6,
                                                  purpose="周转", submit=True)
        if n % 3 == 0:
            services.application_review(application=application, user=world.users["institution_officer"],
                                        recommendation="approve", note="ok")
    client = en("institution")
    client.get(reverse("lending:queue"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("lending:queue"))
    assert len(by_testid(response, "queue-row")) == 25


# --- portfolio -----------------------------------------------------------------------------------

def test_portfolio_page_shows_the_engine_figures_and_chart_data(world, en):
    loan_started(world, 5, amount="50000.00")
    loan_started(world, 0, amount="30000.00")
    services.delinquency_run()
    figures = selectors.portfolio_figures(lender=world.bank)
    response = en("institution").get(reverse("lending:portfolio"))
    assert response.status_code == 200
    assert by_testid(response, "fig-par30") == [f"{figures.par30 * 100:.2f}%"]
    assert by_testid(response, "fig-npl") == [f"{figures.npl_ratio * 100:.2f}%"]
    assert figures.par30 == Decimal("0.6250")  # 50,000 at risk of 80,000
    ctx = response.context
    bucket_data = json.loads(ctx["chart_bucket"])
    assert sum(Decimal(d["value"]) for d in bucket_data) == figures.gross_outstanding
    monthly = json.loads(ctx["chart_monthly"])
    assert len(monthly) == 24 and sum(Decimal(d["value"]) for d in monthly) == Decimal("80000.00")


# --- write-off -----------------------------------------------------------------------------------

def test_write_off_of_a_non_performing_loan_by_a_manager(world, en, client):
    performing = loan_started(world, 0)
    page = en("institution").get(reverse("lending:loan-write-off", args=[performing.pk]))
    assert by_testid(page, "not-eligible")

    npl = loan_started(world, 6, amount="40000.00")
    services.delinquency_run()
    npl.refresh_from_db()
    assert npl.is_npl
    detail = en("institution").get(reverse("lending:loan-detail", args=[npl.pk]))
    assert by_testid(detail, "write-off")
    url = reverse("lending:loan-write-off", args=[npl.pk])
    response = en("institution").post(url, {"reason": "", "written_off_on": timezone.localdate().isoformat(),
                                            "idempotency_key": "9a3f7b1c-0d2e-4f5a-8b6c-7d8e9f0a1b2c"})
    assert "This field is required." in by_testid(response, "error-reason")[0]
    response = en("institution").post(url, {"reason": "停产", "written_off_on": "2026-02-30",
                                            "idempotency_key": "9a3f7b1c-0d2e-4f5a-8b6c-7d8e9f0a1b2c"})
    assert "is not a valid date" in by_testid(response, "error-written_off_on")[0]
    npl.refresh_from_db()
    assert npl.status == LoanStatus.ACTIVE
    response = en("institution").post(url, {"reason": "企业已停产，担保人无力代偿",
                                            "written_off_on": timezone.localdate().isoformat(),
                                            "idempotency_key": "9a3f7b1c-0d2e-4f5a-8b6c-7d8e9f0a1b2c"})
    assert response.status_code == 302
    npl.refresh_from_db()
    assert npl.status == LoanStatus.WRITTEN_OFF and npl.written_off_amount == Decimal("40000.00")

    # an officer may not write off: no button, and the page answers 404
    client.force_login(world.users["institution_officer"])
    assert client.get(url).status_code == 404
    assert not by_testid(client.get(reverse("lending:loan-detail", args=[npl.pk])), "write-off")
