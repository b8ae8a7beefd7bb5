"""Scorecard versions (edit, approve, promote), the feedback loop and what a grade change does."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agents.models import Agent
from clusterfinance.rating.choices import VersionStatus
from clusterfinance.rating.models import Rating, ScorecardVersion
from clusterfinance.rating.services import (
    ratings_rescore,
    scorecard_default_ensure,
    scorecard_version_approve,
    scorecard_version_create,
)
from infocenter.models import Event, Notification, Publication
from infocenter.services.events import events_dispatch
from infocenter.services.reports import report_decide, report_file
from lending.selectors import repayment_behaviour
from lending.tests.factories import make_loan, pay

from .helpers import solid_firm


def _draft(world, *, author="finance_analyst", tweak=None):
    active = scorecard_default_ensure(finance_company=world.finance_company)
    spec = copy.deepcopy(active.spec)
    if tweak:
        tweak(spec)
    return scorecard_version_create(finance_company=world.finance_company, user=world.users[author],
                                    name="2026 修订", spec=spec, calibration=active.calibration,
                                    spreads=active.spreads, based_on=active, notes="负面报告权重加大")


@pytest.mark.django_db
def test_default_scorecard_exists_on_first_use_and_rates(world):
    [rating] = ratings_rescore(agent_ids=[world.firm.pk])
    version = ScorecardVersion.objects.get(finance_company=world.finance_company)
    assert version.status == VersionStatus.ACTIVE and rating.version == version


@pytest.mark.django_db
def test_an_edit_is_a_new_draft_that_scores_nobody_until_approved(world):
    ratings_rescore(agent_ids=[world.firm.pk])
    v1 = ScorecardVersion.objects.get(finance_company=world.finance_company)
    draft = _draft(world)
    assert draft.number == v1.number + 1 and draft.status == VersionStatus.DRAFT
    ratings_rescore(agent_ids=[world.firm.pk], force=True)
    assert not Rating.objects.filter(version=draft).exists()


@pytest.mark.django_db
def test_the_author_cannot_approve_their_own_version(world):
    draft = _draft(world, author="finance")
    with pytest.raises(PermissionDenied):
        scorecard_version_approve(version=draft, user=world.users["finance"])
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_an_analyst_cannot_approve(world):
    draft = _draft(world, author="finance")
    with pytest.raises(PermissionDenied):
        scorecard_version_approve(version=draft, user=world.users["finance_analyst"])


@pytest.mark.django_db
def test_approval_promotes_the_version_and_rerates_members(world, django_capture_on_commit_callbacks):
    ratings_rescore(agent_ids=[world.firm.pk])

    def harsher(spec):
        spec["base"] = spec["base"] - 100

    draft = _draft(world, tweak=harsher)
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_version_approve(version=draft, user=world.users["finance"])
    draft.refresh_from_db()
    assert draft.status == VersionStatus.ACTIVE and draft.approved_by == world.users["finance"]
    assert ScorecardVersion.objects.filter(finance_company=world.finance_company,
                                           status=VersionStatus.RETIRED).count() == 1
    current = Rating.objects.get(agent=world.firm, is_current=True)
    assert current.version == draft and current.trigger == "promotion"
    assert Rating.objects.filter(agent=world.firm).count() == 2  # history kept


@pytest.mark.django_db
def test_a_broken_calibration_is_refused_with_a_clear_message(world):
    active = scorecard_default_ensure(finance_company=world.finance_company)
    calibration = copy.deepcopy(active.calibration)
    calibration[0]["min_score"] = 100  # AAA below AA
    with pytest.raises(ValidationError, match="must fall from AAA to C"):
        scorecard_version_create(finance_company=world.finance_company, user=world.users["finance"], name="x",
                                 spec=active.spec, calibration=calibration)
    assert ScorecardVersion.objects.count() == 1


@pytest.mark.django_db
def test_handler_rescores_the_firm_a_report_concerns(world, django_capture_on_commit_callbacks):
    solid_firm(world, world.firm)
    ratings_rescore(agent_ids=[world.firm.pk])
    before = Agent.objects.get(pk=world.firm.pk)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"],
                             category="late_payment", title="第三期逾期", evidence="逾期 45 天", report_type="negative")
        report_decide(report=report, decided_by=world.users["finance"], status="verified")
        events_dispatch()
    current = Rating.objects.get(agent=world.firm, is_current=True)
    assert current.trigger == "event" and current.inputs["negative_reports"] > 0
    assert current.score < Rating.objects.filter(agent=world.firm).order_by("rated_at", "pk").first().score
    assert Agent.objects.get(pk=world.firm.pk).rated_at > before.rated_at


@pytest.mark.django_db
def test_grade_change_publishes_writes_event_and_notifies(world, django_capture_on_commit_callbacks):
    solid_firm(world, world.firm)
    [first] = ratings_rescore(agent_ids=[world.firm.pk])
    assert not Publication.objects.filter(category="credit_rating").exists()  # a first grade is no change
    for _ in range(2):
        report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"],
                             category="late_payment", title="逾期", evidence="逾期 60 天", report_type="negative")
        report_decide(report=report, decided_by=world.users["finance"], status="verified")
    with django_capture_on_commit_callbacks(execute=True):
        [second] = ratings_rescore(agent_ids=[world.firm.pk])
    assert second.grade != first.grade and second.previous_grade == first.grade
    publication = Publication.objects.get(category="credit_rating", subject=world.firm)
    assert publication.publisher == world.finance_company and publication.visibility == "consent"
    assert first.grade in publication.title and second.grade in publication.title
    event = Event.objects.get(kind="rating.changed")
    assert event.payload["grade"] == second.grade
    with django_capture_on_commit_callbacks(execute=True):
        events_dispatch()
    note = Notification.objects.get(user=world.users["enterprise"], kind="rating.changed")
    assert second.grade in note.text
    # the firm reads it; a bank without consent does not
    assert Publication.objects.restrict(world.users["enterprise"], "view").filter(pk=publication.pk).exists()
    assert Publication.objects.restrict(world.users["government"], "view").filter(pk=publication.pk).exists()
    assert not Publication.objects.restrict(world.users["investor"], "view").filter(pk=publication.pk).exists()


@pytest.mark.django_db
def test_no_grade_change_no_publication(world):
    solid_firm(world, world.firm)
    ratings_rescore(agent_ids=[world.firm.pk])
    ratings_rescore(agent_ids=[world.firm.pk], force=True)
    assert not Publication.objects.filter(category="credit_rating").exists()
    assert not Event.objects.filter(kind="rating.changed").exists()


@pytest.mark.django_db
def test_repayment_behaviour_is_per_borrower_and_set_based(world, django_assert_num_queries):
    loan = make_loan(world, start=date(2026, 1, 15))
    schedule = list(loan.instalments.order_by("due_date"))
    pay(world, loan, schedule[0].total_due, schedule[0].due_date)
    with django_assert_num_queries(3):
        rows = repayment_behaviour([world.firm.pk, world.other_firm.pk], as_of=date(2026, 4, 20))
    assert world.other_firm.pk not in rows  # no loan: absent, not zeros
    row = rows[world.firm.pk]
    assert row["instalments_due"] == 3 and row["paid_on_time"] == 1
    assert row["on_time_share"] == pytest.approx(1 / 3)
    assert row["history_months"] == 3 and row["write_offs"] == 0


@pytest.mark.django_db
def test_more_arrears_lowers_the_rating(world):
    loan = make_loan(world, start=date(2025, 1, 15))
    from lending.services.delinquency import delinquency_run

    delinquency_run(as_of=date(2025, 3, 1))
    late = ratings_rescore(agent_ids=[world.firm.pk], as_of=date(2025, 3, 1))[0]
    assert late.inputs["current_dpd"] > 0 and late.inputs["arrears"] > 0
    for inst in loan.instalments.order_by("due_date")[:2]:
        pay(world, loan, inst.total_due + inst.penalty_accrued, date(2025, 3, 2))
    delinquency_run(as_of=date(2025, 3, 3))
    cured = ratings_rescore(agent_ids=[world.firm.pk], as_of=date(2025, 3, 3), force=True)[0]
    assert cured.inputs["current_dpd"] == 0 and cured.score > late.score


def _record_enqueued(monkeypatch):
    from clusterfinance.rating import tasks

    sent = {}
    for name in ("ratings_rescore_agents", "ratings_rescore_agents_routine"):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda *, _n=name, **kw: sent.setdefault(_n, []).extend(kw["agent_ids"]))
    return sent


def _repayment_and_report(world, monkeypatch, capture, *, reported):
    """world.firm repays its first instalment and a bank files a report about ``reported``, in
    one delivery; returns the re-score tasks enqueued, by task name."""
    loan = make_loan(world, start=date(2026, 1, 15))  # to world.firm
    first = loan.instalments.order_by("due_date").first()
    events_dispatch()  # the disbursement's facts (its business record is a prompt fact of its own)
    sent = _record_enqueued(monkeypatch)
    with capture(execute=True):
        pay(world, loan, first.total_due, first.due_date)
        report_file(reporter=world.bank, subject=reported, author=world.users["institution"],
                    category="late_payment", title="逾期", evidence="逾期 45 天", report_type="negative")
        events_dispatch()
    return sent


@pytest.mark.django_db
def test_a_repayments_rescore_goes_to_the_batch_queue_and_a_reports_to_the_loops(
        world, monkeypatch, django_capture_on_commit_callbacks):
    from celery import current_app as app  # the project's app (the layers keep platform4a1c out of here)

    sent = _repayment_and_report(world, monkeypatch, django_capture_on_commit_callbacks, reported=world.other_firm)
    assert sent == {"ratings_rescore_agents": [world.other_firm.pk], "ratings_rescore_agents_routine": [world.firm.pk]}
    route = app.amqp.router.route
    assert route({}, "clusterfinance.rating.tasks.ratings_rescore_agents")["queue"].name == "events"
    assert route({}, "clusterfinance.rating.tasks.ratings_rescore_agents_routine")["queue"].name == "rescore"


@pytest.mark.django_db
def test_a_firm_asked_for_by_a_repayment_and_a_report_is_rescored_promptly_once(
        world, monkeypatch, django_capture_on_commit_callbacks):
    sent = _repayment_and_report(world, monkeypatch, django_capture_on_commit_callbacks, reported=world.firm)
    assert sent == {"ratings_rescore_agents": [world.firm.pk]}


@pytest.mark.django_db
def test_a_repayment_still_rerates_its_borrower(world, django_capture_on_commit_callbacks):
    """Off the loop's queue, not off the loop: the routine task re-rates the borrower on its
    repayment record (the Celery tasks run eagerly here, as one worker on every queue would)."""
    solid_firm(world, world.firm)
    loan = make_loan(world, start=date(2026, 1, 15))
    first = loan.instalments.order_by("due_date").first()
    with django_capture_on_commit_callbacks(execute=True):
        events_dispatch()  # the disbursement's facts re-rate the firm first
    before = Rating.objects.get(agent=world.firm, is_current=True)
    with django_capture_on_commit_callbacks(execute=True):
        pay(world, loan, first.total_due, first.due_date)
        events_dispatch()
    current = Rating.objects.get(agent=world.firm, is_current=True)
    assert current.pk != before.pk and current.trigger == "event"
    assert Event.objects.get(pk=current.source_event_id).payload["reason"] == "loan.repaid"
    assert current.inputs["on_time_share"] > before.inputs["on_time_share"]  # the repayment counted


def _members():
    from agents.choices import AgentKind
    from agents.models import cluster_members_q

    return list(Agent.objects.filter(cluster_members_q(kind=AgentKind.ENTERPRISE)).order_by("pk")
                .values_list("pk", flat=True))


def _spy_on_rescore(monkeypatch):
    from clusterfinance.rating import services

    calls, original = [], services.ratings_rescore

    def spy(**kwargs):
        calls.append(kwargs.get("agent_ids"))
        return original(**kwargs)

    monkeypatch.setattr(services, "ratings_rescore", spy)
    return calls


@pytest.mark.django_db
def test_the_nightly_rescore_of_a_large_cluster_fans_out_in_chunks(world, settings, monkeypatch):
    from clusterfinance.rating.tasks import ratings_rescore_all

    members = _members()
    assert len(members) >= 2
    settings.RATING_RESCORE_CHUNK = 1  # every member firm a chunk of its own
    calls = _spy_on_rescore(monkeypatch)
    assert ratings_rescore_all() == len(members)
    assert calls == [[pk] for pk in members]  # one task per chunk, in id order (eager here, a group on Redis)
    rated = dict(Rating.objects.filter(is_current=True).values_list("agent_id", "trigger"))
    assert {pk: rated.get(pk) for pk in members} == dict.fromkeys(members, "nightly")


@pytest.mark.django_db
def test_the_nightly_rescore_of_a_small_cluster_runs_in_one_task(world, monkeypatch):
    from clusterfinance.rating.tasks import ratings_rescore_all

    calls = _spy_on_rescore(monkeypatch)
    assert ratings_rescore_all() == len(_members())
    assert calls == [None]  # every member, vectorised per finance company, in this task
