"""The outbox: ``event_emit`` writes an event in the caller's transaction; ``events_dispatch``
(a Celery task every minute, and kicked after each commit) hands events to the handlers
registered with ``register_handler``.

Exactly once in effect: a handler runs inside a transaction together with the insert of its
``EventDelivery(event, handler)`` row, which is unique. If the worker dies before the commit,
nothing of the handler stays and the event is claimed again when its lease runs out; if two
workers race on the same event, the second insert fails and rolls the second run back. A
handler that raises leaves no delivery and is retried after the lease; the other handlers of
the event keep their deliveries and are not run again.

Kinds are declared constants (``infocenter.event_kinds``); ``event_row`` refuses others. A kind
declared ``coalesce_per_subject`` (``rescore.requested``) is stored with a ``coalesce_key`` and
``INSERT … ON CONFLICT DO NOTHING`` (``events_insert_coalesced``): at most one unclaimed event of
the kind waits per subject agent.

Batches: ``events_dispatch`` claims up to ``EVENT_BATCH`` events at a time and hands them to
each handler together (``events_deliver``). A handler registered with ``batch=True`` is called
once with the list of the batch's events it has not delivered yet; a per-event handler is
called once per event, each call in a savepoint of the same transaction. Either way the
handler's delivery rows go in with one INSERT per handler and batch, committed with its
effects: a racing worker that committed some of them first makes that INSERT fail on the unique
key, the whole run of the handler rolls back and is re-run for the events still undelivered.
A batch handler that raises is re-run event by event (``func([event])``), so one bad event
cannot hold back the others. Several workers claim disjoint batches (``SKIP LOCKED`` and the
lease); on SQLite, which serialises writers, one worker dispatches batch after batch.

Commits without waiting for the disk: on PostgreSQL the dispatcher's own transactions (claim,
each handler's run with its deliveries, the mark) commit with ``synchronous_commit = off``.
A crash may lose the last fraction of a second of them — but a handler's effects and its
delivery rows go together, so what is lost is lost whole and redelivered after the lease:
exactly once in effect still holds. Only what a handler does outside the database after the
commit (an e-mail, a Celery message) may then happen twice (docs/decisions.md, "The outbox
commits without waiting for the disk")."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..constants import EVENT_BATCH, EVENT_LEASE, EVENT_MAX_ATTEMPTS
from ..event_kinds import RESCORE_REQUESTED, event_kind, rescore_trigger_kinds  # noqa: F401  (re-exported)
from ..models import Event, EventDelivery

logger = logging.getLogger(__name__)

# kind (or "*" for every kind, or "prefix.*") → {handler name: function}
_HANDLERS: dict[str, dict[str, Callable]] = defaultdict(dict)
# names of the handlers that take a list of events (``register_handler(..., batch=True)``)
_TAKES_LIST: set[str] = set()


def register_handler(kind: str, func: Callable, *, name: str | None = None, batch: bool = False) -> str:
    """Call ``func(event)`` for every event of ``kind`` (exact, ``"prefix.*"`` or ``"*"``), or,
    with ``batch=True``, ``func(events)`` once per dispatched batch with the list of its events
    of that kind (in id order; a list of one when the batch is re-run event by event).

    Call it from your ``AppConfig.ready()``. The handler must be idempotent in what it does
    outside the database (send e-mail with ``transaction.on_commit``); its database writes are
    committed with its delivery rows. ``name`` (default: module.qualname) identifies the handler
    in delivery rows — keep it stable across releases. Registering the same name again replaces
    the function (and its ``batch`` choice). Returns the name."""
    name = name or f"{func.__module__}.{func.__qualname__}"
    _HANDLERS[kind][name] = func
    if batch:
        _TAKES_LIST.add(name)
    else:
        _TAKES_LIST.discard(name)
    return name


def handler_takes_list(name: str) -> bool:
    return name in _TAKES_LIST


def handlers_for(kind: str) -> list[tuple[str, Callable]]:
    found: dict[str, Callable] = {}
    for pattern, handlers in _HANDLERS.items():
        if pattern == "*" or pattern == kind or (pattern.endswith(".*") and kind.startswith(pattern[:-1])):
            found.update(handlers)
    return sorted(found.items())


def _json(payload: dict) -> dict:
    # Decimals, dates and UUIDs become strings; the stored payload is plain JSON.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def _declared(kind: str):
    declared = event_kind(kind)
    if declared is None:
        raise ValueError(f"undeclared event kind {kind!r}: declare it with infocenter.event_kinds.event_kind_declare")
    return declared


def event_row(*, kind: str, subject_agent_id=None, actor_id=None, actor_agent_id=None, payload: dict | None = None,
              agent_ids=None) -> dict:
    """The outbox row of an event as column values (what ``event_emit`` stores). A hot path that
    writes its rows in one statement of its own (the repayment function of ``lending`` on
    PostgreSQL) inserts exactly this, so handlers cannot tell the two apart. ``kind`` must be
    declared (``infocenter.event_kinds``)."""
    declared = _declared(kind)
    payload = dict(payload or {})
    if agent_ids:
        payload["agent_ids"] = sorted({int(i) for i in agent_ids})
    row = {"kind": kind, "subject_agent_id": subject_agent_id, "actor_id": actor_id,
           "actor_agent_id": actor_agent_id, "payload": _json(payload), "created_at": timezone.now()}
    if declared.coalesce_per_subject:
        row["coalesce_key"] = Event.coalesce_key_for(kind, subject_agent_id)
    return row


def event_emit(*, kind: str, subject_agent=None, actor=None, actor_agent=None, payload: dict | None = None,
               agent_ids=None, kick: bool = True) -> Event | None:
    """Write an event row in the caller's transaction (the outbox) and kick the dispatcher
    once that transaction commits. ``agent_ids`` lists the agents the event concerns (for
    re-scoring), default the subject agent. Hot paths (repayments) pass ``kick=False``: the
    beat entry dispatches within a minute, without a broker round-trip per transaction.
    For a kind declared ``coalesce_per_subject`` it returns None: the event is stored unless an
    unclaimed one of the kind about the same subject already waits (that one will do)."""
    return event_insert(event_row(
        kind=kind, subject_agent_id=getattr(subject_agent, "pk", None), actor_id=getattr(actor, "pk", None),
        actor_agent_id=getattr(actor_agent, "pk", None), payload=payload, agent_ids=agent_ids), kick=kick)


def event_insert(row: dict, *, kick: bool = True) -> Event | None:
    """Store an ``event_row`` in the caller's transaction; kick the dispatcher after the commit."""
    if row.get("coalesce_key"):
        events_insert_coalesced([row], kick=kick)
        return None
    event = Event.objects.create(**row)
    if kick:
        _kick_on_commit()
    return event


