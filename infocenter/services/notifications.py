"""Writes of subscriptions, notifications (delivery as each person chose, read marks, daily
digests and their e-mail), notification preferences and alerts (acknowledgement)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..choices import Category, InfoModule, SubscriptionTarget
from ..models import Alert, Notification, NotificationPreference, Subscription
from ..notify_texts import DIGEST, DIGEST_ITEMS, Delivery, default_delivery, render, topic_keys, topic_of


@transaction.atomic
def subscription_create(*, user, target: str, module: str = "", agent=None, category: str = "",
                        email: bool = False) -> Subscription:
    """Follow a module, an agent or a category. Following the same thing again only updates
    the e-mail choice."""
    if target == SubscriptionTarget.MODULE:
        if module not in InfoModule.values:
            raise ValidationError({"module": _("Choose a module.")})
        lookup = {"module": module}
    elif target == SubscriptionTarget.AGENT:
        if agent is None:
            raise ValidationError({"agent": _("Choose an agent.")})
        lookup = {"agent": agent}
    elif target == SubscriptionTarget.CATEGORY:
        if category not in Category.values:
            raise ValidationError({"category": _("Choose a category.")})
        lookup = {"category": category}
    else:
        raise ValidationError({"target": _("Choose what to follow.")})
    subscription, created = Subscription.objects.get_or_create(user=user, target=target, **lookup,
                                                               defaults={"email": email})
    if not created and subscription.email != email:
        subscription.email = email
        subscription.save(update_fields=["email"])
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user) -> None:
    if subscription.user_id != user.pk:
        raise PermissionDenied
    subscription.delete()


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user, topic: str = "") -> int:
    """Mark the person's unread notifications read (only those of ``topic`` when given)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.update(read_at=timezone.now())


# --- delivery as each person chose ----------------------------------------------------------------
def deliveries_of(user_ids, topic: str) -> dict[int, str]:
    """user id → ``Delivery`` for ``topic`` (the stored choice, else the topic's default)."""
    chosen = dict(NotificationPreference.objects.filter(user_id__in=list(user_ids), topic=topic)
                  .values_list("user_id", "delivery"))
    default = default_delivery(topic)
    return {uid: chosen.get(uid, default) for uid in user_ids}


def _mail_on_commit(messages: list) -> None:
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))


def notifications_deliver(*, event, recipients: dict, kind: str, params: dict, url: str) -> int:
    """Tell ``recipients`` (user id → (user, wants e-mail)) of one item of ``event``, each as
    they chose for the item's topic: ``each`` — a notification of its own (one per person and
    event) and, if they asked, an e-mail at once; ``digest`` — one more item in today's digest
    of the topic (e-mailed the next morning if they asked, ``notification_digests_email``);
    ``none`` — nothing. Runs in the handler's transaction (so once in effect); a fixed number of
    queries whatever the number of recipients. Returns how many people were told."""
    if not recipients:
        return 0
    topic = topic_of(kind, params)
    chosen = deliveries_of(recipients, topic)
    each = {uid: v for uid, v in recipients.items() if chosen[uid] == Delivery.EACH}
    digest = {uid: v for uid, v in recipients.items() if chosen[uid] == Delivery.DIGEST}
    return (_deliver_each(event, each, kind=kind, topic=topic, params=params, url=url)
            + _deliver_to_digest(digest, kind=kind, topic=topic, params=params, url=url))


