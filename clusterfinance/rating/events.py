"""Event kinds the rating writes, and its handlers of the centre's events (registered in
``ClusterFinanceConfig.ready()``)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agents.models import Membership
from infocenter.models import Event
from infocenter.notify_texts import notification_topic_declare
from infocenter.services.notifications import notifications_deliver

from .models import RATING_CATEGORY

try:  # the centre's register of event kinds (every kind is declared once by its owner)
    from infocenter.event_kinds import event_kind_declare
except ImportError:  # pragma: no cover - before the register existed, kinds were plain strings
    def event_kind_declare(name: str, **options) -> str:
        return name

try:
    from infocenter.event_kinds import RESCORE_REQUESTED
except ImportError:  # pragma: no cover
    from infocenter.services.events import RESCORE_REQUESTED
from infocenter.event_kinds import is_bulk

logger = logging.getLogger(__name__)

# A firm's grade changed (payload: rating_id, grade, previous_grade, pd, version_id, upgrade).
RATING_CHANGED = event_kind_declare("rating.changed", owner="clusterfinance")
# Its notifications to the firm's people are a topic of their own: each person chooses on the
# notification settings page to hear of every change, a daily digest or nothing.
notification_topic_declare(
    RATING_CHANGED, label=_("Changes of my firm's credit rating"), group=_("Credit rating"),
    text=_("Your firm's credit rating changed: %(previous_grade)s → %(grade)s."))


def _about_a_rating(event: Event) -> bool:
    """Our own publication of a grade change asks the centre for a re-score too; that would
    only re-rate the firm on the same inputs, so it is skipped."""
    reason = event.payload.get("reason", "")
    if not reason.startswith("publication."):
        return False
    source = Event.objects.filter(pk=event.payload.get("source_event_id")).values_list("payload", flat=True).first()
    return bool(source) and source.get("category") == RATING_CATEGORY


def on_rescore_requested(event: Event) -> None:
    """``on_rescore_requested_batch`` of one event."""
    on_rescore_requested_batch([event])


def on_rescore_requested_batch(events: list[Event]) -> None:
    """Re-score the firms the batch's requests concern, through Celery, once this delivery
    commits: **one task for the whole batch** (the rating is vectorised: one feature table for all
    its firms), each firm's new rating naming the request that asked for it. One task per request
    used to flood a single worker's queue under a load of repayments (each asks for its
    borrower's re-score), so a report's re-score waited behind hundreds of others
    (benchmarks/loop_latency.py). Requests after a fact of a ``bulk`` kind (repayments, the
    nightly bucket moves, imports: ``infocenter.event_kinds``) go in a second task on the batch
    queue (``ratings_rescore_agents_routine``), so the loop's queue carries only the re-scores a
    person's report, publication or record asks for. A firm asked for both ways is re-scored
    promptly, once. The task takes ids and re-scores from the current data, so a repeated request
    is harmless."""
    prompt: dict[int, int] = {}
    routine: dict[int, int] = {}
    for event in events:
        ids = {int(i) for i in (event.payload.get("agent_ids") or [])} | (
            {event.subject_agent_id} if event.subject_agent_id else set())
        if not ids or _about_a_rating(event):
            continue
        sources = routine if is_bulk(event.payload.get("reason", "")) else prompt
        for agent_id in ids:
            sources.setdefault(agent_id, event.pk)
    routine = {a: e for a, e in routine.items() if a not in prompt}
    if not prompt and not routine:
        return

    def enqueue():
        from .tasks import ratings_rescore_agents, ratings_rescore_agents_routine

        for task, sources in ((ratings_rescore_agents, prompt), (ratings_rescore_agents_routine, routine)):
            if not sources:
                continue
            ids = sorted(sources)
            try:
                task.delay(agent_ids=ids, source_event_ids={str(a): e for a, e in sources.items()})
            except Exception:  # the broker may be down: the nightly run re-scores everyone
                logger.warning("could not enqueue a re-score of %s", ids, exc_info=True)

    transaction.on_commit(enqueue)


def notify_rating_changed(event: Event) -> int:
    """Tell the firm's own people that its grade changed (followers hear of the publication),
    each as they chose for the topic ``rating.changed`` (each change, a daily digest, nothing;
    ``infocenter.services.notifications.notifications_deliver``). Returns how many were told."""
    p = event.payload
    if not event.subject_agent_id:
        return 0
    recipients = {m.user_id: (m.user, True) for m in Membership.objects.filter(
        agent_id=event.subject_agent_id, is_active=True).select_related("user").order_by("user_id")}
    params = {"grade": p.get("grade"), "previous_grade": p.get("previous_grade"), "upgrade": bool(p.get("upgrade")),
              "rating_id": p.get("rating_id")}
    return notifications_deliver(event=event, recipients=recipients, kind=event.kind, params=params,
                                 url=reverse("clusterfinance:rating:mine"))


def register() -> None:
    from infocenter.services.events import register_handler

    register_handler(RESCORE_REQUESTED, on_rescore_requested_batch, name="clusterfinance.rating.rescore", batch=True)
    register_handler(RATING_CHANGED, notify_rating_changed, name="clusterfinance.rating.notify")
