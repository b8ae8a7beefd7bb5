"""Monthly range partitions of the two tables that only grow: the ledger's postings and the
centre's events (PostgreSQL only, opt-in: ``manage.py partition_by_month``; docs/scaling.md).

A partitioned table keeps its name, columns, defaults, identity (the next id continues the old
sequence), CHECK constraints, indexes, foreign keys to other tables and triggers — the append-only
and balanced-entry triggers of the ledger are re-created from their own definitions
(``pg_get_triggerdef``), so nothing here restates them. What partitioning changes:

- the partition key must be part of every unique index, so the primary key becomes
  ``(id, <key>)``; ids stay unique through the identity sequence;
- a unique index without the key (the events' "one unclaimed request per firm") is created on
  each partition instead of the parent: ``INSERT … ON CONFLICT DO NOTHING`` still coalesces within
  a month; two requests may wait across a month's boundary (one extra, idempotent re-score);
- the table's storage parameters (the outbox's autovacuum settings, ``infocenter 0009``) are set
  on each partition, since a partitioned parent cannot hold them;
- foreign keys *into* the table (deliveries and notifications → event) cannot reference ``id``
  alone any more and are dropped (Django deletes related rows itself; the database no longer
  checks that a delivery's event exists) — reported by the command;
- postings have no date of their own: a column ``posted_at`` (default ``now()``, the moment of the
  insert, i.e. of the entry's transaction) is added and filled from the entry's ``created_at``.
  Django's model does not know the column; every INSERT (ORM or the repayment function) lists its
  columns, so the default fills it.

Months are cut at midnight of ``settings.TIME_ZONE``. A DEFAULT partition catches rows outside the
months created; ``ensure_months`` (``partition_by_month --ahead N``, run monthly) creates the next
months while the default partition is still empty.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection, transaction


@dataclass(frozen=True)
class Spec:
    """How one table is partitioned: ``key`` (timestamptz), and — when the table lacks it — the
    column to add and the expression that fills it for existing rows (``t`` is the old table)."""

    table: str
    key: str
    add_column: str = ""
    backfill_from: str = ""
    backfill_expr: str = ""


SPECS = {
    "lending_posting": Spec(
        table="lending_posting", key="posted_at",
        add_column="posted_at timestamptz NOT NULL DEFAULT now()",
        backfill_from="JOIN lending_journalentry e ON e.id = t.entry_id", backfill_expr="e.created_at"),
    "infocenter_event": Spec(table="infocenter_event", key="created_at"),
}


@dataclass
class Report:
    table: str
    rows: int = 0
    partitions: list[str] = field(default_factory=list)
    dropped_foreign_keys: list[str] = field(default_factory=list)
    per_partition_indexes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    already: bool = False


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = c.fetchone()
    return bool(row and row[0] == "p")


def _month(d: date, add: int = 0) -> date:
    n = d.year * 12 + d.month - 1 + add
    return date(n // 12, n % 12 + 1, 1)


def _bound(d: date) -> str:
    return f"'{d.isoformat()} 00:00:00 {settings.TIME_ZONE}'"


def _partition_name(table: str, d: date) -> str:
    return f"{table}_p{d:%Y%m}"


def _meta(c, table: str) -> dict:
    c.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [table])
    text = (c.fetchone() or [None])[0] or ""
    try:
        return json.loads(text).get("partitioning", {})
    except ValueError:
        return {}


def _storage_sql(storage: list[str]) -> list[str]:
    """The table's own storage parameters (``reloptions``: fill factor, autovacuum settings) as a
    statement template for each partition — a partitioned parent cannot hold them itself."""
    return [f"ALTER TABLE {{partition}} SET ({', '.join(storage)})"] if storage else []


def _create_month(c, table: str, month: date, per_partition: list[str]) -> str:
    name = _partition_name(table, month)
    c.execute(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} "  # noqa: S608
              f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(_month(month, 1))})")
    for template in per_partition:
        c.execute(template.replace("{partition}", name))
    return name


def ensure_months(table: str, *, ahead: int = 3, today: date | None = None) -> list[str]:
    """Create the partitions of the current month and ``ahead`` months after it (idempotent)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as c:
        meta = _meta(c, table)
        per_partition = meta.get("per_partition_indexes", []) + _storage_sql(meta.get("storage", []))
        return [_create_month(c, table, _month(today, k), per_partition) for k in range(ahead + 1)]


