"""Loan applications from a borrower to a lender's product, and their documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager, Viewer

from ..choices import ApplicationStatus, ReviewRecommendation
from .products import RATE_FIELD

# What the lender's queue shows: everything the borrower has sent (never its drafts).
LENDER_VISIBLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED,
                  ApplicationStatus.REJECTED, ApplicationStatus.CONTRACTED, ApplicationStatus.WITHDRAWN)


class Application(models.Model):
    """A borrower's application for a loan under a product: amount, term, rate, purpose and
    documents. Status: draft → submitted → under review → approved / rejected (with reasons) →
    contracted (or withdrawn by the borrower before a decision). Maker-checker: the person who
    reviews is never the one who approves (``lending.services``)."""

    product = models.ForeignKey("lending.Product", on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("product"))
    applicant = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="loan_applications",
                                  verbose_name=_("applicant"))
    lender = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="received_applications",
                               verbose_name=_("lender"))
    amount = models.DecimalField(_("amount"), **MONEY_FIELD)
    periods = models.PositiveSmallIntegerField(_("term (periods)"))
    annual_rate = models.DecimalField(_("annual rate"), **RATE_FIELD)
    purpose = models.TextField(_("purpose of the loan"))
    status = models.CharField(_("status"), max_length=14, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_recommendation = models.CharField(_("recommendation"), max_length=8,
                                             choices=ReviewRecommendation.choices, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    approved_amount = models.DecimalField(_("approved amount"), null=True, blank=True, **MONEY_FIELD)
    approved_periods = models.PositiveSmallIntegerField(_("approved term"), null=True, blank=True)
    approved_rate = models.DecimalField(_("approved annual rate"), null=True, blank=True, **RATE_FIELD)
    contracted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    contracted_at = models.DateTimeField(_("contracted at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # lender and borrower connected by a current shareholding (``lending.services.related_parties``)
    related_party = models.BooleanField(_("related-party loan"), default=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        indexes = [models.Index(fields=["lender", "status"], name="lending_app_lender_status")]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.product} ({self.get_status_display()})"

    @property
    def terms(self) -> tuple:
        """(amount, periods, rate) as approved, or as applied for before a decision."""
        return (self.approved_amount or self.amount, self.approved_periods or self.periods,
                self.approved_rate if self.approved_rate is not None else self.annual_rate)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = Q(applicant_id__in=viewer.agent_ids)
        if action in ("view", "change"):
            q |= Q(lender_id__in=viewer.agent_ids, status__in=LENDER_VISIBLE)
        return q


def _document_path(instance, filename: str) -> str:
    return f"lending/applications/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    """A document attached to an application (financial statements, licences, contracts …)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_document_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = Q(application__applicant_id__in=viewer.agent_ids)
        if action == "view":
            q |= Q(application__lender_id__in=viewer.agent_ids, application__status__in=LENDER_VISIBLE)
        return q
