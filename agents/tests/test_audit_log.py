"""The audit log: money moves and permission changes are recorded with who/what/when/where, the
chain is sealed and verified, and a changed, removed or inserted row is detected."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from agents.audit import audit_chain_seal, audit_chain_verify, audit_record
from agents.choices import ROLES_BY_KIND
from agents.models import AuditRecord
from agents.services import membership_create
from agents.tests.factories import AgentFactory, UserFactory


def _records(n=3):
    agent = AgentFactory()
    return [audit_record("test.action", target=f"thing:{i}", agent=agent, data={"amount": "1.00"})
            for i in range(n)]


@pytest.mark.django_db
def test_permission_change_is_recorded():
    agent, user = AgentFactory(), UserFactory()
    membership_create(user=user, agent=agent, role=ROLES_BY_KIND[agent.kind][0])
    record = AuditRecord.objects.get(action="membership.granted")
    assert record.agent_id == agent.pk and str(user.email) in record.summary


@pytest.mark.django_db
def test_sealed_chain_verifies_and_the_command_says_so(capsys):
    _records(5)
    assert audit_chain_seal() == 5
    result = audit_chain_verify()
    assert result.ok and result.checked == 5 and result.unsealed == 0
    call_command("audit_verify")
    assert "intact: 5 records" in capsys.readouterr().out


@pytest.mark.django_db
def test_model_refuses_change_and_delete():
    [record] = _records(1)
    record.summary = "something else"
    with pytest.raises(ValidationError):
        record.save()
    with pytest.raises(ValidationError):
        record.delete()


def _tamper(sql, params):
    """Change a row behind the application's back (on PostgreSQL with the append-only trigger
    switched off for this session, as a database owner could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
def test_a_changed_row_is_detected():
    records = _records(4)
    audit_chain_seal()
    _tamper("UPDATE agents_auditrecord SET summary = %s WHERE id = %s", ["changed", records[2].pk])
    result = audit_chain_verify()
    assert not result.ok and result.broken_at == records[2].pk
    with pytest.raises(CommandError, match="broken"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_removed_row_is_detected():
    records = _records(4)
    audit_chain_seal()
    _tamper("DELETE FROM agents_auditrecord WHERE id = %s", [records[1].pk])
    result = audit_chain_verify()
    assert not result.ok and result.broken_at == records[2].pk


@pytest.mark.django_db
def test_the_last_row_removed_is_detected():
    records = _records(3)
    audit_chain_seal()
    _tamper("DELETE FROM agents_auditrecord WHERE id = %s", [records[-1].pk])
    assert not audit_chain_verify().ok


@pytest.mark.django_db
def test_a_changed_unsealed_row_is_detected():
    records = _records(2)
    _tamper("UPDATE agents_auditrecord SET target = %s WHERE id = %s", ["thing:99", records[0].pk])
    result = audit_chain_verify()
    assert not result.ok and result.broken_at == records[0].pk


@pytest.mark.django_db
def test_postgres_trigger_refuses_update_and_delete():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (SQLite relies on the model)")
    from django.db import DatabaseError, transaction

    [record] = _records(1)
    audit_chain_seal()
    for sql in ("UPDATE agents_auditrecord SET summary = 'x' WHERE id = %s",
                "DELETE FROM agents_auditrecord WHERE id = %s",
                "UPDATE agents_auditrecord SET chain_hash = 'x' WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
    assert audit_chain_verify().ok
