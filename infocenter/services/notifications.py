"""Writes of subscriptions, notifications (read marks) and alerts (acknowledgement)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import Category, InfoModule, SubscriptionTarget
from ..models import Alert, Notification, Subscription


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


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user) -> Alert:
    from ..permissions import require_member

    require_member(user, alert.government)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
