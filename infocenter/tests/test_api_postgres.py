"""Idempotency under real concurrency (PostgreSQL: row locks and unique-index waits)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from infocenter.api.tokens import api_token_create
from infocenter.models import FirmRecord, IdempotencyKey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent writers)"),
]


@pytest.mark.django_db(transaction=True)
def test_two_racing_requests_with_one_key_write_once(world):
    _token, key = api_token_create(user=world.users["government"], agent=world.gov, name="race")
    body = json.dumps({"credit_code": world.firm.credit_code, "kind": "statement", "period": "2026Q1",
                       "revenue": "10.00", "net_profit": "1.00"})
    barrier = threading.Barrier(4)
    statuses = []

    def call():
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        response = client.post("/api/records/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="race-1")
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert 201 in statuses and set(statuses) <= {201, 409}, statuses
    assert FirmRecord.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
