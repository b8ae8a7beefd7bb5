"""Fuzz the JSON API from its own OpenAPI schema (schemathesis, WSGI — no server): whatever
the input, no 5xx, and every answer matches the schema. Bounded so it runs in well under a
minute."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = 30


@pytest.fixture
def api_key(world):
    from infocenter.api.tokens import api_token_create

    _token, key = api_token_create(user=world.users["government"], agent=world.gov, name="schemathesis")
    return key


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Django closes the connection at the start and end of a request; inside the test's
    # transaction that would lose the data (the test client disconnects the same handlers).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load_schema():
    from django.core.wsgi import get_wsgi_application

    # Loaded once at collection; generating the schema touches no database.
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


schema = _load_schema()


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_never_fails_and_matches_its_schema(case, api_key):
    case.headers = {**(case.headers or {}), "Authorization": f"Token {api_key}"}
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code)
    # raises with the failing example when a response breaks the schema
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
