"""The feedback loop without gaps and without floods: every fact about a firm (saved or imported
records included) asks for a re-score of it, and the requests for one firm coalesce into one
that waits — a fact arriving once that one is taken (or delivered) gets a new request."""

import threading
import time

import pytest
from django.db import connection, transaction

from infocenter.event_kinds import (
    RECORD_IMPORTED,
    RECORD_SAVED,
    REPORT_REPLIED,
    RESCORE_REQUESTED,
    event_kind,
    event_kind_declare,
    rescore_trigger_kinds,
)
from infocenter.models import Event
from infocenter.services import event_deliver, event_emit, event_row, events_claim, events_dispatch
from infocenter.services.events import _HANDLERS, events_insert_coalesced, register_handler

pytestmark = pytest.mark.django_db


def _pending_requests(**filters):
    return Event.objects.filter(kind=RESCORE_REQUESTED, dispatched_at__isnull=True, **filters)


def _deliver_facts(kind=RECORD_SAVED):
    """Deliver the facts only (what a worker's first batch does), leaving the requests waiting."""
    for event in Event.objects.filter(kind=kind, dispatched_at__isnull=True):
        event_deliver(event)


def _fact(firm, kind=RECORD_SAVED, **kwargs):
    return event_emit(kind=kind, subject_agent=firm, payload={"record_kind": "tax"}, kick=False, **kwargs)


def test_a_hundred_facts_about_one_firm_wait_as_one_rescore_request(world):
    for _ in range(100):
        _fact(world.firm)
    _deliver_facts()
    [request] = _pending_requests()
    assert request.subject_agent == world.firm and request.agent_ids == [world.firm.pk]
    assert request.payload["reason"] == RECORD_SAVED


def test_a_fact_after_the_request_was_delivered_asks_again(world):
    _fact(world.firm)
    events_dispatch()  # the fact, then its request
    assert Event.objects.filter(kind=RESCORE_REQUESTED).count() == 1 and not _pending_requests().exists()
    _fact(world.firm)
    _deliver_facts()
    assert _pending_requests(subject_agent=world.firm).count() == 1
    assert Event.objects.filter(kind=RESCORE_REQUESTED).count() == 2


def test_a_fact_arriving_while_a_worker_handles_the_request_is_not_lost(world):
    _fact(world.firm)
    _deliver_facts()
    taken = events_claim()  # a worker took the request; its handler may already have read the data
    assert _pending_requests().count() == 1 and taken
    _fact(world.firm)
    _deliver_facts()
    assert _pending_requests(subject_agent=world.firm).count() == 2  # the new fact has its own request


def test_two_firms_get_two_requests(world):
    _fact(world.firm)
    _fact(world.other_firm)
    _fact(world.firm)
    _deliver_facts()
    assert sorted(_pending_requests().values_list("subject_agent_id", flat=True)) == sorted(
        [world.firm.pk, world.other_firm.pk])


def test_an_import_asks_for_one_request_per_firm_it_concerns(world):
    event_emit(kind=RECORD_IMPORTED, actor_agent=world.gov, agent_ids=[world.firm.pk, world.other_firm.pk],
               payload={"import_job": 1, "record_kind": "statement"}, kick=False)
    _deliver_facts(RECORD_IMPORTED)
    requests = _pending_requests()
    assert {r.subject_agent_id for r in requests} == {world.firm.pk, world.other_firm.pk}
    assert all(r.agent_ids == [r.subject_agent_id] for r in requests)


def test_saved_and_imported_records_rescore_their_firms(world):
    from infocenter.imports.services import firm_record_save, import_job_create, import_job_run

    from .bulk_helpers import csv_bytes, statement_rows, upload

    firm_record_save(user=world.users["government"], agent=world.gov, kind="tax", credit_code=world.firm.credit_code,
                     period="2026Q1", figures={"tax_paid": "86000.00"})
    job = import_job_create(user=world.users["government"], agent=world.gov, kind="statement",
                            file=upload(csv_bytes(statement_rows([world.firm, world.other_firm]))))
    import_job_run(job_id=job.pk)
    events_dispatch(max_batches=1)  # the facts only
    reasons = set(_pending_requests().values_list("subject_agent_id", "payload__reason"))
    # the hand-saved record's request waits apart from the import's (a bulk kind)
    assert reasons == {(world.firm.pk, RECORD_SAVED), (world.firm.pk, RECORD_IMPORTED),
                       (world.other_firm.pk, RECORD_IMPORTED)}


