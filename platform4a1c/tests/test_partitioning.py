"""``manage.py partition_by_month`` turns the postings and the events into monthly range partitions
and the ledger's rules survive: same rows and sums, the append-only and balanced-entry triggers, the
coalescing of re-score requests, new rows land in their month. PostgreSQL only; each test runs in
the test's transaction, so the conversion is rolled back afterwards."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from infocenter.models import Event
from infocenter.services.events import event_emit
from lending.choices import AccountPurpose, EntryKind
from lending.ledger.checks import ledger_verify
from lending.ledger.models import JournalEntry, Posting
from lending.ledger.services import account_get, capital_contribute
from platform4a1c.partitioning import is_partitioned

D = Decimal
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="monthly partitions are PostgreSQL only")


def _sql(query, params=()):
    with connection.cursor() as c:
        c.execute(query, params)
        return c.fetchall() if c.description else []


def _reloptions(table):
    return _sql("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = %s::regclass", [table])[0][0]


@postgres_only
@pytest.mark.django_db
def test_conversion_keeps_rows_rules_and_coalescing(world):
    fc = world.finance_company
    first = [capital_contribute(agent=fc, amount=f"{100 + n}.25", on=date(2026, 1, 1), idempotency_key=f"cap-{n}")
             for n in range(3)][0]
    # an old entry: its postings go to the partition of its month
    # (entries are append-only: backdated in SQL with triggers off for a moment)
    _sql("SET LOCAL session_replication_role = replica")
    _sql("UPDATE lending_journalentry SET created_at = '2025-03-15 10:00+08' WHERE id = %s", [first.pk])
    _sql("SET LOCAL session_replication_role = origin")
    event_emit(kind="rescore.requested", subject_agent=world.firm, kick=False)
    before = (Posting.objects.count(), Posting.objects.values_list("amount", flat=True).order_by("id")[::1],
              Event.objects.count(), max(Posting.objects.values_list("id", flat=True)))

    vacuum_settings = _reloptions("infocenter_event")
    assert "autovacuum_vacuum_scale_factor=0" in vacuum_settings  # the outbox's own (infocenter 0009)

    out = StringIO()
    call_command("partition_by_month", stdout=out)
    assert is_partitioned("lending_posting") and is_partitioned("infocenter_event")
    assert "dropped foreign key infocenter_eventdelivery" in out.getvalue()
    assert (Posting.objects.count(), Posting.objects.values_list("amount", flat=True).order_by("id")[::1],
            Event.objects.count()) == before[:3]
    report = ledger_verify()
    assert report.ledger_total == 0 and not report.unbalanced_entries and not report.balance_mismatches
    # rows sit in the partition of their month
    old = _sql("SELECT DISTINCT p.tableoid::regclass::text FROM lending_posting p JOIN lending_journalentry e "
               "ON e.id = p.entry_id WHERE e.id = %s", [first.pk])
    assert old == [("lending_posting_p202503",)]
    # the outbox's vacuum settings moved to each of its partitions (a partitioned parent has none)
    partitions = _sql("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'infocenter_event'::regclass")
    assert partitions and all(_reloptions(name) == vacuum_settings for (name,) in partitions)

    # a new entry through the service lands in this month's partition with a fresh id
    entry = capital_contribute(agent=fc, amount="7.01", on=date(2026, 1, 2), idempotency_key="cap-new")
    month = timezone.localdate().strftime("%Y%m")
    rows = _sql("SELECT tableoid::regclass::text, id FROM lending_posting WHERE entry_id = %s", [entry.pk])
    assert {r[0] for r in rows} == {f"lending_posting_p{month}"} and min(r[1] for r in rows) > before[3]
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred balance check passes for it

    # append-only survives
    for statement in ("UPDATE lending_posting SET amount = amount + 1 WHERE entry_id = %s",
                      "DELETE FROM lending_posting WHERE entry_id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _sql(statement, [entry.pk])
    # an unbalanced entry is still refused (the deferred trigger, fired here at once)
    cash = account_get(agent_id=fc.pk, purpose=AccountPurpose.CASH)
    with pytest.raises(IntegrityError, match="not balanced"), transaction.atomic():
        bad = JournalEntry.objects.create(idempotency_key="one-sided", fingerprint="x", kind=EntryKind.ADJUSTMENT,
                                          effective_date=date(2026, 1, 3))
        Posting.objects.bulk_create([Posting(entry=bad, account=cash, amount=D("10.00"))])
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
    # the CHECK constraint survives
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.bulk_create([Posting(entry=entry, account=cash, amount=D("0"))])

    # a second request about the same firm still waits as one
    event_emit(kind="rescore.requested", subject_agent=world.firm, kick=False)
    assert Event.objects.filter(kind="rescore.requested", subject_agent=world.firm).count() == 1
    assert Event.objects.count() == before[2]
    event_emit(kind="rescore.requested", subject_agent=world.other_firm, kick=False)
    assert Event.objects.count() == before[2] + 1

    # run again: nothing converted twice, the months ahead are there
    out = StringIO()
    call_command("partition_by_month", "--ahead", "4", stdout=out)
    assert "already partitioned" in out.getvalue()
    ahead = timezone.localdate().replace(day=1)
    for _ in range(4):
        ahead = (ahead.replace(day=28) + timedelta(days=4)).replace(day=1)
    assert _sql("SELECT to_regclass(%s) IS NOT NULL", [f"lending_posting_p{ahead:%Y%m}"]) == [(True,)]
    assert _reloptions(f"infocenter_event_p{ahead:%Y%m}") == vacuum_settings  # a month created later too


@pytest.mark.django_db
def test_refused_without_postgresql_or_with_a_bad_option():
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="--ahead"):
            call_command("partition_by_month", "--ahead", "99")
    else:
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("partition_by_month")
