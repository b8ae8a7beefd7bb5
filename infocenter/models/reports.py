"""Reports about another agent (the paper's "information about other agents"), with their
verification by the finance company or the government and the subject's right of reply."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.restrict import NOTHING, RestrictedManager, Viewer

from ..choices import InfoModule, ReportCategory, ReportType, Verification
from ..constants import REPORT_WEIGHTS
from ..rules import finance_company_members
from ..validators import validate_attachment


def evidence_upload_to(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"infocenter/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Report(models.Model):
    """What one agent (the reporter) states about another (the subject): a late payment, a
    good relationship, a quality dispute, a tax arrear, an award… Each has a type, evidence,
    a verification status decided by the finance company or the government, and the
    subject's reply shown beside it. Reports belong to the inter-agent business module."""

    module = InfoModule.BUSINESS

    reporter = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="reports_filed",
                                 verbose_name=_("reported by"))
    subject = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="reports_about",
                                verbose_name=_("about"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("filed by"))
    category = models.CharField(_("category"), max_length=20, choices=ReportCategory.choices)
    report_type = models.CharField(_("type"), max_length=10, choices=ReportType.choices)
    title = models.CharField(_("title"), max_length=200)
    evidence = models.TextField(_("evidence"), help_text=_("What happened, when, and how it can be checked."))
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_upload_to, blank=True, max_length=200,
                                     validators=[validate_attachment])
    evidence_file_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)

    status = models.CharField(_("verification"), max_length=12, choices=Verification.choices,
                              default=Verification.UNVERIFIED, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_by_agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("decided by (agent)"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason for the decision"), blank=True)

    reply = models.TextField(_("reply of the subject"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("replied by"))
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(condition=~Q(reporter=models.F("subject")), name="report_not_about_itself"),
        ]
        indexes = [
            models.Index(fields=["reporter", "created_at"], name="report_reporter_day_idx"),
            models.Index(fields=["subject", "status"], name="report_subject_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def weight(self) -> float:
        """How much this report counts for ratings: full when verified, a quarter when negative
        and unverified, half when positive or neutral and unverified, little when disputed,
        nothing when rejected (constants.REPORT_WEIGHTS)."""
        return REPORT_WEIGHTS[(self.status, self.report_type)]

    @property
    def signed_weight(self) -> float:
        sign = {ReportType.POSITIVE: 1, ReportType.NEGATIVE: -1}.get(self.report_type, 0)
        return sign * self.weight

    @property
    def is_decided(self) -> bool:
        return self.status != Verification.UNVERIFIED

    # --- visibility -------------------------------------------------------------------------
    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        own = Q(reporter_id__in=viewer.agent_ids) | Q(subject_id__in=viewer.agent_ids)
        if action != "view":
            return own
        q = own | government_prefixes_q(viewer, "subject__region_code")
        fc_ids = viewer.ids_of("finance_company")
        if fc_ids:
            q |= Q(subject_id__in=finance_company_members(fc_ids))
        if viewer.agent_ids:
            # Other members read what has been verified: an unchecked accusation is not spread.
            q |= Q(status=Verification.VERIFIED)
        return q

    @classmethod
    def restrict_anonymous_q(cls, action: str) -> Q:
        return NOTHING


__all__ = ["Report"]