def events_insert_coalesced(rows: list[dict], *, kick: bool = True) -> None:
    """Store rows that carry a ``coalesce_key`` in one ``INSERT … ON CONFLICT DO NOTHING``
    (``INSERT OR IGNORE`` on SQLite) against the partial unique index of unclaimed events: a row
    whose key already waits is dropped — atomically, even when two transactions insert the same
    key at once (the second waits for the first to commit, then does nothing; if the first rolls
    back, the second's row is stored)."""
    if not rows:
        return
    Event.objects.bulk_create([Event(**row) for row in rows], ignore_conflicts=True)
    if kick:
        _kick_on_commit()


# At most one dispatch waits in the broker's queue: a kick sets this flag (in the shared cache)
# when it queues one, the dispatch clears it as it starts, so a commit after that start queues the
# next. Without it every transaction that writes an event queued its own dispatch, and under a
# steady load of writes the queue grew without end (a report's re-score waited behind thousands
# of dispatches with nothing left to do). The timeout frees the flag if a queued dispatch is lost.
DISPATCH_QUEUED_KEY = "infocenter:events-dispatch-queued"
DISPATCH_QUEUED_TIMEOUT = 60  # seconds; beat also dispatches every minute


def _kick() -> None:
    from celery import current_app

    from ..tasks import events_dispatch as task

    eager = current_app.conf.task_always_eager  # tests: the dispatch runs here and now
    if not eager and not cache.add(DISPATCH_QUEUED_KEY, 1, timeout=DISPATCH_QUEUED_TIMEOUT):
        return  # a dispatch already waits; it will find this transaction's events
    try:
        task.delay()
    except Exception:  # the broker may be down; the beat entry dispatches within a minute
        cache.delete(DISPATCH_QUEUED_KEY)
        logger.warning("could not enqueue the event dispatcher; beat will run it", exc_info=True)


