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

``notify`` and ``rescore`` are registered as batch handlers (``notify_batch``,
``rescore_batch``: one call per dispatched batch, a fixed number of queries for it).

Each handler is idempotent: it writes rows with unique keys (user × event, government ×
event) and sends e-mail only after its transaction commits."""

from __future__ import annotations

import logging
from collections import defaultdict

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
from .services.notifications import notifications_deliver, notifications_deliver_many

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


def _readers_by_visibility(publication: Publication, candidates: dict, kinds_of: dict | None = None) -> set:
    """The candidates the visibility alone lets read a published item, without one restrict()
    query each: everyone for "public", everyone acting for an active agent for "platform
    members", people of the listed kinds for "given kinds" (the first terms of
    Publication.readers_q). The others (government, finance company, consent) are checked one
    by one through restrict()."""
    if publication.status not in ("published", "retracted") or not candidates:
        return set()
    if publication.visibility == "public":
        return set(candidates)
    if kinds_of is not None:  # prefetched for a batch: user id → kinds of their active agents
        if publication.visibility == "members":
            return {uid for uid in candidates if kinds_of.get(uid)}
        if publication.visibility == "kinds":
            wanted = set(publication.audience_kinds_list)
            return {uid for uid in candidates if kinds_of.get(uid, set()) & wanted}
        return set()
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


def _kinds_of(user_ids) -> dict[int, set[str]]:
    """user id → kinds of the active agents they act for (active memberships)."""
    found: dict[int, set[str]] = {}
    for uid, kind in Membership.objects.filter(user_id__in=list(user_ids), is_active=True,
                                               agent__status="active").values_list("user_id", "agent__kind"):
        found.setdefault(uid, set()).add(kind)
    return found


def _publication_items(events: list[Event]) -> list[dict]:
    """What ``_publication_event`` tells, for a batch of publication events in a fixed number of
    queries (publications, subscriptions, the publishers' people, the candidates' agents),
    plus one restrict() query per follower whose access the visibility alone does not give."""
    publications = Publication.objects.select_related("publisher").only(
        "module", "subject_id", "category", "publisher__name", "title", "version", "visibility", "status",
        "audience_kinds").in_bulk(
        [e.payload.get("publication_id") for e in events if e.payload.get("publication_id")])
    found = [(e, publications.get(e.payload.get("publication_id"))) for e in events]
    found = [(e, p) for e, p in found if p is not None]
    if not found:
        return []
    q = (Q(target=SubscriptionTarget.MODULE, module__in={p.module for _e, p in found})
         | Q(target=SubscriptionTarget.AGENT, agent_id__in={p.subject_id for _e, p in found})
         | Q(target=SubscriptionTarget.CATEGORY, category__in={p.category for _e, p in found}))
    subscriptions = list(Subscription.objects.filter(q).select_related("user"))
    own: dict[int, set[int]] = {}
    for agent_id, uid in Membership.objects.filter(agent_id__in={p.publisher_id for _e, p in found},
                                                   is_active=True).values_list("agent_id", "user_id"):
        own.setdefault(agent_id, set()).add(uid)
    kinds_of = _kinds_of({sub.user_id for sub in subscriptions})
    # one reverse() per batch: the link of publication N is the pattern's with N in it
    placeholder = 987654321
    link = reverse("infocenter:publication-detail", args=[placeholder])
    # the subscriptions by what they follow, read once (not once per publication)
    following: dict[tuple[str, object], list[tuple[int, object, bool]]] = defaultdict(list)
    for sub in subscriptions:
        followed = {SubscriptionTarget.MODULE: sub.module, SubscriptionTarget.AGENT: sub.agent_id,
                    SubscriptionTarget.CATEGORY: sub.category}.get(sub.target)
        following[(sub.target, followed)].append((sub.user_id, sub.user, sub.email))
    items = []
    for event, publication in found:
        candidates: dict[int, tuple] = {}
        for key in ((SubscriptionTarget.MODULE, publication.module), (SubscriptionTarget.AGENT, publication.subject_id),
                    (SubscriptionTarget.CATEGORY, publication.category)):
            if not key[1]:
                continue
            for uid, user, wants_email in following.get(key, ()):
                known, email = candidates.get(uid, (user, False))
                candidates[uid] = (known, email or wants_email)
        mine = own.get(publication.publisher_id, set())
        candidates = {uid: v for uid, v in candidates.items() if uid not in mine}
        readers = _readers_by_visibility(publication, candidates, kinds_of)
        recipients = {uid: v for uid, v in candidates.items()
                      if uid in readers or _may_read(Publication, v[0], publication.pk)}
        params = {"publisher": publication.publisher.name, "title": publication.title,
                  "version": publication.version, "category": publication.category}
        items.append({"event": event, "recipients": recipients, "kind": event.kind, "params": params,
                      "url": link.replace(str(placeholder), str(publication.pk))})
    return items


def notify_batch(events: list[Event]) -> None:
    """``notify`` for a batch: the publication events in a fixed number of queries and one bulk
    insert of their notifications; reports and consents (rare) one by one."""
    publications = [e for e in events if e.kind in (PUBLICATION_PUBLISHED, PUBLICATION_CORRECTED,
                                                    PUBLICATION_RETRACTED)]
    notifications_deliver_many(_publication_items(publications))
    for event in events:
        if event.kind not in (PUBLICATION_PUBLISHED, PUBLICATION_CORRECTED, PUBLICATION_RETRACTED):
            notify(event)


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
    concerns (``rescore_batch`` of one event)."""
    rescore_batch([event])


def rescore_batch(events: list[Event]) -> None:
    """Ask for a re-score of each agent the events of kinds declared ``rescores_subject``
    concern: one ``rescore.requested`` per agent, coalesced — while one for the agent waits
    unclaimed, further facts add nothing (600 repayments of a firm mean one re-score). One
    INSERT for the whole batch whatever the number of events and agents (an import batch
    concerns thousands of firms); within the batch the first fact about an agent names it.
    Requests after facts of a ``bulk`` kind coalesce among themselves (their own key), so a
    report about a firm whose repayment request still waits gets a prompt request of its own."""
    rows, seen = [], set()
    for event in events:
        kind = event_kind(event.kind)
        if kind is None or not kind.rescores_subject:
            continue
        for agent_id in event.agent_ids:
            if (agent_id, kind.bulk) in seen:
                continue
            seen.add((agent_id, kind.bulk))
            row = event_row(kind=RESCORE_REQUESTED, subject_agent_id=agent_id, actor_agent_id=event.actor_agent_id,
                            payload={"reason": event.kind, "source_event_id": event.pk}, agent_ids=[agent_id])
            if kind.bulk:  # a bulk fact's request waits apart, so a report's is never folded into it
                row["coalesce_key"] += ":bulk"
            rows.append(row)
    events_insert_coalesced(rows)


def register_builtin() -> None:
    for kind in (PUBLICATION_PUBLISHED, PUBLICATION_CORRECTED, PUBLICATION_RETRACTED, REPORT_FILED, REPORT_REPLIED,
                 REPORT_DECIDED, CONSENT_GRANTED, CONSENT_REVOKED, CONSENT_EXPIRED):
        register_handler(kind, notify_batch, name="infocenter.notify", batch=True)
    register_handler(REPORT_DECIDED, government_alerts, name="infocenter.government_alerts")
    register_handler("*", rescore_batch, name="infocenter.rescore", batch=True)
