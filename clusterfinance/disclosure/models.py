"""How far each cluster's continuous disclosure has read (its watermark)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DisclosureStream(models.TextChoices):
    RECORDS = "records", _("Records of the finance company's lending")


class DisclosureCursor(models.Model):
    """The watermark of one disclosure stream of one cluster, so each daily run reads only what
    changed since the previous one. ``read_from`` is when the previous run started reading: the
    next run reads the changes stamped at or after it (minus a settling margin, see
    ``clusterfinance.disclosure.records``), so a change landing in the same second as a run, or
    committed just after it read, is read again rather than missed — and the publications'
    unique keys make sure nothing read twice is published twice. ``through_day`` is the business
    day of the previous run: the repayment records of the months that ended since then are due."""

    cluster = models.ForeignKey("agents.Cluster", on_delete=models.CASCADE, related_name="disclosure_cursors",
                                verbose_name=_("cluster"))
    stream = models.CharField(_("stream"), max_length=20, choices=DisclosureStream.choices)
    read_from = models.DateTimeField(_("changes read from"))
    through_day = models.DateField(_("disclosed through"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("disclosure watermark")
        verbose_name_plural = _("disclosure watermarks")
        constraints = [models.UniqueConstraint(fields=["cluster", "stream"], name="disclosure_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.stream} {self.read_from:%Y-%m-%d %H:%M:%S}"