def notifications_deliver_many(items: list[dict]) -> int:
    """``notifications_deliver`` for many items at once (a batch of events): each item is a
    dict with ``event``, ``recipients``, ``kind``, ``params`` and ``url``. The same outcome as
    one call per item, in a fixed number of queries for notifications of their own whatever the
    number of items and recipients (one read of the choices, one bulk insert that on PostgreSQL
    also says who already had theirs); daily digests are added item by item. Returns how many people were told."""
    items = [item for item in items if item["recipients"]]
    if not items:
        return 0
    for item in items:
        item["topic"] = topic_of(item["kind"], item["params"])
    users = {uid for item in items for uid in item["recipients"]}
    topics = {item["topic"] for item in items}
    chosen = {(uid, topic): delivery for uid, topic, delivery in NotificationPreference.objects.filter(
        user_id__in=list(users), topic__in=list(topics)).values_list("user_id", "topic", "delivery")}
    # On PostgreSQL the INSERT itself says which notifications are new (ON CONFLICT DO NOTHING
    # RETURNING); elsewhere one read of who already has theirs.
    already = set() if connection.vendor == "postgresql" else set(Notification.objects.filter(
        event_id__in=[item["event"].pk for item in items], user_id__in=list(users)).values_list("event_id", "user_id"))
    now = timezone.now()
    rows, pending, told = [], [], 0
    for item in items:
        event, topic = item["event"], item["topic"]
        default = default_delivery(topic)
        digest = {}
        new = []
        for uid, (user, email) in item["recipients"].items():
            delivery = chosen.get((uid, topic), default)
            if delivery == Delivery.EACH:
                if (event.pk, uid) not in already:
                    new.append((user, email))
            elif delivery == Delivery.DIGEST:
                digest[uid] = (user, email)
        if new:
            rows.append((event.pk, item["kind"], topic, item["params"], item["url"],
                         [[user.pk, bool(email and user.email)] for user, email in new]))
            pending.append((item, new))
        told += _deliver_to_digest(digest, kind=item["kind"], topic=topic, params=item["params"], url=item["url"])
    inserted = _notifications_insert(rows, now)
    mails = []
    site = getattr(settings, "PLATFORM_BASE_URL", "")
    for item, new in pending:
        fresh = [(user, email) for user, email in new if inserted is None or (item["event"].pk, user.pk) in inserted]
        told += len(fresh)
        addresses = [user.email for user, email in fresh if email and user.email]
        if addresses:
            with translation.override(settings.LANGUAGE_CODE):
                text = render(item["kind"], item["params"])
            mails += [(f"[4A+1C] {text[:120]}", f"{text}\n\n{site}{item['url']}", None, [a]) for a in addresses]
    _mail_on_commit(mails)
    return told


_NOTIFICATIONS_INSERT = """
INSERT INTO {table} (user_id, event_id, kind, topic, params, url, created_at, emailed_at, count, email_wanted, items)
SELECT (u->>0)::integer, i.event_id, i.kind, i.topic, i.params, i.url, %(now)s,
       CASE WHEN (u->>1)::boolean THEN %(now)s::timestamptz END, 1, false, '[]'::jsonb
  FROM jsonb_to_recordset(%(items)s::jsonb) AS i(event_id bigint, kind text, topic text, params jsonb, url text,
                                                 users jsonb)
 CROSS JOIN LATERAL jsonb_array_elements(i.users) AS u
    ON CONFLICT DO NOTHING
RETURNING event_id, user_id"""


def _notifications_insert(rows: list[tuple], now) -> set | None:
    """Insert the notifications of many items — (event id, kind, topic, params, url, [[user id,
    e-mailed], …]) each — dropping any a racing duplicate already wrote (unique user × event).
    On PostgreSQL one statement with one JSON parameter, expanded by the server (binding tens of
    thousands of parameters costs the client more than the server's insert), returning the
    (event id, user id) pairs it wrote; elsewhere a bulk insert (returns None: all were new)."""
    if not rows:
        return set()
    if connection.vendor == "postgresql":
        items = [{"event_id": e, "kind": k, "topic": t, "params": p, "url": u, "users": users}
                 for e, k, t, p, u, users in rows]
        with connection.cursor() as cursor:
            cursor.execute(_NOTIFICATIONS_INSERT.format(table=Notification._meta.db_table),
                           {"now": now, "items": json.dumps(items, cls=DjangoJSONEncoder)})
            return set(cursor.fetchall())
    Notification.objects.bulk_create(
        [Notification(user_id=uid, event_id=e, kind=k, topic=t, params=p, url=u, emailed_at=now if mailed else None)
         for e, k, t, p, u, users in rows for uid, mailed in users], ignore_conflicts=True, batch_size=2000)
    return None


def _deliver_each(event, recipients: dict, *, kind: str, topic: str, params: dict, url: str) -> int:
    if not recipients:
        return 0
    # Two queries whatever the number of recipients: who already has it, then one bulk insert
    # (ignore_conflicts: a racing duplicate is dropped by the unique (user, event) key).
    already = set(Notification.objects.filter(event=event, user_id__in=list(recipients))
                  .values_list("user_id", flat=True))
    now = timezone.now()
    new = [(user, email) for uid, (user, email) in recipients.items() if uid not in already]
    Notification.objects.bulk_create(
        [Notification(user=user, event=event, kind=kind, topic=topic, params=params, url=url,
                      emailed_at=now if email and user.email else None) for user, email in new],
        ignore_conflicts=True,
    )
    mails = [user.email for user, email in new if email and user.email]
    if mails:
        with translation.override(settings.LANGUAGE_CODE):  # e-mail in the platform's language
            text = render(kind, params)
        site = getattr(settings, "PLATFORM_BASE_URL", "")
        _mail_on_commit([(f"[4A+1C] {text[:120]}", f"{text}\n\n{site}{url}", None, [address]) for address in mails])
    return len(new)


