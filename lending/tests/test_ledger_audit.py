"""Every movement of money is in the audit log: who, from where, how much, between whom."""

from decimal import Decimal

import pytest

from agents.audit import audit_context_reset, audit_context_set
from agents.choices import AgentKind
from agents.models import AuditRecord
from agents.tests.factories import AgentFactory, UserFactory
from lending.ledger.services import money_move


@pytest.mark.django_db
def test_money_move_is_recorded_with_who_and_from_where():
    payer, payee = AgentFactory(kind=AgentKind.GOVERNMENT), AgentFactory()
    user = UserFactory()
    token = audit_context_set(user=user, ip="10.1.2.3")
    try:
        money_move(idempotency_key="audit-test-1", on="2026-12-01", amount=Decimal("123.45"), payer=payer,
                   payer_purpose="cash", payee=payee, payee_purpose="cash")
    finally:
        audit_context_reset(token)
    record = AuditRecord.objects.get(action="ledger.entry_posted")
    assert record.actor_id == user.pk and record.ip == "10.1.2.3"
    assert record.data["amount"] == "123.45"
    assert set(record.data["agents"]) == {payer.pk, payee.pk}