def convert(spec: Spec, *, ahead: int = 3, today: date | None = None) -> Report:
    """Convert ``spec.table`` to monthly range partitions in one transaction (the table is locked
    for the copy: run it in a maintenance window). Idempotent: a partitioned table is left alone."""
    from django.utils import timezone

    if connection.vendor != "postgresql":
        raise RuntimeError("monthly partitions need PostgreSQL")
    report = Report(table=spec.table)
    if is_partitioned(spec.table):
        report.already = True
        return report
    today = today or timezone.localdate()
    started = time.monotonic()
    t, key = spec.table, spec.key
    with transaction.atomic(), connection.cursor() as c:
        # pending deferred checks (a posting of this transaction) would forbid ALTER TABLE
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute(f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")  # noqa: S608
        c.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                  "AND NOT attisdropped ORDER BY attnum", [t])
        columns = [r[0] for r in c.fetchall()]
        c.execute("""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisprimary,
                            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid
                                       AND a.attnum = ANY(i.indkey) AND a.attname = %s)
                       FROM pg_index i WHERE i.indrelid = %s::regclass ORDER BY 1""", [key, t])
        indexes = c.fetchall()
        c.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                  "ORDER BY tgname", [t])
        triggers = [r[0] for r in c.fetchall()]
        c.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                  "AND contype = 'f' ORDER BY conname", [t])
        outward = c.fetchall()
        c.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = %s::regclass "
                  "AND contype = 'f' AND conrelid <> confrelid ORDER BY 1, 2", [t])
        inward = c.fetchall()
        c.execute("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = %s::regclass", [t])
        storage = list(c.fetchone()[0])
        c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [t])
        sequence = c.fetchone()[0]
        c.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last_value, is_called = c.fetchone()
        next_id = last_value + 1 if is_called else last_value

        for table_name, con in inward:
            c.execute(f'ALTER TABLE {table_name} DROP CONSTRAINT "{con}"')  # noqa: S608
            report.dropped_foreign_keys.append(f"{table_name}.{con}")
        new = f"{t}_partitioned"
        c.execute(f"CREATE TABLE {new} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
                  f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({key})"
                  if not spec.add_column else
                  f"CREATE TABLE {new} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
                  f"INCLUDING STORAGE INCLUDING COMMENTS, {spec.add_column}) PARTITION BY RANGE ({key})")
        c.execute(f"ALTER TABLE {new} ALTER COLUMN id RESTART WITH {int(next_id)}")
        c.execute(f"SELECT min({spec.backfill_expr or 't.' + key}) FROM {t} t {spec.backfill_from}")  # noqa: S608
        first = c.fetchone()[0]
        first_month = _month(timezone.localtime(first).date() if first else today)
        last_month = _month(today, ahead)
        months, m = [], first_month
        while m <= last_month:
            months.append(m)
            m = _month(m, 1)
        for m in months:
            c.execute(f"CREATE TABLE {_partition_name(t, m)} PARTITION OF {new} "  # noqa: S608
                      f"FOR VALUES FROM ({_bound(m)}) TO ({_bound(_month(m, 1))})")
        c.execute(f"CREATE TABLE {t}_pdefault PARTITION OF {new} DEFAULT")
        target = [*columns, key] if spec.add_column else columns
        source = [f"t.{col}" for col in columns] + ([spec.backfill_expr] if spec.add_column else [])
        c.execute(f"INSERT INTO {new} ({', '.join(target)}) SELECT {', '.join(source)} "  # noqa: S608
                  f"FROM {t} t {spec.backfill_from}")
        report.rows = c.rowcount
        c.execute(f"DROP TABLE {t}")
        c.execute(f"ALTER TABLE {new} RENAME TO {t}")
        c.execute(f"ALTER TABLE {t} ADD CONSTRAINT {t}_pkey PRIMARY KEY (id, {key})")
        per_partition = []
        for name, definition, unique, primary, has_key in indexes:
            if primary:
                continue
            if unique and not has_key:
                # a unique index without the key cannot live on the parent: one per partition
                _head, _, rest = definition.partition(" USING ")
                short = name.split(".")[-1][:30]
                per_partition.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {{partition}}_{short} ON {{partition}} "
                                     f"USING {rest}")
                continue
            c.execute(definition)
        c.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [t])
        for (partition,) in c.fetchall():
            for template in per_partition + _storage_sql(storage):
                c.execute(template.replace("{partition}", partition))
        for con, definition in outward:
            c.execute(f'ALTER TABLE {t} ADD CONSTRAINT "{con}" {definition}')  # noqa: S608
        for definition in triggers:
            c.execute(definition)
        meta = {"partitioning": {"key": key, "per_partition_indexes": per_partition, "storage": storage,
                                 "dropped_foreign_keys": report.dropped_foreign_keys}}
        c.execute(f"COMMENT ON TABLE {t} IS %s", [json.dumps(meta)])
        # back to each constraint's own timing for the rest of the caller's transaction
        c.execute("SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint WHERE condeferred")
        deferred = c.fetchone()[0]
        if deferred:
            c.execute(f"SET CONSTRAINTS {deferred} DEFERRED")
        c.execute(f"ANALYZE {t}")
        c.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass ORDER BY 1", [t])
        report.partitions = [r[0] for r in c.fetchall()]
        report.per_partition_indexes = per_partition
    report.seconds = time.monotonic() - started
    return report
