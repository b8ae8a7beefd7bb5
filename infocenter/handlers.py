"""Built-in event handlers of the centre, registered in ``InfoCenterConfig.ready()``:

- ``infocenter.notify`` — in-app notifications (and e-mail) to subscribers who may read the
  item, and to the parties of a report or a consent;
- ``infocenter.government_alerts`` — an alert for the government of the subject's region
  when a negative report is verified;
- ``infocenter.rescore`` — the hook for ratings: after an event of a kind declared with
  ``rescores_subject=True`` (``infocenter.event_kinds``), emit one ``rescore.requested``
  (``event_kinds.RESCORE_REQUESTED``) per agent the event concerns: ``subject_agent`` is the
  agent to re-score (also ``payload["agent_ids"] == [its id]``), ``payload["reason"]`` the kind
  of the first fact and ``payload["source_event_id"]`` its event. Requests coalesce: while one
  for an agent waits unclaimed, later facts add none, so a consumer re-scores from the current
  data, never from the payload. A rating app subscribes with
  ``register_handler(RESCORE_REQUESTED, my_handler)`` (``my_handler(event: Event) -> None``)
  in its ``AppConfig.ready()``.

Each handler is idempotent: it writes rows with unique keys (user × event, government ×
event) and sends e-mail only after its transaction commits."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.urls import reverse

from agents.models import Agent, Membership

from .choices import InfoModule, ReportType, SubscriptionTarget, Verification
from .event_kinds import (
    CONSENT_EXPIRED,
    CONSENT_GRANTED,
    CONSENT_REVOKED,
    PUBLICATION_CORRECTED,
    PUBLICATION_PUBLISHED,
    PUBLICATION_RETRACTED,
    REPORT_DECIDED,
    REPORT_FILED,
    REPORT_REPLIED,
    RESCORE_REQUESTED,
    event_kind,
)
from .models import Alert, Event, Publication, Report, Subscription
from .permissions import government_covers, verifiers_of
from .services.events import event_row, events_insert_coalesced, register_handler
from .services.notifications import notifications_deliver

logger = logging.getLogger(__name__)


def _users_of(agent_ids) -> list:
    return [m.user for m in Membership.objects.filter(agent_id__in=list(agent_ids), is_active=True)
            .select_related("user").order_by("user_id")]


def _subscribers(*, module: str = "", agent_id=None, category: str = "") -> dict:
    """user id → (user, wants e-mail) for subscriptions matching the item."""
    q = Q(pk__in=[])
    if module:
        q |= Q(target=SubscriptionTarget.MODULE, module=module)
    if agent_id:
        q |= Q(target=SubscriptionTarget.AGENT, agent_id=agent_id)
    if category:
        q |= Q(target=SubscriptionTarget.CATEGORY, category=category)
    found: dict[int, tuple] = {}
    for sub in Subscription.objects.filter(q).select_related("user"):
        user, email = found.get(sub.user_id, (sub.user, False))
        found[sub.user_id] = (user, email or sub.email)
    return found


def _deliver(event: Event, recipients: dict, *, kind: str, params: dict, url: str) -> int:
    """Tell each recipient as they chose for the item's topic: a notification of its own
    (idempotent per user and event, e-mailed at once to those who asked), a line in today's
    digest, or nothing (``services.notifications.notifications_deliver``)."""
    return notifications_deliver(event=event, recipients=recipients, kind=kind, params=params, url=url)


def _may_read(model, user, pk) -> bool:
    return model.objects.restrict(user, "view").filter(pk=pk).exists()


def _readers_by_visibility(publication: Publication, candidates: dict) -> set:
    """The candidates the visibility alone lets read a published item, without one restrict()
    query each: everyone for "public", everyone acting for an active agent for "platform
    members", people of the listed kinds for "given kinds" (the first terms of
    Publication.readers_q). The others (government, finance company, consent) are checked one
    by one through restrict()."""
    if publication.status not in ("published", "retracted") or not candidates:
        return set()
    if publication.visibility == "public":
        return set(candidates)
    members = Membership.objects.filter(user_id__in=list(candidates), is_active=True, agent__status="active")
    if publication.visibility == "members":
        return set(members.values_list("user_id", flat=True))
    if publication.visibility == "kinds":
        return set(members.filter(agent__kind__in=publication.audience_kinds_list).values_list("user_id", flat=True))
    return set()


def _publication_event(event: Event) -> None:
    publication = Publication.objects.select_related("subject", "publisher").filter(
        pk=event.payload.get("publication_id")).first()
    if publication is None:
        return
    candidates = _subscribers(module=publication.module, agent_id=publication.subject_id,
                              category=publication.category)
    own = set(Membership.objects.filter(agent_id=publication.publisher_id, is_active=True)
              .values_list("user_id", flat=True))
    candidates = {uid: v for uid, v in candidates.items() if uid not in own}
    readers = _readers_by_visibility(publication, candidates)
    recipients = {uid: v for uid, v in candidates.items()
                  if uid in readers or _may_read(Publication, v[0], publication.pk)}
    params = {"publisher": publication.publisher.name, "title": publication.title, "version": publication.version,
              "category": publication.category}
    _deliver(event, recipients, kind=event.kind, params=params,
             url=reverse("infocenter:publication-detail", args=[publication.pk]))


def _report_event(event: Event) -> None:
    report = Report.objects.select_related("reporter", "subject").filter(pk=event.payload.get("report_id")).first()
    if report is None:
        return
    verifier_ids = [a.pk for a in verifiers_of(report.subject)]
    if event.kind == REPORT_FILED:
        direct = {report.subject_id, *verifier_ids}
    elif event.kind == REPORT_REPLIED:
        direct = {report.reporter_id, *verifier_ids}
    else:  # report.decided
        direct = {report.reporter_id, report.subject_id}
    actor_id = event.actor_id
    recipients = {u.pk: (u, True) for u in _users_of(direct) if u.pk != actor_id}
    for uid, (user, email) in _subscribers(module=InfoModule.BUSINESS, agent_id=report.subject_id).items():
        if uid not in recipients and uid != actor_id and _may_read(Report, user, report.pk):
            recipients[uid] = (user, email)
    params = {"reporter": report.reporter.name, "subject": report.subject.name, "title": report.title,
              "type": report.report_type, "status": report.status}
    _deliver(event, recipients, kind=event.kind, params=params,
             url=reverse("infocenter:report-detail", args=[report.pk]))


def _consent_event(event: Event) -> None:
    grantee_id = event.payload.get("grantee_id")
    grantor = Agent.objects.filter(pk=event.payload.get("grantor_id")).first()
    if grantor is None or grantee_id is None:
        return
    recipients = {u.pk: (u, True) for u in _users_of([grantee_id])}
    params = {"grantor": grantor.name, "until": str(event.payload.get("valid_until", ""))}
    _deliver(event, recipients, kind=event.kind, params=params, url=reverse("infocenter:consents"))


def notify(event: Event) -> None:
    if event.kind in (PUBLICATION_PUBLISHED, PUBLICATION_CORRECTED, PUBLICATION_RETRACTED):
        _publication_event(event)
    elif event.kind in (REPORT_FILED, REPORT_REPLIED, REPORT_DECIDED):
        _report_event(event)
    elif event.kind in (CONSENT_GRANTED, CONSENT_REVOKED, CONSENT_EXPIRED):
        _consent_event(event)


def government_alerts(event: Event) -> None:
    """A verified negative report raises an alert for each government whose region covers the
    subject (once per government and event)."""
    p = event.payload
    if p.get("status") != Verification.VERIFIED or p.get("type") != ReportType.NEGATIVE:
        return
    report = Report.objects.select_related("subject").filter(pk=p.get("report_id")).first()
    if report is None:
        return
    params = {"subject": report.subject.name, "title": report.title, "category": report.category}
    for government in Agent.objects.filter(kind="government", status="active"):
        if government_covers(government, report.subject):
            Alert.objects.get_or_create(government=government, event=event, defaults={
                "subject": report.subject, "report": report, "kind": "alert.negative_verified", "params": params})


def rescore(event: Event) -> None:
    """Ask for a re-score of each agent an event of a kind declared ``rescores_subject``
    concerns: one ``rescore.requested`` per agent, coalesced — while one for the agent waits
    unclaimed, further facts add nothing (600 repayments of a firm mean one re-score). One
    INSERT whatever the number of agents (an import batch concerns thousands of firms)."""
    kind = event_kind(event.kind)
    if kind is None or not kind.rescores_subject or not event.agent_ids:
        return
    events_insert_coalesced([
        event_row(kind=RESCORE_REQUESTED, subject_agent_id=agent_id, actor_agent_id=event.actor_agent_id,
                  payload={"reason": event.kind, "source_event_id": event.pk}, agent_ids=[agent_id])
        for agent_id in event.agent_ids
    ])


def register_builtin() -> None:
    for kind in (PUBLICATION_PUBLISHED, PUBLICATION_CORRECTED, PUBLICATION_RETRACTED, REPORT_FILED, REPORT_REPLIED,
                 REPORT_DECIDED, CONSENT_GRANTED, CONSENT_REVOKED, CONSENT_EXPIRED):
        register_handler(kind, notify, name="infocenter.notify")
    register_handler(REPORT_DECIDED, government_alerts, name="infocenter.government_alerts")
    register_handler("*", rescore, name="infocenter.rescore")
