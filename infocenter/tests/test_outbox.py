"""The outbox under failure: events are written with the change, delivered to each handler
once in effect, and picked up again after a handler raised or a worker died."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infocenter.constants import EVENT_LEASE, EVENT_MAX_ATTEMPTS
from infocenter.event_kinds import event_kind_declare
from infocenter.models import Event, EventDelivery, Notification, Publication
from infocenter.services import (
    event_deliver,
    event_emit,
    events_claim,
    events_deliver,
    events_dispatch,
    handlers_for,
    publication_create,
    register_handler,
    subscription_create,
)
from infocenter.services.events import _HANDLERS

# Kinds of the tests' own events (declared like any app's kinds)
T_CRASH = event_kind_declare("test.crash", owner="tests")
T_FLAKY = event_kind_declare("test.flaky", owner="tests")
T_ONE = event_kind_declare("test.one", owner="tests")
T_PARALLEL = event_kind_declare("test.parallel", owner="tests")
T_PING = event_kind_declare("test.ping", owner="tests")
T_POISON = event_kind_declare("test.poison", owner="tests")
T_RACE = event_kind_declare("test.race", owner="tests")
T_ROLLED_BACK = event_kind_declare("test.rolled_back", owner="tests")
T_TWO = event_kind_declare("test.two", owner="tests")
T_BATCH = event_kind_declare("test.batch", owner="tests")
T_BATCH_BAD = event_kind_declare("test.batch_bad", owner="tests")
T_BATCH_KILLED = event_kind_declare("test.batch_killed", owner="tests")
T_BATCH_RACE = event_kind_declare("test.batch_race", owner="tests")
T_BATCH_STALE = event_kind_declare("test.batch_stale", owner="tests")
T_BATCH_WORKERS = event_kind_declare("test.batch_workers", owner="tests")

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    """Register test handlers for ``test.*`` events and remove them afterwards."""
    added = []

    def register(kind, func, name, **options):
        added.append((kind, name))
        return register_handler(kind, func, name=name, **options)

    yield register
    for kind, name in added:
        _HANDLERS[kind].pop(name, None)


def _later(minutes=6):
    return timezone.now() + timedelta(minutes=minutes)


def test_an_event_is_written_in_the_callers_transaction(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_emit(kind=T_ROLLED_BACK, subject_agent=world.firm)
        raise RuntimeError("the change fails")
    assert not Event.objects.filter(kind=T_ROLLED_BACK).exists()


def test_handlers_match_exact_kinds_prefixes_and_everything(registry):
    registry(T_ONE, lambda e: None, "t.exact")
    registry("test.*", lambda e: None, "t.prefix")
    names = [name for name, _f in handlers_for(T_ONE)]
    assert {"t.exact", "t.prefix", "infocenter.rescore"} <= set(names)
    assert "t.exact" not in [name for name, _f in handlers_for(T_TWO)]


def test_each_handler_gets_each_event_once(world, registry):
    calls = []
    registry(T_PING, lambda e: calls.append(("a", e.pk)), "t.a")
    registry(T_PING, lambda e: calls.append(("b", e.pk)), "t.b")
    event = event_emit(kind=T_PING, subject_agent=world.firm, payload={"n": 1})
    assert events_dispatch() >= 1
    assert sorted(calls) == [("a", event.pk), ("b", event.pk)]
    event.refresh_from_db()
    assert event.dispatched_at and event.lease_until is None and event.attempts == 1
    assert set(EventDelivery.objects.filter(event=event).values_list("handler", flat=True)) >= {"t.a", "t.b"}
    events_dispatch(now=_later(60))
    assert len(calls) == 2


def test_a_failing_handler_is_retried_after_the_lease_and_the_others_are_not_rerun(world, registry):
    calls = {"ok": 0, "flaky": 0}
    broken = {"yes": True}

    def ok(event):
        calls["ok"] += 1

    def flaky(event):
        calls["flaky"] += 1
        Notification.objects.create(user=world.users["enterprise"], kind="test", params={})  # rolled back
        if broken["yes"]:
            raise ConnectionError("SMTP server down")

    registry(T_FLAKY, ok, "t.ok")
    registry(T_FLAKY, flaky, "t.flaky")
    event = event_emit(kind=T_FLAKY, subject_agent=world.firm)
    events_dispatch()
    event.refresh_from_db()
    assert event.dispatched_at is None and "SMTP server down" in event.last_error
    assert not Notification.objects.filter(kind="test").exists()  # the failed run left nothing
    events_dispatch()  # still leased: not retried yet
    assert calls == {"ok": 1, "flaky": 1}
    broken["yes"] = False
    events_dispatch(now=_later())
    event.refresh_from_db()
    assert event.dispatched_at and event.attempts == 2 and event.last_error == ""
    assert calls == {"ok": 1, "flaky": 2}
    assert Notification.objects.filter(kind="test").count() == 1


def test_a_worker_that_dies_after_claiming_leaves_the_event_to_the_next_one(world, registry):
    calls = []
    registry(T_CRASH, lambda e: calls.append(e.pk), "t.crash")
    event = event_emit(kind=T_CRASH, subject_agent=world.firm)
    claimed = events_claim()  # worker 1 claims … and dies before delivering
    assert event.pk in claimed
    events_dispatch()  # worker 2, within the lease: leaves it alone
    assert calls == []
    events_dispatch(now=timezone.now() + EVENT_LEASE + timedelta(seconds=1))
    assert calls == [event.pk]
    event.refresh_from_db()
    assert event.dispatched_at and event.attempts == 2


def test_a_second_delivery_racing_the_first_rolls_back(world, registry, monkeypatch):
    """Two workers run the same handler (the first one's lease ran out while it was slow): the
    second read the deliveries before the first committed, runs the handler too, and its insert
    of the delivery row fails on the unique key — so its effects roll back."""
    def handler(event):
        Notification.objects.create(user=world.users["enterprise"], kind=T_RACE, params={})

    registry(T_RACE, handler, "t.race")
    event = event_emit(kind=T_RACE, subject_agent=world.firm)
    EventDelivery.objects.create(event=event, handler="t.race")  # worker 1 committed meanwhile
    EventDelivery.objects.filter(event=event).exclude(handler="t.race").delete()
    monkeypatch.setattr("infocenter.services.events._delivered_handlers", lambda e: set())  # worker 2's stale read
    assert event_deliver(event) is True
    assert not Notification.objects.filter(kind=T_RACE).exists()
    assert EventDelivery.objects.filter(event=event, handler="t.race").count() == 1


def test_no_duplicate_notifications_when_a_crashed_event_is_redelivered(world):
    """The built-in notification handler under a crash: the subscriber gets one notification."""
    subscription_create(user=world.users["investor"], target="module", module="enterprise")
    publication_create(subject=world.firm, author=world.users["enterprise"], category="certifications",
                       title="通过 ISO 9001 认证", visibility="public")
    event = Event.objects.get(kind="publication.published")
    events_claim()  # a worker claims and dies
    # Another run delivers it after the lease; a third one (say, a duplicate task) changes nothing.
    events_dispatch(now=_later())
    events_dispatch(now=_later(20))
    # Even re-running the handler by hand adds nothing (one notification per person and event).
    from infocenter.handlers import notify

    with transaction.atomic():
        notify(event)
    assert Notification.objects.filter(user=world.users["investor"], event=event).count() == 1


def test_an_event_that_keeps_failing_is_parked(world, registry):
    def always(event):
        raise ValueError("bad payload")

    registry(T_POISON, always, "t.poison")
    event = event_emit(kind=T_POISON, subject_agent=world.firm)
    for i in range(EVENT_MAX_ATTEMPTS + 3):
        events_dispatch(now=_later(6 * (i + 1)))
    event.refresh_from_db()
    assert event.attempts == EVENT_MAX_ATTEMPTS and event.dispatched_at is None


def test_information_events_request_a_rescore_of_the_agents_they_concern(world, registry):
    received = []
    registry("rescore.requested", lambda e: received.append((e.agent_ids, e.payload["reason"])), "t.ratings")
    publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                       title="2025 纳税 86 万元", visibility="public")
    events_dispatch()
    assert received == [([world.firm.pk], "publication.published")]
    rescore = Event.objects.get(kind="rescore.requested")
    assert rescore.payload["source_event_id"] == Event.objects.get(kind="publication.published").pk


def test_the_commit_kicks_the_dispatcher(world, django_capture_on_commit_callbacks):
    subscription_create(user=world.users["investor"], target="agent", agent=world.firm)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publication_create(subject=world.firm, author=world.users["enterprise"], category="major_events",
                           title="新厂房投产", visibility="members")
        publication_create(subject=world.firm, author=world.users["enterprise"], category="major_events",
                           title="新生产线", visibility="members")
    assert [cb.__name__ for cb in callbacks].count("_kick") == 1  # one kick per transaction
    assert Notification.objects.filter(user=world.users["investor"]).count() == 2
    assert not Event.objects.filter(dispatched_at__isnull=True, kind__startswith="publication.").exists()


def test_at_most_one_dispatch_waits_in_the_queue(world, monkeypatch):
    """With a real broker (not eager), commits while a dispatch waits queue no other; once the
    dispatch starts, the next commit queues the next; a dispatch that leaves events queues its successor."""
    from celery import current_app

    queued = []
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        _one_dispatch_waits(world, monkeypatch, queued)
    finally:
        current_app.conf.task_always_eager = eager


def _one_dispatch_waits(world, monkeypatch, queued):
    from django.core.cache import cache

    from infocenter import tasks
    from infocenter.services import events as outbox

    monkeypatch.setattr(tasks.events_dispatch, "delay", lambda: queued.append(1))
    cache.delete(outbox.DISPATCH_QUEUED_KEY)
    for _ in range(5):  # five transactions that write events
        outbox._kick()
    assert len(queued) == 1
    outbox.dispatch_starting()  # the worker takes it
    outbox._kick()
    assert len(queued) == 2
    # the task: nothing pending after its run → no successor; events left (beyond its batches) → one
    outbox.dispatch_starting()
    monkeypatch.setattr(outbox, "events_dispatch", lambda: 0)
    tasks.events_dispatch.run()
    assert len(queued) == 2
    monkeypatch.setattr(outbox, "events_dispatch", lambda: 3)
    publication_create(subject=world.firm, author=world.users["enterprise"], category="major_events",
                       title="新厂房投产", visibility="members")
    queued.clear()
    cache.delete(outbox.DISPATCH_QUEUED_KEY)
    tasks.events_dispatch.run()
    assert queued == [1]
    cache.delete(outbox.DISPATCH_QUEUED_KEY)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SELECT … FOR UPDATE SKIP LOCKED)")
def test_two_workers_claim_disjoint_events_on_postgresql(world):
    # Written directly: event_emit would kick the (eager) dispatcher on commit.
    Event.objects.bulk_create([Event(kind=T_PARALLEL, subject_agent=world.firm, payload={"i": i})
                               for i in range(40)])
    a_claimed, b_done = threading.Event(), threading.Event()
    results = {}

    def worker_a():
        from django.db import connection as conn

        try:
            with transaction.atomic():  # holds its row locks until B has claimed
                results["a"] = events_claim(batch=25)
                a_claimed.set()
                b_done.wait(10)
        finally:
            conn.close()

    def worker_b():
        from django.db import connection as conn

        try:
            a_claimed.wait(10)
            results["b"] = events_claim(batch=25)  # must skip A's locked rows, not wait for them
            b_done.set()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert b_done.is_set(), "worker B blocked on worker A's locks"
    assert len(results["a"]) == 25 and len(results["b"]) == 15
    assert not set(results["a"]) & set(results["b"])


def test_publications_and_their_events_commit_together(world):
    """A failure after publishing rolls back both the publication and its event."""
    with pytest.raises(RuntimeError), transaction.atomic():
        publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                           title="x", visibility="public")
        raise RuntimeError
    assert not Publication.objects.exists() and not Event.objects.exists()


# --- batches ---------------------------------------------------------------------------------------
def _pending(kind, n, world):
    """``n`` events written directly (``event_emit`` would kick the eager dispatcher on commit)."""
    return Event.objects.bulk_create([Event(kind=kind, subject_agent=world.firm, payload={"i": i}) for i in range(n)])


def _effect(world, kind):
    """A batch handler whose effect is one row per event (no unique key of its own, so a
    second run would show as a second row)."""
    def handler(events):
        Notification.objects.bulk_create([Notification(user=world.users["enterprise"], kind=kind,
                                                       params={"event": e.pk}) for e in events])
    return handler


def _effects(kind) -> list[int]:
    return sorted(n.params["event"] for n in Notification.objects.filter(kind=kind, event__isnull=True))


def _delivery_inserts(queries) -> int:
    return sum(1 for q in queries if q["sql"].lstrip().upper().startswith("INSERT")
               and EventDelivery._meta.db_table in q["sql"])


def test_a_batch_handler_is_called_once_per_batch_with_one_delivery_insert(world, registry):
    calls, single = [], []
    registry(T_BATCH, lambda events: calls.append([e.pk for e in events]), "t.batch", batch=True)
    registry(T_BATCH, lambda event: single.append(event.pk), "t.single")  # per-event handlers still work
    events = _pending(T_BATCH, 30, world)
    with CaptureQueriesContext(connection) as queries:
        assert events_dispatch(batch=50) == 30
    assert calls == [[e.pk for e in events]]
    assert single == [e.pk for e in events]
    # one INSERT of delivery rows per handler and batch: t.batch, t.single, infocenter.rescore
    assert _delivery_inserts(queries.captured_queries) == 3
    assert EventDelivery.objects.filter(event__in=events, handler="t.batch").count() == 30
    assert not Event.objects.filter(kind=T_BATCH, dispatched_at__isnull=True).exists()
    events_dispatch(now=_later(60))
    assert len(calls) == 1 and len(single) == 30


def test_events_are_claimed_in_batches_of_the_given_size(world, registry):
    calls = []
    registry(T_BATCH, lambda events: calls.append(len(events)), "t.batch", batch=True)
    _pending(T_BATCH, 25, world)
    assert events_dispatch(batch=10) == 25
    assert calls == [10, 10, 5]


def test_a_failing_batch_is_rerun_event_by_event_and_only_the_bad_one_waits(world, registry):
    seen = []
    bad = {"yes": True}

    def handler(events):
        seen.append(len(events))
        Notification.objects.bulk_create([Notification(user=world.users["enterprise"], kind=T_BATCH_BAD,
                                                       params={"event": e.pk}) for e in events])
        if bad["yes"] and any(e.payload["i"] == 3 for e in events):
            raise ValueError("event 3 is malformed")

    registry(T_BATCH_BAD, handler, "t.batch_bad", batch=True)
    events = _pending(T_BATCH_BAD, 6, world)
    assert events_dispatch() == 5
    assert seen == [6, 1, 1, 1, 1, 1, 1]  # the batch failed, then each event alone
    poisoned = Event.objects.get(pk=events[3].pk)
    assert poisoned.dispatched_at is None and "event 3 is malformed" in poisoned.last_error
    assert _effects(T_BATCH_BAD) == sorted(e.pk for e in events if e.pk != poisoned.pk)  # the failed runs left nothing
    bad["yes"] = False
    assert events_dispatch(now=_later()) == 1
    assert _effects(T_BATCH_BAD) == sorted(e.pk for e in events)


def test_a_batch_that_races_a_committed_delivery_rolls_back_and_runs_on_the_rest(world, registry, monkeypatch):
    """Another worker delivered two events of our batch after we read the deliveries: our
    INSERT of delivery rows fails on the unique key, the whole run rolls back, and the handler
    runs again on the other events only — every effect once."""
    registry(T_BATCH_STALE, _effect(world, T_BATCH_STALE), "t.batch_stale", batch=True)
    events = _pending(T_BATCH_STALE, 5, world)
    for event in events[:2]:  # worker 1 committed these (with their effects) meanwhile
        Notification.objects.create(user=world.users["enterprise"], kind=T_BATCH_STALE, params={"event": event.pk})
        EventDelivery.objects.create(event=event, handler="t.batch_stale")
    real = EventDelivery.objects.filter
    stale = {"reads": 0}

    def stale_filter(*args, **kwargs):  # worker 2's first read of the deliveries saw none
        if stale["reads"] == 0 and "event_id__in" in kwargs and "handler" not in kwargs:
            stale["reads"] += 1
            return real(pk__in=[])
        return real(*args, **kwargs)

    monkeypatch.setattr(EventDelivery.objects, "filter", stale_filter)
    assert sorted(events_deliver(events)) == sorted(e.pk for e in events)
    assert _effects(T_BATCH_STALE) == sorted(e.pk for e in events)
    assert EventDelivery.objects.filter(event__in=events, handler="t.batch_stale").count() == 5


class _Killed(BaseException):
    """The worker process dies (not an error a handler could catch)."""


def test_a_worker_killed_after_the_handler_ran_leaves_nothing_and_the_batch_is_redelivered(world, registry,
                                                                                           monkeypatch):
    registry(T_BATCH_KILLED, _effect(world, T_BATCH_KILLED), "t.batch_killed", batch=True)
    events = _pending(T_BATCH_KILLED, 8, world)
    from infocenter.services import events as outbox

    real = outbox._deliveries_insert

    def die(name, batch, now):
        if name == "t.batch_killed":
            raise _Killed
        return real(name, batch, now)

    monkeypatch.setattr(outbox, "_deliveries_insert", die)
    with pytest.raises(_Killed):
        events_dispatch()
    assert _effects(T_BATCH_KILLED) == []  # the handler's rows went with the rolled-back transaction
    monkeypatch.setattr(outbox, "_deliveries_insert", real)
    events_dispatch()  # within the lease: nobody takes it
    assert _effects(T_BATCH_KILLED) == []
    assert events_dispatch(now=timezone.now() + EVENT_LEASE + timedelta(seconds=1)) == 8
    assert _effects(T_BATCH_KILLED) == sorted(e.pk for e in events)
    assert all(e.attempts == 2 for e in Event.objects.filter(kind=T_BATCH_KILLED))


def _in_thread(target, name, errors):
    def run():
        from django.db import connection as conn

        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append((name, exc))
        finally:
            conn.close()
    return threading.Thread(target=run, name=name)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (two connections writing at once)")
def test_two_workers_racing_on_one_batch_deliver_each_event_once_on_postgresql(world, registry):
    """Worker A claims a batch and runs the handler; it is slow, its lease runs out, worker B
    claims the same batch, runs the handler and commits. A's INSERT of the delivery rows then
    fails on the unique key and A's effects roll back."""
    a_ran, b_done = threading.Event(), threading.Event()
    effect = _effect(world, T_BATCH_RACE)

    def handler(events):
        effect(events)
        if threading.current_thread().name == "worker-a":
            a_ran.set()
            b_done.wait(20)  # A is slow: B overtakes it

    registry(T_BATCH_RACE, handler, "t.batch_race", batch=True)
    events = _pending(T_BATCH_RACE, 30, world)
    results, errors = {}, []

    def worker_a():
        results["a"] = events_dispatch(max_batches=1)

    def worker_b():
        try:
            assert a_ran.wait(20)
            results["b"] = events_dispatch(now=_later(), max_batches=1)  # A's lease has run out for B
        finally:
            b_done.set()

    threads = [_in_thread(worker_a, "worker-a", errors), _in_thread(worker_b, "worker-b", errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    assert not errors and results == {"a": 30, "b": 30}
    assert _effects(T_BATCH_RACE) == sorted(e.pk for e in events)  # once each: A's run rolled back
    assert EventDelivery.objects.filter(event__in=events, handler="t.batch_race").count() == 30
    assert not Event.objects.filter(kind=T_BATCH_RACE, dispatched_at__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (pg_terminate_backend)")
def test_a_worker_whose_connection_dies_mid_batch_is_redelivered_once_on_postgresql(world, registry):
    """The worker's database session is killed after the handler ran and before the commit of
    its delivery rows: nothing of the run stays; after the lease another worker delivers the
    batch and each effect happens once."""
    ran, killed = threading.Event(), threading.Event()
    backend = {}
    effect = _effect(world, T_BATCH_KILLED)

    def handler(events):
        effect(events)
        if threading.current_thread().name == "doomed":
            from django.db import connection as conn

            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend["pid"] = cursor.fetchone()[0]
            ran.set()
            killed.wait(20)

    registry(T_BATCH_KILLED, handler, "t.batch_killed", batch=True)
    events = _pending(T_BATCH_KILLED, 20, world)
    errors = []
    doomed = _in_thread(lambda: events_dispatch(max_batches=1), "doomed", errors)
    doomed.start()
    assert ran.wait(20)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend["pid"]])
    killed.set()
    doomed.join(20)
    assert errors and errors[0][0] == "doomed"  # the worker died with its connection
    assert _effects(T_BATCH_KILLED) == []
    assert not EventDelivery.objects.filter(event__in=events, handler="t.batch_killed").exists()
    assert events_dispatch() == 0  # still leased
    assert events_dispatch(now=timezone.now() + EVENT_LEASE + timedelta(seconds=1)) == 20
    assert _effects(T_BATCH_KILLED) == sorted(e.pk for e in events)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SELECT … FOR UPDATE SKIP LOCKED)")
def test_several_workers_dispatching_at_once_deliver_every_event_once_on_postgresql(world, registry):
    registry(T_BATCH_WORKERS, _effect(world, T_BATCH_WORKERS), "t.batch_workers", batch=True)
    events = _pending(T_BATCH_WORKERS, 300, world)
    results, errors = {}, []

    def worker(name):
        return lambda: results.__setitem__(name, events_dispatch(max_batches=100, batch=20))

    threads = [_in_thread(worker(f"w{i}"), f"w{i}", errors) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(results.values()) == 300  # disjoint batches: no event counted twice
    assert _effects(T_BATCH_WORKERS) == sorted(e.pk for e in events)
    assert not Event.objects.filter(kind=T_BATCH_WORKERS, dispatched_at__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL storage")
def test_the_outbox_is_vacuumed_after_a_fixed_number_of_changes_whatever_its_size():
    """A queue leaves two dead row versions per event; autovacuum's default waits for a fifth of
    the table to be dead, which on millions of delivered events comes once in hours while the
    dispatcher's claim walks the dead entries (benchmarks/loop_latency.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'infocenter_event'::regclass")
        options = dict(option.split("=") for option in cursor.fetchone()[0])
    assert options["autovacuum_vacuum_scale_factor"] == "0"
    assert int(options["autovacuum_vacuum_threshold"]) <= 10_000
    assert options["autovacuum_vacuum_insert_scale_factor"] == "0"
    assert options["autovacuum_vacuum_cost_delay"] == "0"
