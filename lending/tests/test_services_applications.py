"""Products, applications and maker-checker."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lending import selectors, services
from lending.choices import ApplicationStatus, LoanStatus
from lending.models import Application, Loan, Product
from lending.tests.factories import make_contract, make_product

pytestmark = pytest.mark.django_db
D = Decimal


def apply(world, product, **kwargs):
    args = {"amount": "100000", "periods": 12, "annual_rate": "0.06", "purpose": "扩大生产", "submit": True}
    args.update(kwargs)
    return services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"], **args)


def test_product_needs_a_manager_and_valid_ranges(world):
    with pytest.raises(PermissionDenied):
        services.product_create(
            lender=world.finance_company, user=world.users["finance_analyst"], name="x", min_amount="1",
            max_amount="2", min_periods=1, max_periods=2, method="bullet", rate_min="0.01", rate_max="0.02")
    with pytest.raises(ValidationError) as caught:
        make_product(world, min_amount="5000", max_amount="1000", rate_min="0.2", rate_max="0.1")
    assert {"max_amount", "rate_max"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        make_product(world, rate_max="abc")
    assert "rate_max" in caught.value.message_dict
    assert Product.objects.count() == 0


def test_base_rate_plus_spread_is_the_default_rate(world):
    product = make_product(world, base_rate_name="1年期LPR", base_rate="0.030", spread="0.015", rate_min="0.03",
                           rate_max="0.08")
    application = apply(world, product, annual_rate=None)
    assert application.annual_rate == D("0.045")


def test_schedule_preview_before_submitting(world):
    product = make_product(world, method="equal_principal", rate_min="0.1", rate_max="0.15")
    preview = selectors.schedule_preview(product=product, amount="5000", periods=18, annual_rate="0.12",
                                         start="2026-01-01")
    assert preview.first_payment == D("327.78") and preview.total_interest == D("475.00")
    with pytest.raises(ValidationError) as caught:
        selectors.schedule_preview(product=product, amount="5000", periods=18, annual_rate="0.2")
    assert "annual_rate" in caught.value.message_dict


@pytest.mark.parametrize(("field", "kwargs"), [
    ("amount", {"amount": "-1"}),
    ("amount", {"amount": "0"}),
    ("amount", {"amount": "NaN"}),
    ("amount", {"amount": "一万"}),
    ("amount", {"amount": "99999999999"}),
    ("amount", {"amount": "500"}),               # below the product's minimum
    ("periods", {"periods": 0}),
    ("periods", {"periods": 400}),
    ("annual_rate", {"annual_rate": "0.30"}),    # above the product's range
    ("annual_rate", {"annual_rate": "-0.05"}),
    ("purpose", {"purpose": "  "}),
])
def test_bad_application_input_creates_nothing(world, field, kwargs):
    product = make_product(world)
    with pytest.raises(ValidationError) as caught:
        apply(world, product, **kwargs)
    assert field in caught.value.message_dict
    assert Application.objects.count() == 0


def test_the_whole_flow_to_a_contract(world):
    product = make_product(world, fee_rate="0.01", fee_flat="50")
    application = apply(world, product, submit=False)
    assert application.status == ApplicationStatus.DRAFT
    # the lender does not see drafts
    assert not selectors.applications_for_lender(user=world.users["finance"], lender=world.finance_company).exists()
    services.application_submit(application=application, user=world.users["enterprise"])
    queue = selectors.applications_for_lender(user=world.users["finance"], lender=world.finance_company)
    assert list(queue) == [application]
    services.application_review_start(application=application, user=world.users["finance_analyst"])
    services.application_review(application=application, user=world.users["finance_analyst"],
                                recommendation="approve", note="现金流稳定")
    services.application_decide(application=application, user=world.users["finance"], approve=True, amount="80000")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.approved_amount == D("80000.00")
    loan = services.application_contract(application=application, user=world.users["enterprise"])
    assert loan.status == LoanStatus.CONTRACTED and loan.principal == D("80000.00")
    assert loan.fee == D("850.00")  # 1 % + 50
    assert loan.penalty_rate == D("0.09")  # 1.5 × 6 %
    assert loan.approved_by == world.users["finance"]


def test_maker_checker_reviewer_cannot_approve(world):
    product = make_product(world)
    application = apply(world, product)
    # a manager may review, but then another manager must decide
    services.application_review(application=application, user=world.users["finance"], recommendation="approve",
                                note="ok")
    with pytest.raises(PermissionDenied):
        services.application_decide(application=application, user=world.users["finance"], approve=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_an_analyst_cannot_approve_and_nobody_decides_unreviewed(world):
    product = make_product(world)
    application = apply(world, product)
    with pytest.raises(ValidationError):
        services.application_decide(application=application, user=world.users["finance"], approve=True)
    services.application_review(application=application, user=world.users["finance_analyst"],
                                recommendation="approve", note="ok")
    with pytest.raises(PermissionDenied):
        services.application_decide(application=application, user=world.users["finance_analyst"], approve=True)
    # the borrower, another firm's user, the bank and the superuser cannot decide either
    for who in ("enterprise", "institution", "superuser"):
        with pytest.raises(PermissionDenied):
            services.application_decide(application=application, user=world.users[who], approve=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW and application.decided_by is None


def test_rejection_needs_reasons(world):
    product = make_product(world, "bank")
    application = apply(world, product)
    services.application_review(application=application, user=world.users["institution_officer"],
                                recommendation="reject", note="负债率过高")
    with pytest.raises(ValidationError) as caught:
        services.application_decide(application=application, user=world.users["institution"], approve=False)
    assert "reason" in caught.value.message_dict
    services.application_decide(application=application, user=world.users["institution"], approve=False,
                                reason="资产负债率超过 80%")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and "80%" in application.decision_reason
    with pytest.raises(ValidationError):
        services.application_contract(application=application, user=world.users["enterprise"])
    assert not Loan.objects.exists()


def test_approval_cannot_raise_the_amount(world):
    product = make_product(world)
    application = apply(world, product)
    services.application_review(application=application, user=world.users["finance_analyst"],
                                recommendation="approve", note="ok")
    with pytest.raises(ValidationError):
        services.application_decide(application=application, user=world.users["finance"], approve=True,
                                    amount="200000")


def test_withdraw_and_status_errors(world):
    product = make_product(world)
    application = apply(world, product)
    services.application_withdraw(application=application, user=world.users["enterprise"])
    with pytest.raises(ValidationError):
        services.application_review_start(application=application, user=world.users["finance_analyst"])
    with pytest.raises(PermissionDenied):  # another firm's staff may not withdraw
        other = apply(world, product)
        services.application_withdraw(application=other, user=world.users["finance"])


def test_investor_lends_alone(world):
    product = services.product_create(lender=world.investor, user=world.users["investor"], name="民间借贷",
                                      min_amount="1000", max_amount="200000", min_periods=1, max_periods=12,
                                      method="bullet", rate_min="0.05", rate_max="0.12")
    application = apply(world, product, amount="50000", periods=6, annual_rate="0.08")
    services.application_decide(application=application, user=world.users["investor"], approve=True)
    loan = services.application_contract(application=application, user=world.users["enterprise"])
    loan = services.loan_disburse(loan=loan, user=world.users["investor"], disbursed_on="2026-03-01",
                                  idempotency_key="inv-1")
    assert loan.status == LoanStatus.ACTIVE


def test_funding_of_the_pool_finance_company_borrows_from_the_bank(world):
    product = make_product(world, "bank", borrower_kind="finance_company", name="资金池融资")
    application = services.application_create(product=product, applicant=world.finance_company,
                                              user=world.users["finance"], amount="2000000", periods=12,
                                              annual_rate="0.05", purpose="补充资金池", submit=True)
    assert application.status == ApplicationStatus.SUBMITTED
    with pytest.raises(ValidationError):  # a firm cannot use a product for the finance company
        apply(world, product)


def test_contract_of_unapproved_application_is_refused(world):
    loan = make_contract(world)
    assert loan.application.status == ApplicationStatus.CONTRACTED
    with pytest.raises(ValidationError):
        services.application_contract(application=loan.application, user=world.users["enterprise"])
