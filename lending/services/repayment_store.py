"""Reading and writing one repayment: the hot path of the platform, in as few round trips as the
database allows.

``repayments._record`` reads the loan with ``repayment_load``, decides everything in Python (the
allocation, the instalments' new states, the journal lines, the loan's new figures, the centre's
event) into a ``RepaymentWrite``, then stores it with ``repayment_write``:

* on PostgreSQL the read is **one statement without a lock**, and the write **one call** of
  ``lending_repayment_write(doc jsonb)`` (migration 0005), in one transaction with the audit
  log's record of its entry (its own when the caller has none): three round trips in all (the
  read, the call with the record, the commit) and one flush to disk. The function locks the loan, checks that the loan
  and its open instalments are still the versions that were read (their ``xmin``), and only
  then writes everything, balances locked in the ledger's order. If anything changed meanwhile
  (another payment of the same loan committed first) it writes nothing and answers *stale*: the
  caller reads again and recomputes (optimistic concurrency; after a few tries it falls back to
  locking the loan before reading);
* elsewhere (SQLite, the embedded demo, which serialises writers) the read and the writes are
  plain statements in one transaction, the journal entry through the ledger's ``entry_post``.

Both write the same rows, and the whole test suite runs on both (SQLite locally, PostgreSQL in
CI).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from infocenter.services.events import events_kick_on_commit

from ..choices import ACCOUNT_TYPE_OF, Currency, EntryKind, InstalmentStatus
from ..events import REPAID, loan_event, loan_event_row
from ..ledger import sql
from ..ledger.services import account_spec, amounts_check, entry_audit
from ..models import BucketMove, Instalment, Loan, Repayment, RepaymentAllocation
from .postings import post

LOAN_TABLE, INST_TABLE = Loan._meta.db_table, Instalment._meta.db_table
REPAYMENT_TABLE = Repayment._meta.db_table
OPEN_STATUSES = f"('{InstalmentStatus.SUPERSEDED}', '{InstalmentStatus.PAID}')"
EXISTING_SQL = f"SELECT id FROM {REPAYMENT_TABLE} WHERE idempotency_key = %s"  # noqa: S608
LOCK_SQL = f"SELECT {sql.select_list(Loan)} FROM {LOAN_TABLE} WHERE id = %s"  # noqa: S608
OPEN_SQL = (f"SELECT {sql.select_list(Instalment)} FROM {INST_TABLE} WHERE loan_id = %s "  # noqa: S608
            f"AND status NOT IN {OPEN_STATUSES} ORDER BY due_date, period")
# PostgreSQL: the key, the loan and its open instalments with their row versions, in one snapshot.
# (When the loan is locked first, this must be a later statement than the lock: rows joined to a
# FOR UPDATE would come from the snapshot taken before waiting for the lock.)
READ_SQL = (f"SELECT ({EXISTING_SQL}), l.xmin::text, {sql.select_list(Loan, 'l')}, i.xmin::text, "  # noqa: S608
            f"{sql.select_list(Instalment, 'i')} FROM {LOAN_TABLE} l LEFT JOIN {INST_TABLE} i "
            f"ON i.loan_id = l.id AND i.status NOT IN {OPEN_STATUSES} WHERE l.id = %s ORDER BY i.due_date, i.period")
INSTALMENT_COLUMNS = ("principal_paid", "interest_paid", "penalty_paid", "penalty_accrued", "penalty_through",
                      "status", "paid_on")
NEW_INSTALMENT_COLUMNS = ("loan_id", "period", "period_start", "due_date", "accrual_periods", "principal_due",
                          "interest_due", *INSTALMENT_COLUMNS, "schedule_version")
REPAYMENT_COLUMNS = ("loan_id", "idempotency_key", "fingerprint", "amount", "paid_on", "kind", "channel",
                     "penalty_amount", "interest_amount", "principal_amount", "prepaid_principal",
                     "recorded_by_id", "created_at")
ALLOCATION_COLUMNS = ("repayment_id", "instalment_id", "penalty", "interest", "principal")
LOAN_COLUMNS = ("principal_outstanding", "status", "closed_on", "dpd", "bucket", "loan_class", "delinquency_as_of")
MOVE_COLUMNS = ("loan_id", "moved_on", "dpd", "from_bucket", "to_bucket", "from_class", "to_class", "created_at")


@dataclass
class Loaded:
    loan: Loan
    instalments: list[Instalment]   # open ones, oldest first
    existing: int | None            # the repayment already stored under the key
    version: str | None             # PostgreSQL: the row versions read (see ``lending_repayment_write``)


def repayment_load(loan_pk: int, key: str, *, lock: bool) -> Loaded:
    """The loan, its open instalments and the id of the repayment already stored under ``key``.
    With ``lock`` the loan is locked first (in the caller's transaction); without it (PostgreSQL
    only) the write checks the versions instead."""
    if connection.vendor != "postgresql":
        found = sql.fetch_one(EXISTING_SQL, [key])
        [loan] = sql.fetch_models(Loan, LOCK_SQL + sql.for_update(), [loan_pk])
        return Loaded(loan, sql.fetch_models(Instalment, OPEN_SQL, [loan_pk]), found[0] if found else None, None)
    if lock:
        sql.execute(f"SELECT 1 FROM {LOAN_TABLE} WHERE id = %s FOR UPDATE", [loan_pk])  # noqa: S608
    rows = sql.fetch_all_prepared(READ_SQL, [key, loan_pk])
    split = 2 + len(sql.columns_of(Loan))
    [loan] = sql.from_rows(Loan, [rows[0][2:split]])
    open_rows = [row for row in rows if row[split] is not None]
    instalments = sql.from_rows(Instalment, [row[split + 1:] for row in open_rows])
    version = version_of(rows[0][1], [(i.pk, row[split]) for i, row in zip(instalments, open_rows, strict=True)])
    return Loaded(loan, instalments, rows[0][0], version)


def version_of(loan_xmin: str, instalment_xmins: list[tuple[int, str]]) -> str:
    """The version token of a loan and its open instalments, exactly as the SQL function builds it."""
    return f"{loan_xmin};" + ",".join(f"{pk}:{xmin}" for pk, xmin in sorted(instalment_xmins))


@dataclass
class RepaymentWrite:
    """Everything one repayment writes, decided before the first write."""

    loan: Loan                      # with its new figures (``LOAN_COLUMNS``) already set
    user: object                    # who recorded it (None: the system)
    key: str                        # the repayment's idempotency key
    payload: dict                   # the request, and its ``fingerprint``
    fingerprint: str
    on: date
    version: str | None             # what ``repayment_load`` read (PostgreSQL)
    lines: list[tuple]              # (agent_id, purpose, loan_id, amount): ``postings.repayment_lines``
    repayment: dict                 # ``REPAYMENT_COLUMNS`` → value
    instalments: list[Instalment] = field(default_factory=list)   # existing rows whose state changed
    created: list[Instalment] = field(default_factory=list)       # new rows (a prepayment's new schedule)
    allocations: list[tuple] = field(default_factory=list)        # (Instalment, penalty, interest, principal)
    loan_fields: list[str] = field(default_factory=list)          # the loan's changed columns
    moves: list[BucketMove] = field(default_factory=list)         # a change of bucket or class
    event: dict = field(default_factory=dict)                     # payload of the ``loan.repaid`` event (``events.REPAID``)

    @property
    def entry_key(self) -> str:
        return f"repayment:{self.key}"


STALE = "stale"


def repayment_write(w: RepaymentWrite) -> tuple[int, int] | str | None:
    """Store ``w``. ``(repayment_id, entry_id)``; ``None`` when the journal entry's idempotency key
    is already taken; ``STALE`` when the loan changed since it was read. In the last two cases
    nothing was written."""
    amounts_check([amount for *_spec, amount in w.lines])
    if connection.vendor == "postgresql":
        return _write_postgresql(w)
    return _write_statements(w)


def _write_statements(w: RepaymentWrite) -> tuple[int, int] | None:
    # instalments first: a superseded row must leave its period before the new schedule takes it
    for inst in w.instalments:  # usually one or two rows
        sql.update_row(Instalment, inst.pk, **{c: getattr(inst, c) for c in INSTALMENT_COLUMNS})
    if w.created:
        Instalment.objects.bulk_create(w.created)
    entry, created = post(loan=w.loan, kind=EntryKind.REPAYMENT, key=w.entry_key, payload=w.payload,
                          effective_date=w.on, user=w.user, lines=w.lines)
    if not created:
        return None
    [repayment_id] = sql.insert_rows(Repayment, (*REPAYMENT_COLUMNS, "entry_id"),
                                     [(*(w.repayment[c] for c in REPAYMENT_COLUMNS), entry.pk)])
    sql.insert_rows(RepaymentAllocation, ALLOCATION_COLUMNS,
                    [(repayment_id, inst.pk, *parts) for inst, *parts in w.allocations])
    if w.loan_fields:
        sql.update_row(Loan, w.loan.pk, **{f: getattr(w.loan, f) for f in w.loan_fields})
    BucketMove.objects.bulk_create(w.moves)
    loan_event(REPAID, loan=w.loan, user=w.user, kick=False, payload={"repayment_id": repayment_id, **w.event})
    events_kick_on_commit()  # with a broker, as on PostgreSQL
    return repayment_id, entry.pk


def _json_default(value):
    if isinstance(value, Decimal):
        return format(value, "f")  # exact decimal text; money never becomes a float
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _write_postgresql(w: RepaymentWrite) -> tuple[int, int] | str | None:
    loan, user_id = w.loan, getattr(w.user, "pk", None)
    specs = sorted(((*account_spec(a, p, lo), amount) for a, p, lo, amount in w.lines if amount),
                   key=lambda s: (s[0], s[1], s[2] or 0))  # a missing account is opened in this order
    new_index = {id(inst): n for n, inst in enumerate(w.created)}
    doc = {
        "version": w.version,
        "entry": {"idempotency_key": w.entry_key, "fingerprint": w.fingerprint, "kind": EntryKind.REPAYMENT,
                  "effective_date": w.on, "memo": loan.contract_no[:300], "loan_id": loan.pk,
                  "created_by_id": user_id, "created_at": w.repayment["created_at"]},
        "postings": [{"agent_id": a, "purpose": p, "loan_id": lo, "currency": Currency.CNY,
                      "type": ACCOUNT_TYPE_OF[p], "amount": amount} for a, p, lo, amount in specs],
        "instalments": [{"id": i.pk, **{c: getattr(i, c) for c in INSTALMENT_COLUMNS}} for i in w.instalments],
        "created": [{c: getattr(i, c) for c in NEW_INSTALMENT_COLUMNS} for i in w.created],
        "repayment": w.repayment,
        # an allocation to a new instalment names it by its place in "created" (it has no id yet)
        "allocations": [{"instalment_id": inst.pk, "new_index": new_index.get(id(inst)), "penalty": penalty,
                         "interest": interest, "principal": principal}
                        for inst, penalty, interest, principal in w.allocations],
        "loan": {"id": loan.pk, **{c: getattr(loan, c) for c in LOAN_COLUMNS}},
        "moves": [{c: getattr(m, c) for c in MOVE_COLUMNS} for m in w.moves],
        "event": loan_event_row(REPAID, loan=loan, user=w.user, payload=w.event),  # + repayment_id, by the server
    }
    # the call and the audit log's record of its entry commit together: one flush to disk, and no
    # crash between two commits can leave a repayment the audit log does not know
    with transaction.atomic():
        [[result]] = sql.fetch_all_prepared("SELECT lending_repayment_write(%s::jsonb)",
                                            [json.dumps(doc, default=_json_default)])
        if result is None:
            return None
        if not result:
            return STALE
        entry_audit(entry_id=result[1], kind=EntryKind.REPAYMENT, lines=[(s[0], s[-1]) for s in specs],
                    loan_id=loan.pk, user=w.user, memo=loan.contract_no)
        events_kick_on_commit()  # the function wrote the loan.repaid event: a dispatch delivers it now
    return tuple(result)
