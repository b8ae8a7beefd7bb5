"""The outbox of the feedback loop: every fact the centre learns is an ``Event`` row written in
the same transaction as the change; a Celery worker hands it to each registered handler and
records one ``EventDelivery`` per handler, so a handler's effect happens once even when a
worker crashes and the event is picked up again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import NOTHING, RestrictedManager, Viewer


class Event(models.Model):
    """Something happened: ``kind`` (e.g. ``report.decided``), the agent it is about, who did
    it, and a JSON payload with the ids handlers need. ``dispatched_at`` is set once every
    handler has its delivery; ``lease_until`` is the claim of the worker dispatching it."""

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    subject_agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="events", verbose_name=_("about"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("by"))
    actor_agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("on behalf of"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Kinds declared ``coalesce_per_subject`` (``rescore.requested``) carry "<kind>:<subject id>":
    # the partial unique index below allows one such event that no worker has claimed yet, so
    # 600 repayments of one firm wait as one request. A claimed one (attempts > 0) leaves the
    # index: a fact arriving while a worker handles it gets a fresh request, never a gap.
    coalesce_key = models.CharField(_("coalesce key"), max_length=100, null=True, blank=True, editable=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["dispatched_at", "lease_until"], name="event_pending_idx",
                         condition=Q(dispatched_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["coalesce_key"], name="event_one_unclaimed_per_key",
                                    condition=Q(coalesce_key__isnull=False, dispatched_at__isnull=True, attempts=0)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    @staticmethod
    def coalesce_key_for(kind: str, subject_agent_id) -> str:
        return f"{kind}:{subject_agent_id or 0}"

    @property
    def agent_ids(self) -> list[int]:
        """The agents this event concerns (re-scoring): ``payload["agent_ids"]`` or the subject."""
        ids = self.payload.get("agent_ids")
        if ids:
            return [int(i) for i in ids]
        return [self.subject_agent_id] if self.subject_agent_id else []

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # The outbox is plumbing: only administrators read it (in the admin).
        return NOTHING


class EventDelivery(models.Model):
    """One handler has handled one event. Written in the same transaction as the handler's
    own effects; the unique pair makes a second delivery roll back instead of repeating."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("handler"), max_length=200)
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="event_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.handler}"


__all__ = ["Event", "EventDelivery"]
