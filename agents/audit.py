"""The audit log: every money-moving and permission-changing action, append-only and
tamper-evident.

Guarantees:

- ``audit_record(action, ...)`` writes one ``AuditRecord`` in the caller's transaction — an action
  rolled back leaves no record, a committed one always has its record. Who and from where come
  from the request (``AuditContextMiddleware`` sets them for the request's duration; a Celery
  task or a command is recorded as "system"), unless the caller names the actor;
- each record carries ``row_hash``, the SHA-256 of its canonical content, from the moment it is
  written; ``audit_chain_seal()`` links committed records one after another
  (``chain_hash = sha256(previous chain_hash + row_hash)``) under a lock on the single chain head,
  so writers never wait for each other — sealing is a separate short transaction (after each
  request that audited something, and every minute from beat);
- ``audit_chain_verify()`` recomputes every row hash and the chain and names the first record
  that does not match (changed content, a removed or inserted row, an unsealed record whose own
  hash is wrong). ``manage.py audit_verify`` runs it and exits non-zero on a break;
- on PostgreSQL a trigger refuses DELETE and every UPDATE except sealing an unsealed record
  (migration ``agents 0006``); the model refuses both in Python on every database.
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as _noop

from .dbsql import fetch_all_prepared
from .models import AuditChainHead, AuditRecord

GENESIS = "0" * 64
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditContext:
    user_id: int | None = None
    label: str = ""
    ip: str | None = None


_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def audit_context_set(*, user=None, ip: str | None = None):
    """Set who acts and from where until ``audit_context_reset(token)``."""
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    label = (getattr(user, "email", "") or str(user)) if user_id else ""
    return _context.set(AuditContext(user_id=user_id, label=label[:200], ip=ip or None))


def audit_context_reset(token) -> None:
    _context.reset(token)


def _canonical(record: AuditRecord) -> bytes:
    content = {
        "at": record.at.isoformat(), "actor": record.actor_id, "actor_label": record.actor_label,
        "agent": record.agent_id, "action": record.action, "target": record.target,
        "summary": record.summary, "data": record.data, "ip": record.ip, "region": record.region_code,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def row_hash_of(record: AuditRecord) -> str:
    return hashlib.sha256(_canonical(record)).hexdigest()


def chain_hash_of(previous: str, row_hash: str) -> str:
    return hashlib.sha256(f"{previous}{row_hash}".encode()).hexdigest()


def audit_record(action: str, *, target: str = "", summary: str = "", agent=None, data: dict | None = None,
                 actor=None) -> AuditRecord:
    """Record ``action`` (``"ledger.entry_posted"``, ``"membership.role_changed"``…) on ``target``
    (``"loan:12"``) for ``agent`` (the organisation acted for or concerned). JSON-safe ``data``
    only (amounts as strings)."""
    context = _context.get() or AuditContext()
    actor_id = getattr(actor, "pk", None) if actor is not None else context.user_id
    label = (getattr(actor, "email", "") or str(actor)) if actor is not None else context.label
    record = AuditRecord(
        at=timezone.now(), actor_id=actor_id, actor_label=(label or "system")[:200],
        agent_id=getattr(agent, "pk", agent), action=action[:60], target=target[:120],
        summary=summary[:300], data=json.loads(json.dumps(data or {}, default=str)), ip=context.ip,
        region_code=getattr(agent, "region_code", "") or "",
    )
    record.row_hash = row_hash_of(record)
    _insert(record)
    connection = transaction.get_connection()
    if not (connection.in_atomic_block and any(item[1] is _seal_soon for item in connection.run_on_commit)):
        transaction.on_commit(_seal_soon, robust=True)  # one seal per transaction
    return record


_INSERT_SQL = (f"INSERT INTO {AuditRecord._meta.db_table} (at, actor_id, actor_label, agent_id, action, target, "  # noqa: S608
               "summary, data, ip, region_code, row_hash, chain_hash) "
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::inet, %s, %s, '') RETURNING id")


def _insert(record: AuditRecord) -> None:
    """Write a new record. Every repayment writes one, so on PostgreSQL this is one statement
    prepared once per connection (the ORM's save compiled it anew each time: a fifth of a
    repayment's Python time, benchmarks/README.md); elsewhere the model's own save."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        record.save()
        return
    from psycopg.types.json import Jsonb

    [[record.pk]] = fetch_all_prepared(_INSERT_SQL, [
        record.at, record.actor_id, record.actor_label, record.agent_id, record.action, record.target,
        record.summary, Jsonb(record.data), record.ip, record.region_code, record.row_hash])
    record._state.adding, record._state.db = False, connection.alias


# At most one background seal is queued per this many seconds (per cache): a sustained load of
# audited writes (hundreds of repayments a second, each in its own transaction) used to queue one
# seal task per commit, each ≈ 50 ms of the worker's time, and flooded the worker's queue ahead of
# the feedback loop's tasks (benchmarks/loop_latency.py). One seal seals every pending record.
SEAL_KICK_WINDOW = 1.0
SEAL_KICK_KEY = "agents:audit-seal-queued"


def _seal_soon() -> None:
    """After a commit that audited something: seal in the background; when the broker is down
    the minute beat entry (or ``audit_verify``) seals later. The first commit of a window queues
    one seal to run after the window has closed (``countdown``), so it also seals the records of
    every later commit of the window, whose own kick is skipped. Eager Celery (the tests) seals
    after every commit as before."""
    from django.core.cache import cache

    from .tasks import audit_chain_seal_task

    try:
        if audit_chain_seal_task.app.conf.task_always_eager:
            audit_chain_seal_task.delay()
        elif cache.add(SEAL_KICK_KEY, 1, timeout=SEAL_KICK_WINDOW):
            audit_chain_seal_task.apply_async(countdown=SEAL_KICK_WINDOW + 0.5)
    except Exception:  # noqa: BLE001 - the broker (or the cache) may be down
        logger.warning("could not enqueue the audit sealer; beat will run it", exc_info=True)


def audit_chain_seal(*, batch: int = 5000) -> int:
    """Link every committed, unsealed record to the chain, oldest first. Returns how many."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            pending = list(AuditRecord.objects.filter(chain_seq__isnull=True).order_by("id")[:batch])
            for record in pending:
                head.last_seq += 1
                head.last_hash = chain_hash_of(head.last_hash, record.row_hash)
                record.chain_seq, record.chain_hash = head.last_seq, head.last_hash
                record.save(update_fields=["chain_seq", "chain_hash"], sealing=True)
            head.save()
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    unsealed: int
    head_hash: str
    broken_at: int | None = None  # the id of the first record that does not match
    problem: str = ""


def audit_chain_verify() -> ChainCheck:
    """Recompute every record's hash and the chain (see the module docstring)."""
    previous, expected_seq, checked = GENESIS, 1, 0
    sealed = AuditRecord.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
    for record in sealed.iterator(chunk_size=2000):
        checked += 1
        if record.chain_seq != expected_seq:
            return ChainCheck(False, checked, 0, previous, record.pk, _noop("a record is missing before this one"))
        if row_hash_of(record) != record.row_hash:
            return ChainCheck(False, checked, 0, previous, record.pk, _noop("the record's content was changed"))
        previous = chain_hash_of(previous, record.row_hash)
        if previous != record.chain_hash:
            return ChainCheck(False, checked, 0, previous, record.pk, _noop("the chain hash does not match"))
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != previous):
        return ChainCheck(False, checked, 0, previous, None, _noop("records at the end of the chain are missing"))
    unsealed = 0
    for record in AuditRecord.objects.filter(chain_seq__isnull=True).iterator(chunk_size=2000):
        unsealed += 1
        if row_hash_of(record) != record.row_hash:
            return ChainCheck(False, checked, unsealed, previous, record.pk, _noop("the record's content was changed"))
    return ChainCheck(True, checked, unsealed, previous)


def audit_action_readable_by_its_agent(action: str) -> None:
    """Let the members of the agent a record is about read the records of ``action`` (the history
    of the agent's own settings); every other record stays the supervisors'."""
    AuditRecord.readable_by_its_agent.add(action)


def audit_records_visible(user):
    """The audit records ``user`` may read (``AuditRecord.restrict_q``: a superuser all, a
    government supervisor those about agents of its region, an agent's members the records of its
    own settings declared readable, anyone else none)."""
    return AuditRecord.objects.restrict(user).select_related("agent", "actor")
