"""The outbox under failure: events are written with the change, delivered to each handler
once in effect, and picked up again after a handler raised or a worker died."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from infocenter.constants import EVENT_LEASE, EVENT_MAX_ATTEMPTS
from infocenter.event_kinds import event_kind_declare
from infocenter.models import Event, EventDelivery, Notification, Publication
from infocenter.services import (
    event_deliver,
    event_emit,
    events_claim,
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    """Register test handlers for ``test.*`` events and remove them afterwards."""
    added = []

    def register(kind, func, name):
        added.append((kind, name))
        return register_handler(kind, func, name=name)

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
