"""Stored summaries: the aggregates a dashboard shows about a large scope, kept as one row per
(kind, scope) so the page reads a few stored figures instead of aggregating every loan of a
province (``infocenter.summaries``)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Summary(models.Model):
    """The figures of one summary kind (``"government.book"``) for one scope (``"agent:12"``),
    as the kind's own query returned them at ``computed_at``; ``source_rows`` is how many
    records they aggregate (what makes the scope large), ``stamp`` the centre's last event id
    seen when the computation started (the refresh skips a scope whose stamp has not moved)."""

    kind = models.CharField(_("kind"), max_length=60)
    scope = models.CharField(_("scope"), max_length=60)
    data = models.JSONField(_("figures"), encoder=DjangoJSONEncoder)
    source_rows = models.BigIntegerField(_("records aggregated"), default=0)
    stamp = models.BigIntegerField(_("last event seen"), default=0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    seconds = models.FloatField(_("computation time (s)"), default=0)

    class Meta:
        verbose_name = _("stored summary")
        verbose_name_plural = _("stored summaries")
        constraints = [models.UniqueConstraint(fields=["kind", "scope"], name="infocenter_summary_kind_scope")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope}"
