"""Where the rating is used: a product's minimum grade and limits per grade; the review page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clusterfinance.rating.services import ratings_rescore
from lending import services
from lending.tests.factories import make_product

pytestmark = pytest.mark.django_db


def _gated(world, *, min_grade="", grade_limits=None):
    product = make_product(world)
    product.min_grade, product.grade_limits = min_grade, grade_limits or {}
    product.full_clean()
    product.save(update_fields=["min_grade", "grade_limits"])
    return product


def _apply(world, product, amount="100000"):
    return services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                       amount=amount, periods=12, annual_rate="0.12", purpose="采购原材料")


def test_unrated_firm_is_refused_by_a_product_with_a_minimum_grade(world):
    product = _gated(world, min_grade="BBB")
    with pytest.raises(ValidationError, match="at least BBB; your firm has not been rated yet"):
        _apply(world, product)


def test_firm_below_the_minimum_is_refused_with_its_grade(world):
    [rating] = ratings_rescore(agent_ids=[world.firm.pk])  # no history: below A
    product = _gated(world, min_grade="A")
    world.firm.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _apply(world, product)
    assert f"your firm's grade is {rating.grade}" in str(exc.value)


def test_firm_at_or_above_the_minimum_may_apply_within_its_grade_limit(world):
    [rating] = ratings_rescore(agent_ids=[world.firm.pk])
    world.firm.refresh_from_db()
    product = _gated(world, min_grade=rating.grade, grade_limits={rating.grade: "50000"})
    with pytest.raises(ValidationError, match="at most 50000 yuan"):
        _apply(world, product, amount="80000")
    assert _apply(world, product, amount="40000").pk


def test_product_without_minimum_takes_everyone(world):
    assert _apply(world, make_product(world)).pk


def test_review_page_shows_the_rating_next_to_the_application(world, client_for):
    ratings_rescore(agent_ids=[world.firm.pk])
    world.firm.refresh_from_db()
    application = services.application_create(product=make_product(world, lender="bank"), applicant=world.firm,
                                              user=world.users["enterprise"], amount="100000", periods=12,
                                              annual_rate="0.12", purpose="采购", submit=True)
    page = client_for("institution").get(reverse("lending:application-detail", args=[application.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="rating-panel"' in text
    assert f'data-testid="rating-grade">{world.firm.current_grade}<' in text
