"""Consent: a firm lets an institution or investor read its confidential information for a
period; every reading of confidential data is written to the access log the firm can see."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import RestrictedManager, RestrictedQuerySet, Viewer

from ..choices import AccessBasis, Category, ConsentState


class ConsentQuerySet(RestrictedQuerySet):
    def in_force(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)


class Consent(models.Model):
    """A firm (grantor) grants an institution or a private investor (grantee) access to its
    confidential publications — all of them or chosen categories — from ``valid_from`` to
    ``valid_until`` (inclusive). The grant is a django-guardian object permission
    ``infocenter.use_consent`` on this row for the grantee's group; the dates are checked by
    the visibility rule itself, so expiry takes effect at midnight without waiting for the
    beat task that removes the permission."""

    grantor = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="consents_given",
                                verbose_name=_("granted by"))
    grantee = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="consents_received",
                                verbose_name=_("granted to"))
    all_categories = models.BooleanField(_("all confidential information"), default=True)
    valid_from = models.DateField(_("from"), default=timezone.localdate)
    valid_until = models.DateField(_("until (inclusive)"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True,
                               help_text=_("e.g. the loan application this consent is for"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    permission_removed_at = models.DateTimeField(
        _("permission removed at"), null=True, blank=True,
        help_text=_("When the guardian permission was taken back (revocation or expiry)."),
    )

    objects = models.Manager.from_queryset(ConsentQuerySet)()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        permissions = [("use_consent", "Read the grantor's confidential data under this consent")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")),
                                   name="consent_period_positive"),
            models.CheckConstraint(condition=~Q(grantor=models.F("grantee")), name="consent_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.grantee}"

    def state(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.revoked_at:
            return ConsentState.REVOKED
        if today < self.valid_from:
            return ConsentState.PENDING
        if today > self.valid_until:
            return ConsentState.EXPIRED
        return ConsentState.ACTIVE

    @property
    def current_state(self) -> str:
        return self.state()

    def get_current_state_display(self) -> str:
        return ConsentState(self.current_state).label

    @property
    def category_values(self) -> list[str]:
        # Uses the prefetch cache when the list was prefetched.
        return [c.category for c in self.categories.all()]

    @property
    def category_labels(self) -> list[str]:
        return [Category(c).label for c in self.category_values]

    def covers(self, category: str) -> bool:
        return self.all_categories or category in self.category_values

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        if action != "view":
            return Q(grantor_id__in=viewer.agent_ids)
        return Q(grantor_id__in=viewer.agent_ids) | Q(grantee_id__in=viewer.agent_ids)


class ConsentCategory(models.Model):
    """One category a consent covers when it does not cover all confidential information."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)

    class Meta:
        verbose_name = _("consent category")
        verbose_name_plural = _("consent categories")
        constraints = [models.UniqueConstraint(fields=["consent", "category"], name="consent_category_unique")]

    def __str__(self) -> str:
        return self.get_category_display()


class AccessLog(models.Model):
    """One reading of an agent's confidential data by someone else: who, for which agent,
    when, what, and on what basis (consent, finance company, government supervision).
    The subject sees these rows on its "who looked at my data" page."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("person"))
    viewer_agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("on behalf of"))
    subject = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="access_log",
                                verbose_name=_("whose data"))
    publication = models.ForeignKey("infocenter.Publication", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("publication"))
    basis = models.CharField(_("basis"), max_length=20, choices=AccessBasis.choices)
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    page = models.CharField(_("page"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["subject", "at"], name="accesslog_subject_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} → {self.subject}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        if action != "view":
            return Q(pk__in=[])
        return Q(subject_id__in=viewer.agent_ids)


__all__ = ["AccessLog", "Consent", "ConsentCategory"]
