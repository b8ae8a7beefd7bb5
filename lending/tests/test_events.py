"""Lending feeds the centre: disbursements, repayments and write-offs write an outbox event in
the same transaction, and the dispatcher asks ratings to re-score the borrower."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from infocenter.event_kinds import RESCORE_REQUESTED
from infocenter.models import Event
from infocenter.services.events import events_dispatch
from lending import services
from lending.events import DELINQUENCY_CHANGED, DISBURSED, REPAID, WRITTEN_OFF
from lending.tests.factories import make_loan, pay


def test_disbursement_and_repayment_write_events_about_the_borrower(world):
    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    disbursed = Event.objects.get(kind=DISBURSED)
    assert disbursed.subject_agent == world.firm and disbursed.actor_agent == world.finance_company
    assert disbursed.payload["principal"] == "12000.00" and disbursed.payload["loan_id"] == loan.pk

    repayment = pay(world, loan, "1066.19", date(2026, 2, 15))
    event = Event.objects.get(kind=REPAID)
    assert event.subject_agent == world.firm
    assert event.payload["repayment_id"] == repayment.pk
    assert (event.payload["amount"], event.payload["interest"], event.payload["principal"]) == \
        ("1066.19", "120.00", "946.19")
    assert event.payload["agent_ids"] == [world.firm.pk]


def test_a_refused_repayment_writes_no_event(world):
    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    with pytest.raises(ValidationError):
        pay(world, loan, "999999.00", date(2026, 2, 15))  # more than is owed
    assert not Event.objects.filter(kind=REPAID).exists()


def test_a_retried_repayment_writes_one_event(world):
    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    for _ in range(3):
        pay(world, loan, "500.00", date(2026, 2, 1), key="same-key")
    assert Event.objects.filter(kind=REPAID).count() == 1


def test_dispatch_asks_ratings_to_rescore_the_borrower(world):
    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    pay(world, loan, "1066.19", date(2026, 2, 15))
    events_dispatch()
    rescore = Event.objects.filter(kind=RESCORE_REQUESTED)
    # the disbursement and the repayment (bulk facts) were dispatched together: one request for
    # the firm; the loan's business record in the centre (a prompt fact) asks on its own
    assert {(e.subject_agent_id, e.payload["reason"]) for e in rescore} == {
        (world.firm.pk, DISBURSED), (world.firm.pk, "publication.published")}
    bulk = rescore.get(coalesce_key__endswith=":bulk")
    assert bulk.payload["agent_ids"] == [world.firm.pk] and bulk.payload["reason"] == DISBURSED


def test_every_loan_kind_rescores_the_borrower():
    from infocenter.event_kinds import rescore_trigger_kinds

    assert {DISBURSED, REPAID, WRITTEN_OFF, DELINQUENCY_CHANGED} <= rescore_trigger_kinds()


def test_write_off_writes_an_event(world):
    from lending.services import delinquency_run

    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2025, 1, 15))
    delinquency_run(as_of=date(2026, 1, 20))
    loan.refresh_from_db()
    services.loan_write_off(loan=loan, user=world.users["finance"], reason="企业停产，催收无果",
                            written_off_on=date(2026, 1, 20), idempotency_key="wo-1")
    event = Event.objects.get(kind=WRITTEN_OFF)
    assert event.payload["amount"] == "12000.00" and event.subject_agent == world.firm


def test_the_nightly_run_writes_an_event_for_each_move_between_buckets(world):
    from lending.services import delinquency_run

    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    other = make_loan(world, amount="6000.00", periods=6, rate="0.10", start=date(2026, 1, 15))
    first = other.instalments.get(period=1)
    pay(world, other, first.total_due, date(2026, 2, 15))  # the other loan's first instalment, paid in full
    report = delinquency_run(as_of=date(2026, 3, 20))  # the first instalment is 33 days late, the second 5
    assert report.moves == 2
    events = Event.objects.filter(kind=DELINQUENCY_CHANGED).order_by("pk")
    assert events.count() == 2
    late = events.get(payload__loan_id=loan.pk)
    assert late.subject_agent == world.firm and late.actor_agent == world.finance_company
    assert late.payload == {
        "loan_id": loan.pk, "contract_no": loan.contract_no, "lender_id": world.finance_company.pk,
        "borrower_id": world.firm.pk, "moved_on": "2026-03-20", "dpd": 33,
        "from_bucket": "current", "to_bucket": "31-60", "from_class": "normal", "to_class": "special_mention",
        "agent_ids": [world.firm.pk],
    }
    assert events.get(payload__loan_id=other.pk).payload["dpd"] == 5

    # the same night again moves nothing and tells nobody twice
    assert delinquency_run(as_of=date(2026, 3, 20)).moves == 0
    assert Event.objects.filter(kind=DELINQUENCY_CHANGED).count() == 2
    # and the centre asks ratings to re-score the borrower
    events_dispatch()
    assert Event.objects.filter(kind=RESCORE_REQUESTED, payload__agent_ids=[world.firm.pk]).exists()


def test_a_hundred_repayments_of_one_firm_wait_as_one_rescore_request(world):
    from infocenter.services.events import event_deliver

    loan = make_loan(world, amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    for _ in range(100):
        pay(world, loan, "10.00", date(2026, 2, 15))
    for event in Event.objects.filter(dispatched_at__isnull=True).exclude(kind=RESCORE_REQUESTED):
        event_deliver(event)  # the facts, as a worker's first batch would
    assert Event.objects.filter(kind=REPAID).count() == 100
    [request] = Event.objects.filter(kind=RESCORE_REQUESTED, dispatched_at__isnull=True,
                                   coalesce_key__endswith=":bulk")  # the disbursement's, which the 100 joined
    assert request.subject_agent == world.firm
