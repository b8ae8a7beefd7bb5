"""Bulk imports of firm records from CSV and Excel files ("bulk data in")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import RestrictedManager, Viewer

from ..choices import FileFormat, ImportStatus, RecordKind


def _import_path(instance, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{filename}"


def _report_path(instance, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/errors/{filename}"


class ImportJob(models.Model):
    """One uploaded file of firm records on its way in: column mapping, live progress, row
    counts and, when a row is wrong, a downloadable per-row error report. All-or-nothing: a
    job either imports every row or changes nothing."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="import_jobs",
                              verbose_name=_("importing agent"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("uploaded by"))
    kind = models.CharField(_("kind of records"), max_length=20, choices=RecordKind.choices)
    file = models.FileField(_("file"), upload_to=_import_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    source_name = models.CharField(_("source system"), max_length=100, blank=True)
    language = models.CharField(_("language of the error report"), max_length=10, blank=True)
    headers = models.JSONField(_("headers in the file"), default=list, blank=True)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True,
                                      help_text=_("header in the file → field; empty means ignored"))
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED, db_index=True)
    message = models.TextField(_("message"), blank=True)
    total_rows = models.PositiveIntegerField(_("rows read"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    created_rows = models.PositiveIntegerField(_("records created"), default=0)
    updated_rows = models.PositiveIntegerField(_("records replaced"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_preview = models.JSONField(_("first errors"), default=list, blank=True)
    error_report = models.FileField(_("error report"), upload_to=_report_path, blank=True, max_length=255)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        """Progress for the bar: checking is the first 90 %, saving the rest."""
        if self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return 100
        if self.status == ImportStatus.SAVING:
            return 95
        if not self.total_rows:
            return 0
        return min(90, int(90 * self.processed_rows / self.total_rows))

    @property
    def encoding_label(self) -> str:
        """How people name the encoding (GB18030 is read for GBK files: it is its superset)."""
        return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 BOM", "gb18030": "GBK"}.get(self.encoding, self.encoding)

    # Jobs are seen by the colleagues of the importing agent only.
    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(agent_id__in=viewer.agent_ids)
