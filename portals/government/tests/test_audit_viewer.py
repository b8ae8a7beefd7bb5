"""The government's audit log viewer: its region's records only, filters, a bad date refused
with a message, the chain verified from the page, a fixed number of queries."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.audit import audit_record
from agents.tests.factories import AgentFactory
from lending.ledger.services import money_move


def _page(client, **params):
    return client.get(reverse("government:audit"), params)


def test_supervisor_sees_money_moves_of_its_region_not_others(client_for, world):
    money_move(idempotency_key="audit-view-1", on="2026-12-01", amount=Decimal("88.00"), payer=world.gov,
               payer_purpose="cash", payee=world.firm, payee_purpose="cash")
    far_away = AgentFactory(region_code="110101", name="远方企业")
    audit_record("membership.granted", target="membership:999", agent=far_away, summary="远方企业的成员")
    page = _page(client_for("government")).content.decode()
    assert "ledger.entry_posted" in page and "¥88.00" in page
    assert "远方企业的成员" not in page


def test_filters_and_bad_date(client_for, world):
    audit_record("membership.granted", target="membership:1", agent=world.firm, summary="甲")
    audit_record("invitation.created", target="invitation:2", agent=world.firm, summary="乙")
    client = client_for("government")
    page = _page(client, action="invitation.created").content.decode()
    assert "invitation:2" in page and "membership:1" not in page
    response = _page(client, date_from="2026-13-45")
    assert response.status_code == 200
    assert "is not a date" in response.content.decode() or "不是日期" in response.content.decode()


def test_verify_from_the_page_seals_and_says_intact(client_for, world):
    for n in range(3):
        audit_record("membership.granted", target=f"membership:{n}", agent=world.firm)
    client = client_for("government")
    response = client.post(reverse("government:audit-verify"), follow=True)
    text = response.content.decode()
    assert "3" in text and ("intact" in text or "完整" in text)
    assert "#3" in _page(client).content.decode()


def test_fixed_number_of_queries(client_for, world):
    client = client_for("government")
    audit_record("membership.granted", target="membership:a", agent=world.firm)
    _page(client)
    with CaptureQueriesContext(connection) as few:
        _page(client)
    for n in range(40):
        audit_record("membership.granted", target=f"membership:b{n}", agent=world.firm)
    with CaptureQueriesContext(connection) as many:
        _page(client)
    assert len(many) == len(few)
