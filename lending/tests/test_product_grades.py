"""A product's minimum credit grade and maximum amount per grade, set on the product form (one
amount input per grade), and the grade gate an applying firm meets."""

from decimal import Decimal

import pytest
from django.urls import reverse

from lending.models import Application, Product
from lending.tests.factories import make_product
from lending.tests.view_helpers import en_fixture, text  # noqa: F401 (fixture `en`)

pytestmark = pytest.mark.django_db

PRODUCT = {
    "name": "评级贷", "description": "", "borrower_kind": "enterprise", "min_amount": "10000", "max_amount": "1000000",
    "min_periods": "3", "max_periods": "36", "method": "equal_instalment", "frequency": "monthly",
    "rate_min": "3.45", "rate_max": "12", "base_rate_name": "", "base_rate": "", "spread": "", "penalty_rate": "",
    "fee_rate": "0", "fee_flat": "0", "instalment_multiple": "0.01", "accepts_platform_payments": "on",
    "is_active": "on",
}


def test_the_form_has_the_minimum_grade_and_one_amount_per_grade(world, en):
    page = en("institution").get(reverse("lending:product-create")).content.decode()
    assert 'name="min_grade"' in page and 'data-testid="grade-limits"' in page
    for grade in ("AAA", "BBB", "C"):
        assert f'name="limit_{grade}"' in page
    assert 'name="grade_limits"' not in page  # no raw JSON to type


def test_a_manager_saves_the_minimum_and_limits_and_edits_them(world, en):
    response = en("institution").post(reverse("lending:product-create"),
                                      {**PRODUCT, "min_grade": "BBB", "limit_AAA": "1,000,000", "limit_BBB": "200000",
                                       "limit_A": ""})
    assert response.status_code == 302
    product = Product.objects.get(name="评级贷")
    assert product.min_grade == "BBB"
    assert product.grade_limits == {"AAA": "1000000.00", "BBB": "200000.00"}  # empty = the maximum

    edit = reverse("lending:product-edit", args=[product.pk])
    page = en("institution").get(edit).content.decode()
    assert 'value="200000.00"' in page and '<option value="BBB" selected>' in page
    response = en("institution").post(edit, {**PRODUCT, "min_grade": "", "limit_BBB": ""})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.min_grade, product.grade_limits) == ("", {})


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"limit_BBB": "abc"}, "limit_BBB", "is not an amount"),
    ({"limit_BBB": "-5"}, "limit_BBB", "cannot be negative"),
    ({"limit_AA": "2000000"}, "limit_AA", "At most the product's maximum amount (¥1,000,000.00)."),
    ({"min_grade": "A", "limit_BB": "50000"}, "limit_BB", "BB is below the minimum grade A"),
    ({"min_grade": "ZZ"}, "min_grade", "Select a valid choice."),
])
def test_bad_grade_input_is_explained_and_saves_nothing(world, en, changes, field, message):
    response = en("institution").post(reverse("lending:product-create"), {**PRODUCT, **changes})
    assert response.status_code == 200
    assert message in text(response)
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not Product.objects.filter(name="评级贷").exists()


def test_the_service_refuses_a_limit_of_an_unknown_grade(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not a credit grade"):
        make_product(world, grade_limits={"AAAA": "1000"})
    with pytest.raises(ValidationError):
        make_product(world, min_grade="Z")
    product = make_product(world, min_grade="bb", grade_limits={"bb": "30000"})
    assert (product.min_grade, product.grade_limits) == ("BB", {"BB": "30000.00"})


def _apply(en, product, amount="100000"):
    return en("enterprise").post(reverse("lending:application-create", args=[product.pk]),
                                 {"amount": amount, "periods": "12", "annual_rate": "", "purpose": "采购原材料"})


def test_a_firm_below_the_minimum_grade_is_refused_with_the_reason(world, en):
    world.firm.current_grade = "BB"
    world.firm.save(update_fields=["current_grade"])
    product = make_product(world, min_grade="BBB")
    response = _apply(en, product)
    assert response.status_code == 200
    assert "This product requires a credit grade of at least BBB; your firm's grade is BB." in text(response)
    assert not Application.objects.filter(product=product).exists()


def test_a_firm_above_its_grade_limit_is_refused_and_within_it_applies(world, en):
    world.firm.current_grade = "A"
    world.firm.save(update_fields=["current_grade"])
    product = make_product(world, min_grade="BBB", grade_limits={"A": "50000"})
    response = _apply(en, product, amount="80000")
    assert "For a firm rated A this product lends at most 50000.00 yuan." in text(response)
    assert not Application.objects.filter(product=product).exists()
    response = _apply(en, product, amount="40000")
    assert response.status_code == 302
    assert Application.objects.get(product=product).amount == Decimal("40000")


def test_the_catalogue_shows_the_minimum_grade(world, en):
    make_product(world, min_grade="BBB")
    page = en("enterprise").get(reverse("lending:catalogue")).content.decode()
    assert 'data-testid="min-grade">BBB<' in page
