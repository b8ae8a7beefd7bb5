"""The JSON API: token authentication, the same visibility as the pages, idempotency keys,
and clear 400s for bad input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from infocenter.api.tokens import api_token_create, api_token_revoke
from infocenter.models import ApiToken, FirmRecord, IdempotencyKey

pytestmark = pytest.mark.django_db

RECORDS = "/api/records/"


def token_for(world, role="government"):
    agent = world.agents[role]
    _token, key = api_token_create(user=world.users[role], agent=agent, name=f"{role} system")
    return key


def api(key=None, **headers):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if key:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    client.defaults.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return client


def post(client, data, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(RECORDS, body, content_type="application/json", **headers, **extra)


def record(world, firm=None, period="2026Q1", **figures):
    data = {"credit_code": (firm or world.firm).credit_code, "kind": "statement", "period": period,
            "revenue": "1000.00", "net_profit": "-20.50"}
    data.update(figures)
    return data


def test_anonymous_and_bad_tokens_get_401(world):
    assert api().get(RECORDS).status_code == 401
    assert api().get(RECORDS)["WWW-Authenticate"].startswith("Token")
    assert api("p4a_not-a-real-key").get(RECORDS).status_code == 401


def test_only_a_hash_of_the_key_is_stored_and_revoking_stops_it(world):
    key = token_for(world)
    token = ApiToken.objects.get()
    assert key not in (token.key_hash, token.key_prefix) and token.key_hash != key
    assert api(key).get(RECORDS).status_code == 200
    api_token_revoke(user=world.users["government"], token=token)
    assert api(key).get(RECORDS).status_code == 401


def test_a_token_stops_when_its_creator_leaves_the_agent(world):
    key = token_for(world)
    world.users["government"].memberships.update(is_active=False)
    response = api(key).get(RECORDS)
    assert response.status_code == 401
    assert "no longer acts for the agent" in response.json()["detail"]


def test_only_managers_create_tokens(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_token_create(user=world.users["institution_officer"], agent=world.bank, name="x")


def test_government_creates_a_record_with_exact_decimals(world):
    key = token_for(world)
    response = post(api(key), {**record(world), "revenue": 1234567.89})  # a JSON number, read as Decimal
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["revenue"] == "1234567.89" and body["net_profit"] == "-20.50"
    assert FirmRecord.objects.get().revenue == Decimal("1234567.89")
    again = post(api(key), record(world, revenue="1.00"))
    assert again.status_code == 200  # replaced: same firm, period and kind
    assert FirmRecord.objects.get().revenue == Decimal("1.00")


@pytest.mark.parametrize("change,field,message", [
    ({"credit_code": "91330784MA2ABCDE1X"}, "credit_code", "check character"),
    ({"period": "2026-02-30"}, "period", "that month has 28 days"),
    ({"revenue": "12.345"}, "revenue", "at most two decimals"),
    ({"revenue": "１２３"}, "revenue", "use half-width digits, e.g. 123"),
    ({"revenue": "1e3000000"}, "revenue", "too large"),
    ({"revenue": "-1e3000000"}, "revenue", "cannot be negative"),
    ({"revenue": "NaN"}, "revenue", "not an amount"),
    ({"revenue": True}, "revenue", "Give the amount"),
    ({"revenue": None}, "revenue", "required"),
    ({"tax_paid": "5.00"}, "tax_paid", "does not belong"),
    ({"kind": "gossip"}, "kind", "not a valid choice"),
])
def test_bad_input_gets_a_400_per_field_and_changes_nothing(world, change, field, message):
    response = post(api(token_for(world)), {**record(world), **change})
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert not FirmRecord.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", "NaN", json.dumps({"revenue": "1"})])
def test_malformed_bodies_get_400(world, body):
    assert post(api(token_for(world)), body).status_code == 400


def test_writes_need_a_token_not_a_session(world, client_for):
    client = client_for("government")
    response = client.post(RECORDS, json.dumps(record(world)), content_type="application/json")
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["enterprise", "institution", "investor"])
def test_agents_that_do_not_supply_records_get_403(world, role):
    response = post(api(token_for(world, role)), record(world))
    assert response.status_code == 403
    assert not FirmRecord.objects.exists()


def test_the_finance_company_writes_statements_of_its_members_only(world):
    from agents.tests.factories import AgentFactory

    key = token_for(world, "finance")
    assert post(api(key), record(world)).status_code == 201
    outsider = AgentFactory()
    assert post(api(key), record(world, firm=outsider)).status_code == 400
    tax = {"credit_code": world.firm.credit_code, "kind": "tax", "period": "2026-01", "tax_paid": "1.00"}
    assert post(api(key), tax).status_code == 403


def test_same_idempotency_key_and_body_replays_the_first_answer(world):
    key = token_for(world)
    first = post(api(key), record(world), key="order-42")
    second = post(api(key), record(world), key="order-42")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert FirmRecord.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_a_409(world):
    key = token_for(world)
    post(api(key), record(world), key="order-42")
    response = post(api(key), record(world, revenue="999.00"), key="order-42")
    assert response.status_code == 409
    assert "already used for a different request" in response.json()["detail"]
    assert FirmRecord.objects.get().revenue == Decimal("1000.00")


def test_a_refused_request_can_be_retried_with_its_key(world):
    key = token_for(world)
    assert post(api(key), record(world, period="2026-13"), key="k1").status_code == 400
    assert post(api(key), record(world), key="k1").status_code == 201


def test_a_bad_idempotency_key_is_a_400(world):
    assert post(api(token_for(world)), record(world), key="x" * 300).status_code == 400


def _seed_records(world):
    for firm in (world.firm, world.other_firm):
        FirmRecord.objects.create(agent=firm, kind="statement", period="2025", period_type="year",
                                  period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                                  revenue=Decimal("5.00"), net_profit=Decimal("1.00"), source="api",
                                  supplied_by=world.gov)


@pytest.mark.parametrize("role,count", [("enterprise", 1), ("finance", 2), ("government", 2), ("institution", 0),
                                        ("investor", 0)])
def test_reads_follow_the_same_rules_as_the_pages(world, role, count):
    _seed_records(world)
    response = api(token_for(world, role)).get(RECORDS)
    assert response.status_code == 200
    assert response.json()["count"] == count


def test_a_superuser_token_acts_for_its_agent_not_as_superuser(world):
    from agents.tests.factories import MembershipFactory

    _seed_records(world)
    user = world.users["superuser"]
    MembershipFactory(user=user, agent=world.firm, role="enterprise_owner")
    _token, key = api_token_create(user=user, agent=world.firm, name="root's script")
    assert api(key).get(RECORDS).json()["count"] == 1


def test_import_jobs_are_visible_to_their_agent_only(world):
    from infocenter.imports.services import import_job_create

    from .bulk_helpers import csv_bytes, statement_rows, upload

    job = import_job_create(user=world.users["government"], agent=world.gov, kind="statement",
                            file=upload(csv_bytes(statement_rows([world.firm]))))
    url = reverse("api:import-job-detail", args=[job.pk])
    body = api(token_for(world)).get(url).json()
    assert body["status"] == "queued" and body["kind"] == "statement"
    assert api(token_for(world, "finance")).get(url).status_code == 404
    assert api(token_for(world)).get("/api/imports/?status=nope").status_code == 400


def test_the_schema_and_docs_are_served(world):
    schema = api().get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/records/" in schema.json()["paths"]
    docs = api().get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_the_token_page_shows_a_new_key_once(world, client_for):
    client = client_for("institution")
    response = client.post(reverse("infocenter:api-tokens"), {"name": "core banking"}, follow=True)
    html = response.content.decode()
    token = ApiToken.objects.get()
    assert token.agent == world.bank and token.key_prefix in html and 'data-testid="new-key"' in html
    assert 'data-testid="new-key"' not in client.get(reverse("infocenter:api-tokens")).content.decode()
    client.post(reverse("infocenter:api-token-revoke", args=[token.pk]))
    assert ApiToken.objects.get().revoked_at is not None
    # an officer (not a manager) has no token page
    assert client_for("institution_officer").get(reverse("infocenter:api-tokens")).status_code == 404


# --- publications and reports through the API ------------------------------------------------
def test_a_firm_publishes_and_a_bank_reads_through_the_api(world):
    key = token_for(world, "enterprise")
    body = {"category": "orders_capacity", "title": "2026年四季度订单", "body": "订单饱满",
            "data": {"orders": 1234.5, "capacity_used": "0.92"}, "visibility": "members"}
    response = api(key).post("/api/publications/", json.dumps(body), content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY="pub-1")
    assert response.status_code == 201, response.content
    assert response.json()["subject"]["id"] == world.firm.pk
    assert response.json()["data"] == {"orders": "1234.5", "capacity_used": "0.92"}
    replay = api(key).post("/api/publications/", json.dumps(body), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="pub-1")
    assert replay.json()["id"] == response.json()["id"]
    listed = api(token_for(world, "institution")).get("/api/publications/?module=enterprise").json()
    assert [p["title"] for p in listed["results"]] == ["2026年四季度订单"]


def test_publishing_a_category_of_another_kind_is_a_400(world):
    body = {"category": "policy", "title": "x"}
    response = api(token_for(world, "enterprise")).post("/api/publications/", json.dumps(body),
                                                        content_type="application/json")
    assert response.status_code == 400
    assert "category" in response.json()


def test_a_bank_files_a_report_and_the_firm_sees_it(world):
    key = token_for(world, "institution")
    body = {"subject_credit_code": world.firm.credit_code.lower(), "category": "late_payment",
            "title": "逾期30天", "evidence": "2026-10 期还款逾期 30 天", "occurred_on": "2026-10-15"}
    response = api(key).post("/api/reports/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["report_type"] == "negative" and response.json()["status"] == "unverified"
    seen = api(token_for(world, "enterprise")).get("/api/reports/").json()
    assert [r["title"] for r in seen["results"]] == ["逾期30天"]


def test_a_report_about_oneself_or_an_unknown_code_is_a_400(world):
    key = token_for(world, "institution")
    for code in (world.bank.credit_code, "91330784MA2ABCDE1X"):
        body = {"subject_credit_code": code, "category": "other", "title": "x", "evidence": "y"}
        response = api(key).post("/api/reports/", json.dumps(body), content_type="application/json")
        assert response.status_code == 400, response.content


def test_the_openapi_schema_is_valid_and_has_no_warnings(tmp_path):
    from django.core.management import call_command

    # drf-spectacular warnings also fail `check --deploy --fail-level WARNING` in CI.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/records/" in text and "ApiToken" in text


@pytest.mark.parametrize("url", ["/api/records/?credit_code=%00", "/api/records/?period=a%00", "/api/records/?kind=x",
                                 "/api/publications/?module=%00", "/api/reports/?status=%00",
                                 "/api/imports/?status=%00"])
def test_bad_query_parameters_are_a_400_not_a_database_error(world, url):
    # PostgreSQL refuses NUL characters in text: they must be stopped before the query.
    assert api(token_for(world)).get(url).status_code == 400


def test_nul_characters_in_a_body_are_a_400(world):
    response = post(api(token_for(world)), {**record(world), "source_name": "金税\x00三期"})
    assert response.status_code == 400 and "source_name" in response.json()


# --- uploading a file through the API ---------------------------------------------------------
def _upload(client, content, *, key=None, name="s.csv", kind="statement"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content),
                                         "source_name": "金税三期"}, **headers)


def test_a_system_uploads_a_file_and_polls_the_job(world, django_capture_on_commit_callbacks):
    from .bulk_helpers import csv_bytes, statement_rows

    client = api(token_for(world))
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv_bytes(statement_rows([world.firm]), encoding="gbk"))
    assert response.status_code == 202, response.content
    job = client.get(f"/api/imports/{response.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["created_rows"] == 2 and job["percent"] == 100
    assert FirmRecord.objects.filter(source_name="金税三期").count() == 2


def test_an_uploaded_file_with_unknown_columns_is_a_400(world):
    from infocenter.models import ImportJob

    response = _upload(api(token_for(world)), "统一社会信用代码,期间,销售额,利润\r\n".encode())
    assert response.status_code == 400
    assert "Unknown column names: “销售额”" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


def test_an_upload_retried_with_its_key_is_not_imported_twice(world):
    from infocenter.models import ImportJob

    from .bulk_helpers import csv_bytes, statement_rows

    client = api(token_for(world))
    content = csv_bytes(statement_rows([world.firm]))
    first = _upload(client, content, key="upload-1")
    again = _upload(client, content, key="upload-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and ImportJob.objects.count() == 1
    other = _upload(client, csv_bytes(statement_rows([world.other_firm])), key="upload-1")
    assert other.status_code == 409  # same name, other content


def test_agents_that_do_not_supply_records_cannot_upload(world):
    assert _upload(api(token_for(world, "institution")), b"credit_code,period\r\n").status_code == 403
