"""API access: per-agent tokens and idempotency keys of writes (JSON API)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import RestrictedManager, Viewer

TOKEN_PREFIX = "p4a_"  # noqa: S105 - a visible prefix, not a secret


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_token_key() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A key an agent's system uses to call the API, acting for that agent only (with the
    rights of the user who created it, limited to that agent). Only a SHA-256 hash is
    stored; the key is shown once when it is created."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="api_tokens",
                              verbose_name=_("agent"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                                   verbose_name=_("created by"))
    name = models.CharField(_("name"), max_length=100, help_text=_("What system uses this token"))
    key_prefix = models.CharField(_("key starts with"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # Colleagues see the agent's tokens; services check that only managers change them.
        return Q(agent_id__in=viewer.agent_ids)


class IdempotencyKey(models.Model):
    """The answer given to a write that carried an ``Idempotency-Key`` header: the same key
    with the same body gets the same answer again; another body with that key gets 409."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["agent", "key"], name="idempotency_agent_key_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(agent_id__in=viewer.agent_ids)
