"""Input tried as a hostile user would: JSON that Python accepts but no database stores, absurd
numbers, impossible periods, full-width digits and page sizes beyond any database integer, on
the pages, the services and the API. Each is refused with a clear message (never a 500) and
changes nothing."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from infocenter.api.pagination import MAX_PAGE_SIZE
from infocenter.api.tokens import api_token_create
from infocenter.models import FirmRecord, Publication
from infocenter.services import publication_create, publication_update_draft

pytestmark = pytest.mark.django_db

DEEP = '{"a": ' * 3000 + "1" + "}" * 3000
BAD_JSON = [
    ('{"revenue": NaN}', "not a number JSON allows"),
    ('{"revenue": Infinity}', "not a number JSON allows"),
    ('{"revenue": -Infinity}', "not a number JSON allows"),
    ('{"revenue": 1e400}', "too large"),
    (DEEP, "nested too deeply"),
]


def api(world, role="enterprise"):
    _token, key = api_token_create(user=world.users[role], agent=world.agents[role], name=f"{role} system")
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {key}")


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _publish_form(**changes):
    return {"category": "financial_statements", "title": "2025 年度财务报表", "period": "2025", "data": "",
            "visibility": "members", "publish": "on", **changes}


# --- JSON data on a publication ----------------------------------------------------------------
@pytest.mark.parametrize(("data", "message"), BAD_JSON)
def test_bad_json_data_in_the_publication_form_is_explained(world, client_for, data, message):
    response = english(client_for("enterprise")).post("/hub/publish/", _publish_form(data=data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["data"])
    assert not Publication.objects.exists()


@pytest.mark.parametrize(("body", "message"), BAD_JSON + [("[" * 100000, "nested too deeply")])
def test_bad_json_bodies_are_a_400_with_the_reason(world, body, message):
    for url in ("/api/publications/", "/api/records/"):
        text = body.replace('{"revenue": ', '{"category": "tax_paid", "title": "x", "data": {"revenue": ', 1)
        if text != body:
            text += "}"
        response = api(world).post(url, text, content_type="application/json")
        assert response.status_code == 400, response.content
        assert message in response.json()["detail"]
    assert not Publication.objects.exists() and not FirmRecord.objects.exists()


def test_a_service_caller_cannot_store_nan_or_deep_data(world):
    deep = {}
    for _n in range(5000):
        deep = {"a": deep}
    for data in ({"revenue": float("nan")}, {"revenue": float("inf")}, deep):
        with pytest.raises(ValidationError) as caught:
            publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                               title="x", data=data)
        assert "data" in caught.value.error_dict
    assert not Publication.objects.exists()


# --- a publication's period -------------------------------------------------------------------
@pytest.mark.parametrize(("period", "message"), [
    ("2026-02-30", "that month has 28 days"), ("2026-13", "there is no month 13"), ("next year", "not a period"),
    ("2026Q5", "not a period"), ("1900", "too long ago"), ("2999", "too far ahead"),
])
def test_an_impossible_period_is_refused_on_the_page(world, client_for, period, message):
    response = english(client_for("enterprise")).post("/hub/publish/", _publish_form(period=period))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["period"])
    assert not Publication.objects.exists()


def test_an_impossible_period_is_a_400_through_the_api(world):
    body = {"category": "tax_paid", "title": "x", "period": "2026-02-30"}
    response = api(world).post("/api/publications/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "that month has 28 days" in " ".join(response.json()["period"])
    assert not Publication.objects.exists()


def test_every_service_path_checks_and_normalises_the_period(world):
    author = world.users["enterprise"]
    with pytest.raises(ValidationError) as caught:
        publication_create(subject=world.firm, author=author, category="tax_paid", title="x", period="2026-02-30")
    assert "period" in caught.value.error_dict
    draft = publication_create(subject=world.firm, author=author, category="tax_paid", title="x",
                               period="2025年第三季度", publish=False)
    assert draft.period == "2025Q3"
    with pytest.raises(ValidationError):
        publication_update_draft(publication=draft, author=author, period="2025-02-29")
    draft.refresh_from_db()
    assert draft.period == "2025Q3"
    # a policy may announce next year; an empty period stays empty
    policy = publication_create(subject=world.gov, author=world.users["government"], category="policy",
                                title="明年的政策", period=str(draft.created_at.year + 1))
    assert policy.period == str(draft.created_at.year + 1)
    assert publication_create(subject=world.firm, author=author, category="tax_paid", title="y").period == ""


# --- full-width digits and absurd numbers through the API --------------------------------------
@pytest.mark.parametrize(("figures", "field", "message"), [
    ({"kind": "statement", "revenue": "１２３４．５"}, "revenue", "use half-width digits, e.g. 1234.5"),
    ({"kind": "social_insurance", "insured_headcount": "１２", "contributions_paid": "100"},
     "insured_headcount", "use half-width digits, e.g. 12"),
    ({"kind": "statement", "revenue": "1E999999999"}, "revenue", "too large"),
])
def test_full_width_and_absurd_figures_through_the_api_are_a_400(world, figures, field, message):
    body = {"credit_code": world.firm.credit_code, "period": "2026Q1", **figures}
    response = api(world, "government").post("/api/records/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert not FirmRecord.objects.exists()


# --- page sizes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/api/records/", "/api/publications/", "/api/reports/", "/api/imports/"])
@pytest.mark.parametrize(("query", "field"), [
    ("limit=abc", "limit"), ("limit=-1", "limit"), ("limit=1.5", "limit"), ("limit=0", "limit"),
    ("offset=abc", "offset"), ("offset=99999999999999999999", "offset"), ("limit=１０", "limit"),
])
def test_a_limit_or_offset_that_is_no_page_is_a_400(world, url, query, field):
    response = api(world, "government").get(f"{url}?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_huge_limit_is_clamped_to_the_maximum_page_size(world):
    for n in range(3):
        publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                           title=f"纳税 {n}")
    response = api(world, "institution").get("/api/publications/?limit=99999999999999999999&offset=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert MAX_PAGE_SIZE == 200
    listed = api(world, "institution").get("/api/publications/?limit=2")
    assert len(listed.json()["results"]) == 2 and "offset=2" in listed.json()["next"]
