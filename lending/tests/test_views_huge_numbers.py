"""Numbers a hostile user types to break the server: exponents far beyond any decimal context
(``1e3000000``, ``1E999999999``) in the application, product and repayment forms are refused
with the "too large" message and save nothing (they used to fail with a decimal overflow)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from lending.ledger.models import JournalEntry
from lending.models import Application, Product, Repayment
from lending.tests.factories import make_product
from lending.tests.test_views_lender import PRODUCT
from lending.tests.view_helpers import by_testid, en_fixture, loan_started  # noqa: F401 (fixture `en`)

pytestmark = pytest.mark.django_db

HUGE = ["1e3000000", "1E999999999", "-1e3000000"]


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_amount_on_the_application_form_is_too_large(world, en, value):
    product = make_product(world, "bank")
    response = en("enterprise").post(reverse("lending:application-create", args=[product.pk]),
                                     {"amount": value, "periods": "12", "annual_rate": "", "purpose": "采购"})
    assert response.status_code == 200
    error = by_testid(response, "error-amount")[0]
    assert ("too large" if not value.startswith("-") else "cannot be negative") in error
    assert not Application.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("periods", "1e3000000", "The term is too long"),
    ("periods", "-1e3000000", "at least one period"),
    ("annual_rate", "1e3000000", "not plausible"),
    ("annual_rate", "1e-999999999", "at most 8 decimals"),
])
def test_a_huge_term_or_rate_on_the_application_form_is_refused(world, en, field, value, message):
    product = make_product(world, "bank")
    data = {"amount": "120000", "periods": "12", "annual_rate": "", "purpose": "采购", field: value}
    response = en("enterprise").post(reverse("lending:application-create", args=[product.pk]), data)
    assert response.status_code == 200
    errors = by_testid(response, f"error-{field}")
    assert errors and message in errors[0], errors
    assert not Application.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("min_amount", "1e3000000", "too large"),
    ("max_amount", "1E999999999", "too large"),
    ("fee_flat", "1e3000000", "too large"),
    ("max_periods", "1e3000000", "The term is too long"),
    ("rate_max", "1e3000000", "not plausible"),
])
def test_a_huge_number_on_the_product_form_is_refused(world, en, field, value, message):
    response = en("institution").post(reverse("lending:product-create"), {**PRODUCT, field: value})
    assert response.status_code == 200
    errors = by_testid(response, f"error-{field}")
    assert errors and message in errors[0], errors
    assert not Product.objects.exists()


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_repayment_is_refused_and_posts_nothing(world, en, value):
    loan = loan_started(world, 1, amount="12000.00")
    response = en("enterprise").post(reverse("lending:loan-repay", args=[loan.pk]), {
        "amount": value, "paid_on": timezone.localdate().isoformat(),
        "idempotency_key": "3b2f4c1e-7a6d-4e8f-9b0a-1c2d3e4f5a6b"})
    assert response.status_code == 200
    error = by_testid(response, "error-amount")[0]
    assert ("too large" if not value.startswith("-") else "cannot be negative") in error
    assert not Repayment.objects.exists()
    assert not JournalEntry.objects.filter(kind="repayment").exists()