def _deliver_to_digest(recipients: dict, *, kind: str, topic: str, params: dict, url: str) -> int:
    """Add the item to each recipient's digest of ``topic`` for today: create the missing
    digests (``INSERT … ON CONFLICT DO NOTHING`` on the unique person × topic × day), lock them
    all, then one UPDATE: count + 1, the item first among the latest, unread again."""
    if not recipients:
        return 0
    now = timezone.now()
    day = timezone.localdate(now)
    link = f"{reverse('infocenter:notifications')}?kind={topic}"
    Notification.objects.bulk_create(
        [Notification(user_id=uid, kind=DIGEST, topic=topic, digest_day=day, count=0, items=[], url=link,
                      params={"topic": topic}, created_at=now) for uid in recipients],
        ignore_conflicts=True,
    )
    digests = list(Notification.objects.select_for_update()
                   .filter(user_id__in=list(recipients), topic=topic, digest_day=day).order_by("pk"))
    item = {"kind": kind, "params": params, "url": url}
    for digest in digests:
        user, email = recipients[digest.user_id]
        digest.count += 1
        digest.items = [item, *(digest.items or [])][:DIGEST_ITEMS]
        digest.read_at, digest.created_at = None, now
        digest.email_wanted = digest.email_wanted or bool(email and user.email)
    Notification.objects.bulk_update(digests, ["count", "items", "read_at", "created_at", "email_wanted"])
    return len(digests)


def notification_digests_email(*, day=None) -> int:
    """E-mail each digest of ``day`` (default: yesterday) that gathered an item someone wanted
    by e-mail, once (``emailed_at``): one message per digest, in the platform's language, with
    the count and the latest items. Returns how many were sent."""
    day = day or timezone.localdate() - timedelta(days=1)
    site = getattr(settings, "PLATFORM_BASE_URL", "")
    with transaction.atomic():
        digests = list(Notification.objects.select_for_update().select_related("user")
                       .filter(digest_day=day, email_wanted=True, emailed_at__isnull=True).order_by("pk"))
        messages = []
        with translation.override(settings.LANGUAGE_CODE):
            for d in digests:
                if not d.user.email:
                    continue
                lines = "\n".join(f"- {i['text']}" for i in d.latest)
                messages.append((f"[4A+1C] {d.text[:120]}", f"{d.text}\n\n{lines}\n\n{site}{d.url}", None,
                                 [d.user.email]))
        Notification.objects.filter(pk__in=[d.pk for d in digests]).update(emailed_at=timezone.now())
        _mail_on_commit(messages)
    return len(messages)


@transaction.atomic
def notification_preferences_set(*, user, choices: dict[str, str]) -> int:
    """Store how ``user`` hears of each topic in ``choices`` (topic → ``Delivery``); a topic
    set to the same as its default keeps no row. Choosing *nothing* also marks that topic's
    unread notifications read, so the badge counts only what the person still wants. Unknown
    topics or deliveries are a ``ValidationError`` and change nothing. Returns how many
    topics changed."""
    known = topic_keys()
    bad = sorted(t for t, d in choices.items() if t not in known or d not in Delivery.values)
    if bad:
        raise ValidationError(_("Unknown kind of notification or delivery: %(kinds)s") % {"kinds": ", ".join(bad)})
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "delivery"))
    changed = {t: d for t, d in choices.items() if stored.get(t, default_delivery(t)) != d}
    if not changed:
        return 0
    NotificationPreference.objects.filter(user=user, topic__in=list(changed)).delete()
    now = timezone.now()
    NotificationPreference.objects.bulk_create([
        NotificationPreference(user=user, topic=t, delivery=d, updated_at=now)
        for t, d in changed.items() if d != default_delivery(t)])
    muted = [t for t, d in changed.items() if d == Delivery.NONE]
    if muted:
        Notification.objects.filter(user=user, topic__in=muted, read_at__isnull=True).update(read_at=now)
    return len(changed)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user) -> Alert:
    from ..permissions import require_member

    require_member(user, alert.government)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
