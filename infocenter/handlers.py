"""Built-in event handlers of the centre, registered in ``InfoCenterConfig.ready()``:

- ``infocenter.notify`` — in-app notifications (and e-mail) to subscribers who may read the
  item, and to the parties of a report or a consent;
- ``infocenter.government_alerts`` — an alert for the government of the subject's region
  when a negative report is verified;
- ``infocenter.rescore`` — the hook for ratings: after an event that changes what is known
  about agents (``services.events.RESCORE_TRIGGERS``), emit ``rescore.requested`` with
  ``payload["agent_ids"]`` (the agents to re-score), ``payload["reason"]`` (the kind of the
  original event) and ``payload["source_event_id"]``. A rating app subscribes with
  ``register_handler("rescore.requested", my_handler)`` in its ``AppConfig.ready()``.

Each handler is idempotent: it writes rows with unique keys (user × event, government ×
event) and sends e-mail only after its transaction commits."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from agents.models import Agent, Membership

from .choices import InfoModule, ReportType, SubscriptionTarget, Verification
from .models import Alert, Event, Notification, Publication, Report, Subscription
from .notify_texts import render
from .permissions import government_covers, verifiers_of
from .services.events import RESCORE_REQUESTED, RESCORE_TRIGGERS, event_emit, register_handler

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
    """Create one notification per recipient (idempotent per user and event) and e-mail those
    who asked for it once the transaction commits."""
    if not recipients:
        return 0
    # Two queries whatever the number of recipients: who already has it, then one bulk insert
    # (ignore_conflicts: a racing duplicate is dropped by the unique (user, event) key).
    already = set(Notification.objects.filter(event=event, user_id__in=list(recipients))
                  .values_list("user_id", flat=True))
    now = timezone.now()
    new = [(user, email) for uid, (user, email) in recipients.items() if uid not in already]
    Notification.objects.bulk_create(
        [Notification(user=user, event=event, kind=kind, params=params, url=url,
                      emailed_at=now if email and user.email else None) for user, email in new],
        ignore_conflicts=True,
    )
    mails = [user.email for user, email in new if email and user.email]
    if mails:
        with translation.override(settings.LANGUAGE_CODE):  # e-mail in the platform's language
            text = render(kind, params)
        site = getattr(settings, "PLATFORM_BASE_URL", "")
        messages = [(f"[4A+1C] {text[:120]}", f"{text}\n\n{site}{url}", None, [address]) for address in mails]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(new)


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
    if event.kind == "report.filed":
        direct = {report.subject_id, *verifier_ids}
    elif event.kind == "report.replied":
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
    if event.kind.startswith("publication."):
        _publication_event(event)
    elif event.kind.startswith("report."):
        _report_event(event)
    elif event.kind.startswith("consent."):
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
    """Emit ``rescore.requested`` for the agents an information event concerns."""
    if event.kind not in RESCORE_TRIGGERS or not event.agent_ids:
        return
    event_emit(kind=RESCORE_REQUESTED, subject_agent=event.subject_agent,
               payload={"reason": event.kind, "source_event_id": event.pk}, agent_ids=event.agent_ids)


def register_builtin() -> None:
    register_handler("publication.*", notify, name="infocenter.notify")
    register_handler("report.*", notify, name="infocenter.notify")
    register_handler("consent.*", notify, name="infocenter.notify")
    register_handler("report.decided", government_alerts, name="infocenter.government_alerts")
    register_handler("*", rescore, name="infocenter.rescore")
