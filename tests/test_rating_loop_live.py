"""The feedback loop through a real Celery worker on Redis and PostgreSQL: a bank files a
late-payment report about a rated firm and the finance company verifies it; the two commits
kick the outbox dispatcher (``transaction.on_commit`` → ``infocenter.tasks.events_dispatch``
on the broker); the worker delivers the report's events, whose ``rescore.requested`` enqueues
``clusterfinance.rating.tasks.ratings_rescore_agents``; the worker re-scores the firm, the
grade falls, the change is published in the enterprise module and its ``rating.changed``
event, dispatched by the worker again, notifies the firm's people.

Needs DATABASE_URL=postgres://… and REDIS_URL (skipped with the reason otherwise; in CI, where
CI=true, a missing one fails the test instead)."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.db import connection

from clusterfinance.rating.models import RATING_CATEGORY, Rating
from clusterfinance.rating.tests.helpers import solid_firm
from infocenter.models import Event, EventDelivery, Notification, Publication
from infocenter.services.events import events_dispatch
from infocenter.services.reports import report_decide, report_file
from tests.live_worker import Worker, broker_purge, broker_url, database_url, live_celery

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEADLINE = 30  # seconds for the whole loop once the second commit is made
DISPATCH = "infocenter.tasks.events_dispatch"
RESCORE = "clusterfinance.rating.tasks.ratings_rescore_agents"


def _need_live_services():
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL is not PostgreSQL (the worker must share the test database)")
    if not getattr(settings, "REDIS_URL", ""):
        missing.append("REDIS_URL is not set (the worker's broker)")
    if missing:
        reason = "live rating loop needs a real worker: " + "; ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — in CI it must run")
        pytest.skip(reason)


@pytest.fixture
def live_worker(transactional_db, tmp_path):
    """A real worker on the test database and its own Redis database, stopped after the test
    (before the test database is flushed)."""
    _need_live_services()
    url = broker_url(settings.REDIS_URL)
    broker_purge(url)
    worker = Worker(database_url=database_url(connection.settings_dict), broker_url=url,
                    log_path=tmp_path / "worker.log", name="rating-loop")
    with live_celery(url):
        worker.start()
        try:
            yield worker
        finally:
            worker.stop()


def _wait(condition, worker: Worker, what: str, deadline: float):
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {DEADLINE} s.\nworker log:\n{worker.log()[-4000:]}")
        if worker.process.poll() is not None:
            pytest.fail(f"the worker died ({worker.process.returncode}) waiting for {what}:\n{worker.log()[-4000:]}")
        time.sleep(0.1)


def test_a_verified_report_regrades_the_firm_through_the_worker(world, request):
    firm, enterprise_user = world.firm, world.users["enterprise"]
    # --- before the worker: a rated firm, nothing left in the outbox (eager, in this process)
    solid_firm(world, firm)
    events_dispatch()
    from clusterfinance.rating.services import ratings_rescore

    ratings_rescore(agent_ids=[firm.pk])
    before = Rating.objects.get(agent=firm, is_current=True)
    events_dispatch()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert not Publication.objects.filter(category=RATING_CATEGORY).exists()

    worker = request.getfixturevalue("live_worker")  # started only now: what follows is its work
    started = time.monotonic()
    report = report_file(reporter=world.bank, subject=firm, author=world.users["institution_officer"],
                         category="late_payment", title="第三期还款逾期 45 天", evidence="合同 YK-001 第三期逾期 45 天",
                         report_type="negative")
    report_decide(report=report, decided_by=world.users["finance"], status="verified", note="核对银行流水属实")
    deadline = time.monotonic() + DEADLINE

    # --- the worker re-scores the firm from the verified report: a lower grade
    after = _wait(lambda: Rating.objects.filter(agent=firm, is_current=True, inputs__negative_reports__gte=1.5)
                  .exclude(pk=before.pk).first(), worker, "a rating that counts the verified report", deadline)
    assert after.trigger == "event" and after.previous_grade == before.grade
    assert after.score < before.score and after.grade != before.grade
    source = Event.objects.get(pk=after.source_event_id)
    assert source.kind == "rescore.requested" and source.subject_agent_id == firm.pk
    assert any(r["code"].startswith("negative_reports.") and r["delta"] < 0 for r in after.reasons)
    firm.refresh_from_db()
    assert firm.current_grade == after.grade

    # --- published to the enterprise module, and notified to the firm through the outbox again
    publication = Publication.objects.get(category=RATING_CATEGORY, subject=firm)
    assert publication.module == "enterprise" and publication.publisher == world.finance_company
    assert before.grade in publication.title and after.grade in publication.title
    note = _wait(lambda: Notification.objects.filter(user=enterprise_user, kind="rating.changed").first(), worker,
                 "the firm's notification of its new grade", deadline)
    assert (note.params["grade"], note.params["previous_grade"]) == (after.grade, before.grade)
    changed = Event.objects.get(kind="rating.changed", subject_agent=firm)
    assert changed.payload["grade"] == after.grade and changed.payload["upgrade"] is False
    assert EventDelivery.objects.filter(event=changed, handler="clusterfinance.rating.notify").exists()
    # the report's own notification reached the firm too (the centre's handler, same worker)
    assert Notification.objects.filter(user=enterprise_user, kind="report.filed").exists()
    elapsed = time.monotonic() - started

    # --- it was the worker: the dispatcher and the re-score ran there, nothing is left over
    _wait(lambda: not Event.objects.filter(dispatched_at__isnull=True).exists(), worker,
          "an empty outbox", deadline)
    log_deadline = time.monotonic() + 5
    while worker.succeeded(RESCORE) < 1 and time.monotonic() < log_deadline:
        time.sleep(0.1)
    assert worker.succeeded(DISPATCH) >= 2, worker.log()[-4000:]
    assert worker.succeeded(RESCORE) >= 1, worker.log()[-4000:]
    assert Rating.objects.filter(agent=firm).count() >= 2
    assert elapsed < DEADLINE
    assert worker.stop() == 0, worker.log()[-4000:]  # a clean warm shutdown