def test_the_rating_handler_receives_the_agent_to_rescore(world):
    got = []
    register_handler(RESCORE_REQUESTED, lambda e: got.append(e.subject_agent_id), name="t.rating")
    try:
        for _ in range(5):
            _fact(world.firm)
        events_dispatch()
    finally:
        _HANDLERS[RESCORE_REQUESTED].pop("t.rating", None)
    assert got == [world.firm.pk]


def test_the_triggers_are_what_the_owners_declared():
    assert {RECORD_SAVED, RECORD_IMPORTED} <= rescore_trigger_kinds()
    assert REPORT_REPLIED not in rescore_trigger_kinds()
    assert event_kind(RESCORE_REQUESTED).coalesce_per_subject
    assert "loan.repaid" in rescore_trigger_kinds()  # declared by lending, discovered at start-up


def test_undeclared_or_misnamed_kinds_are_refused(world):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ValueError, match="undeclared"):
        event_emit(kind="record.typo", subject_agent=world.firm)
    with pytest.raises(ImproperlyConfigured):
        event_kind_declare("Records Imported", owner="tests")
    with pytest.raises(ImproperlyConfigured):
        event_kind_declare(RECORD_SAVED, owner="tests")  # already the centre's, with other options


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent writers)")
def test_two_concurrent_writers_leave_one_request_on_postgresql(world):
    row = event_row(kind=RESCORE_REQUESTED, subject_agent_id=world.firm.pk, payload={"reason": RECORD_SAVED},
                    agent_ids=[world.firm.pk])
    a_inserted, b_started, errors = threading.Event(), threading.Event(), []

    def writer_a():
        from django.db import connection as conn

        try:
            with transaction.atomic():
                events_insert_coalesced([dict(row)], kick=False)
                a_inserted.set()
                b_started.wait(10)
                time.sleep(0.3)  # B is now waiting on our uncommitted key
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    def writer_b():
        from django.db import connection as conn

        try:
            a_inserted.wait(10)
            b_started.set()
            with transaction.atomic():
                events_insert_coalesced([dict(row)], kick=False)  # waits for A, then does nothing
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    assert _pending_requests(subject_agent=world.firm).count() == 1


def test_a_bulk_facts_request_does_not_swallow_a_persons_request(world):
    """An import (declared ``bulk``) and a record saved by hand about the same firm: two waiting
    requests, so the hand-saved record's re-score goes on the loop's queue, not behind the batch."""
    from infocenter.event_kinds import is_bulk

    assert is_bulk(RECORD_IMPORTED) and not is_bulk(RECORD_SAVED) and is_bulk("loan.repaid")
    assert not is_bulk("no.such_kind")
    event_emit(kind=RECORD_IMPORTED, actor_agent=world.gov, agent_ids=[world.firm.pk],
               payload={"import_job": 1, "record_kind": "statement"}, kick=False)
    _deliver_facts(RECORD_IMPORTED)
    event_emit(kind=RECORD_IMPORTED, actor_agent=world.gov, agent_ids=[world.firm.pk],
               payload={"import_job": 2, "record_kind": "statement"}, kick=False)
    _deliver_facts(RECORD_IMPORTED)
    assert _pending_requests(subject_agent=world.firm).count() == 1  # bulk requests still coalesce
    _fact(world.firm)
    _deliver_facts()
    reasons = sorted(_pending_requests(subject_agent=world.firm).values_list("payload__reason", flat=True))
    assert reasons == sorted([RECORD_IMPORTED, RECORD_SAVED])