def dispatch_starting() -> None:
    """Called by the dispatch task before it claims anything: the next commit may queue another."""
    cache.delete(DISPATCH_QUEUED_KEY)


def events_pending() -> bool:
    """Whether any event may be claimed now (undelivered, lease free, attempts left)."""
    now = timezone.now()
    return Event.objects.filter(dispatched_at__isnull=True, attempts__lt=EVENT_MAX_ATTEMPTS).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)).exists()


def events_kick_on_commit() -> None:
    """For a writer that inserts its events itself (the repayment's SQL function): ask for a
    dispatch after the current transaction commits, as ``event_insert`` does — with a broker
    only: with eager tasks (the test suite) the repayment's events wait for an explicit dispatch,
    as they always have there (a dispatch after every repayment would run every handler inside
    the repayment tests)."""
    from celery import current_app

    if not current_app.conf.task_always_eager:
        _kick_on_commit()


def _kick_on_commit() -> None:
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(item[1] is _kick for item in conn.run_on_commit):
        return  # one kick per transaction is enough
    transaction.on_commit(_kick, robust=True)


def _commit_without_waiting() -> None:
    """Inside the outermost transaction on PostgreSQL (never a caller's own): let its commit
    return before its WAL is on disk."""
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def events_claim(*, now=None, batch: int = EVENT_BATCH, lease=EVENT_LEASE) -> list[int]:
    """Claim up to ``batch`` undelivered events whose lease is free or has run out: set a new
    lease and count the attempt. On PostgreSQL rows locked by another worker are skipped
    (``SELECT … FOR UPDATE SKIP LOCKED``); SQLite serialises writers, a plain loop suffices."""
    now = now or timezone.now()
    with transaction.atomic():
        _commit_without_waiting()
        qs = (
            Event.objects.filter(dispatched_at__isnull=True, attempts__lt=EVENT_MAX_ATTEMPTS)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .order_by("pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:batch])
        if ids:
            Event.objects.filter(pk__in=ids).update(lease_until=now + lease, attempts=F("attempts") + 1)
    return ids


def _delivered_handlers(event: Event) -> set[str]:
    return set(EventDelivery.objects.filter(event=event).values_list("handler", flat=True))


def event_deliver(event: Event, *, now=None) -> bool:
    """Run every handler of one event that has no delivery yet, each in its own transaction
    with its delivery row. True when all are delivered. (``events_deliver`` does a batch.)"""
    done = _delivered_handlers(event)
    errors = []
    for name, func in handlers_for(event.kind):
        if name in done:
            continue
        try:
            with transaction.atomic():
                func([event]) if handler_takes_list(name) else func(event)
                EventDelivery.objects.create(event=event, handler=name)
        except IntegrityError as exc:
            # Another worker delivered it meanwhile (our run was rolled back), or the handler
            # itself broke a constraint (then there is no delivery and it is retried).
            if not EventDelivery.objects.filter(event=event, handler=name).exists():
                errors.append(f"{name}: {exc!r}")
        except Exception as exc:
            logger.exception("event handler %s failed on event %s", name, event.pk)
            errors.append(f"{name}: {exc!r}")
    now = now or timezone.now()
    if errors:
        Event.objects.filter(pk=event.pk).update(last_error="\n".join(errors)[:4000])
        return False
    Event.objects.filter(pk=event.pk).update(dispatched_at=now, lease_until=None, last_error="")
    return True


def _error(name: str, exc: BaseException) -> str:
    return f"{name}: {exc!r}"


def _connection_lost() -> bool:
    """The worker's database session is gone (killed, network): the batch is abandoned and
    its lease brings it back, rather than every event being counted as a handler's failure."""
    raw = connection.connection
    return raw is None or bool(getattr(raw, "closed", False))


def _handler_run(name: str, func: Callable, events: list[Event]) -> tuple[list[Event], dict[int, str]]:
    """Run one handler on ``events`` inside the caller's transaction: (delivered, errors by
    event id). A failing call leaves nothing (its savepoint is rolled back)."""
    if handler_takes_list(name):
        try:
            with transaction.atomic():
                func(list(events))
            return events, {}
        except Exception as exc:
            if _connection_lost():
                raise
            if len(events) == 1:
                logger.exception("event handler %s failed on event %s", name, events[0].pk)
                return [], {events[0].pk: _error(name, exc)}
            logger.warning("batch handler %s failed on %d events; re-running them one by one", name, len(events))
    delivered, errors = [], {}
    for event in events:
        try:
            with transaction.atomic():
                func([event]) if handler_takes_list(name) else func(event)
            delivered.append(event)
        except Exception as exc:
            if _connection_lost():
                raise
            logger.exception("event handler %s failed on event %s", name, event.pk)
            errors[event.pk] = _error(name, exc)
    return delivered, errors


def _deliveries_insert(name: str, events: list[Event], now) -> None:
    """One INSERT of the handler's delivery rows (fails on the unique key if any exists). On
    PostgreSQL the ids go as one array parameter (``unnest``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {EventDelivery._meta.db_table} (event_id, handler, delivered_at) "  # noqa: S608 (model's table)
                "SELECT id, %s, %s FROM unnest(%s::bigint[]) AS id", [name, now, [e.pk for e in events]])
        return
    EventDelivery.objects.bulk_create([EventDelivery(event_id=e.pk, handler=name, delivered_at=now) for e in events])


def _handler_deliver(name: str, func: Callable, events: list[Event], now, *, tries: int = 3) -> dict[int, str]:
    """Run one handler on the batch's events and insert its delivery rows, all in one
    transaction. If another worker committed a delivery of some of them meanwhile, the INSERT
    fails, everything of this run rolls back, and the handler runs again on the rest."""
    todo = list(events)
    for _ in range(tries):
        try:
            with transaction.atomic():
                _commit_without_waiting()
                delivered, errors = _handler_run(name, func, todo)
                if delivered:
                    _deliveries_insert(name, delivered, now)
            return errors
        except IntegrityError:
            done = set(EventDelivery.objects.filter(event_id__in=[e.pk for e in todo], handler=name)
                       .values_list("event_id", flat=True))
            todo = [e for e in todo if e.pk not in done]
            if not todo:
                return {}
    return {e.pk: f"{name}: deliveries kept colliding with another worker's" for e in todo}


def events_deliver(events: list[Event], *, now=None) -> list[int]:
    """Deliver a claimed batch: for each handler, one transaction with its run on the events it
    has not delivered yet and one INSERT of its delivery rows. Then one UPDATE marks the fully
    delivered events dispatched. Returns their ids."""
    if not events:
        return []
    now = now or timezone.now()
    done: dict[int, set[str]] = defaultdict(set)
    for event_id, handler in EventDelivery.objects.filter(event_id__in=[e.pk for e in events]).values_list(
            "event_id", "handler"):
        done[event_id].add(handler)
    by_handler: dict[str, list[Event]] = defaultdict(list)
    funcs: dict[str, Callable] = {}
    kinds: dict[str, list[tuple[str, Callable]]] = {}
    for event in events:
        if event.kind not in kinds:
            kinds[event.kind] = handlers_for(event.kind)
        for name, func in kinds[event.kind]:
            funcs.setdefault(name, func)
            if name not in done[event.pk]:
                by_handler[name].append(event)
    errors: dict[int, list[str]] = defaultdict(list)
    for name in sorted(by_handler):
        for event_id, message in _handler_deliver(name, funcs[name], by_handler[name], now).items():
            errors[event_id].append(message)
    ok = [e.pk for e in events if e.pk not in errors]
    with transaction.atomic():
        _commit_without_waiting()
        if ok:
            Event.objects.filter(pk__in=ok).update(dispatched_at=now, lease_until=None, last_error="")
        for event_id, messages in errors.items():
            Event.objects.filter(pk=event_id).update(last_error="\n".join(messages)[:4000])
    return ok


def events_dispatch(*, now=None, max_batches: int = 10, batch: int = EVENT_BATCH) -> int:
    """Claim and deliver pending events, batch after batch (events that handlers emit, such as
    ``rescore.requested``, are delivered in a later batch of the same run). Several workers may
    run it at once: their batches are disjoint. Returns how many events were fully delivered."""
    delivered = 0
    for _ in range(max_batches):
        ids = events_claim(now=now, batch=batch)
        if not ids:
            break
        delivered += len(events_deliver(list(Event.objects.filter(pk__in=ids).order_by("pk")), now=now))
    return delivered
