"""Subscriptions (follow a module, an agent or a category), in-app notifications and the
government's alerts — all written by event handlers, never by the pages themselves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import RestrictedManager, Viewer

from ..choices import Category, InfoModule, SubscriptionTarget
from ..notify_texts import Delivery


class Subscription(models.Model):
    """A person follows one module, one agent or one category of publications; new items
    they may read become notifications (and e-mails when ``email`` is on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="info_subscriptions")
    target = models.CharField(_("follows"), max_length=10, choices=SubscriptionTarget.choices)
    module = models.CharField(_("module"), max_length=20, choices=InfoModule.choices, blank=True)
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="followers", verbose_name=_("agent"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices, blank=True)
    email = models.BooleanField(_("also by e-mail"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["target", "module", "category", "pk"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="module") & ~Q(module="") & Q(agent__isnull=True) & Q(category=""))
                | (Q(target="agent") & Q(module="") & Q(agent__isnull=False) & Q(category=""))
                | (Q(target="category") & Q(module="") & Q(agent__isnull=True) & ~Q(category="")),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(fields=["user", "module"], condition=Q(target="module"),
                                    name="subscription_module_unique"),
            models.UniqueConstraint(fields=["user", "agent"], condition=Q(target="agent"),
                                    name="subscription_agent_unique"),
            models.UniqueConstraint(fields=["user", "category"], condition=Q(target="category"),
                                    name="subscription_category_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.target == SubscriptionTarget.MODULE:
            return InfoModule(self.module).label
        if self.target == SubscriptionTarget.CATEGORY:
            return Category(self.category).label
        return str(self.agent)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(user_id=getattr(viewer.user, "pk", None))


class Notification(models.Model):
    """A message to one person about one event, or a daily digest of many (``kind="digest"``):
    one per person, topic and day, with ``count`` items of which ``items`` keeps the latest
    (``{"kind", "params", "url"}`` each). The text is rendered in the reader's language from
    ``kind`` and ``params``; ``topic`` is what the person chose how to hear of
    (``notify_texts.topics``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="info_notifications")
    event = models.ForeignKey("infocenter.Event", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    topic = models.CharField(_("kind"), max_length=60, blank=True)
    # a daily digest: its day, how many items it gathers, the latest ones, and whether one of
    # them came from a subscription with e-mail (the digest is then mailed once, the next day)
    digest_day = models.DateField(_("day"), null=True, blank=True)
    count = models.PositiveIntegerField(_("items"), default=1)
    items = models.JSONField(default=list, blank=True)
    email_wanted = models.BooleanField(default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], condition=Q(event__isnull=False),
                                    name="notification_user_event_unique"),
            models.UniqueConstraint(fields=["user", "topic", "digest_day"], condition=Q(digest_day__isnull=False),
                                    name="notification_one_digest_per_day"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
                   models.Index(fields=["user", "topic"], name="notification_topic_idx")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_digest(self) -> bool:
        return self.digest_day is not None

    @property
    def text(self) -> str:
        from ..notify_texts import render, render_digest

        if self.is_digest:
            return render_digest(self.topic, self.count, self.digest_day)
        return render(self.kind, self.params)

    @property
    def latest(self) -> list[dict]:
        """The digest's latest items as ``{"text", "url"}`` (rendered in the reader's language)."""
        from ..notify_texts import render

        return [{"text": render(i.get("kind", ""), i.get("params") or {}), "url": i.get("url", "")}
                for i in self.items or []]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(user_id=getattr(viewer.user, "pk", None))


class NotificationPreference(models.Model):
    """How one person hears of one topic (``notify_texts.topics``): each item, a daily digest
    or nothing. Without a row the topic's default applies (digest for high-volume topics)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    topic = models.CharField(_("kind"), max_length=60)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["user", "topic"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic}: {self.delivery}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(user_id=getattr(viewer.user, "pk", None))


class Alert(models.Model):
    """Something the government of a region should look at, raised by a built-in event
    handler (e.g. a negative report about a firm was verified). Shown on the government console
    and on /hub/alerts/ until acknowledged."""

    government = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="info_alerts",
                                   verbose_name=_("government"))
    subject = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+", verbose_name=_("about"))
    event = models.ForeignKey("infocenter.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    report = models.ForeignKey("infocenter.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["acknowledged_at", "-created_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["government", "event"], condition=Q(event__isnull=False),
                                    name="alert_government_event_unique"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from ..notify_texts import render

        return render(self.kind, self.params)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(government_id__in=viewer.agent_ids)


__all__ = ["Alert", "Notification", "NotificationPreference", "Subscription"]
