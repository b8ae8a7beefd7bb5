"""Publications: what an agent publishes about itself in one of the centre's modules.

A correction never edits a published row: it adds a new version to the same ``lineage`` and
marks the old one as no longer current, so the history stays readable. A retraction keeps the
row (and its visibility) and shows it as retracted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.restrict import NOTHING, RestrictedManager, Viewer

from ..choices import CATEGORY_MODULE, CONFIDENTIAL, Category, InfoModule, PublicationStatus, Visibility
from ..rules import finance_company_members, held_consents
from ..validators import validate_attachment


def publication_upload_to(instance, filename: str) -> str:
    # The stored name never reuses the user's file name (which may carry anything).
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"infocenter/publications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Publication(models.Model):
    """One version of an item an agent (the subject) publishes about itself: a category of one
    information module, a title, a body, structured data, an optional attachment, a visibility
    and a status. ``publisher`` is the agent that put it there — the subject itself, or the
    finance company when it discloses its records about a member (continuous disclosure)."""

    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True,
                               help_text=_("Shared by every version of the same publication."))
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True, db_index=True)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="next_version", verbose_name=_("previous version"))

    module = models.CharField(_("module"), max_length=20, choices=InfoModule.choices, editable=False)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    subject = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="publications",
                                verbose_name=_("about"))
    publisher = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="publications_made",
                                  verbose_name=_("published by"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("author"))

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("structured data"), default=dict, blank=True)
    attachment = models.FileField(_("attachment"), upload_to=publication_upload_to, blank=True, max_length=200,
                                  validators=[validate_attachment])
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    period = models.CharField(_("period"), max_length=20, blank=True,
                              help_text=_("What the figures cover, e.g. 2025, 2026Q3 or 2026-10."))
    key = models.CharField(_("disclosure key"), max_length=100, blank=True,
                           help_text=_("Unique per subject and category: publishing the same key again "
                                       "returns the existing publication (scheduled disclosures)."))

    visibility = models.CharField(_("visibility"), max_length=12, choices=Visibility.choices,
                                  default=Visibility.MEMBERS)
    # ",institution,investor," — kept as a delimited string so the rule is one LIKE on every
    # database (SQLite has no JSON containment); see audience_kinds_list.
    audience_kinds = models.CharField(_("kinds of agent that may read it"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PublicationStatus.choices,
                              default=PublicationStatus.DRAFT, db_index=True)

    correction_note = models.CharField(_("what was corrected"), max_length=300, blank=True)
    retraction_reason = models.CharField(_("reason for the retraction"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    retracted_at = models.DateTimeField(_("retracted at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="publication_lineage_version_unique"),
            # A scheduled disclosure (same subject, category and key) is published once.
            models.UniqueConstraint(fields=["subject", "category", "key"], condition=~Q(key="") & Q(version=1),
                                    name="publication_disclosure_key_unique"),
            models.CheckConstraint(condition=~Q(visibility="kinds") | ~Q(audience_kinds=""),
                                   name="publication_kinds_audience_given"),
        ]
        indexes = [
            models.Index(fields=["module", "is_current", "status"], name="pub_module_current_idx"),
            models.Index(fields=["subject", "category", "is_current"], name="pub_subject_category_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.module = CATEGORY_MODULE.get(self.category, self.module)
        super().save(*args, **kwargs)

    @property
    def audience_kinds_list(self) -> list[str]:
        return [k for k in self.audience_kinds.split(",") if k]

    @staticmethod
    def encode_kinds(kinds) -> str:
        kinds = sorted(set(kinds))
        return f",{','.join(kinds)}," if kinds else ""

    @property
    def is_confidential(self) -> bool:
        return self.visibility in CONFIDENTIAL

    @property
    def is_retracted(self) -> bool:
        return self.status == PublicationStatus.RETRACTED

    @property
    def age_days(self) -> int | None:
        if not self.published_at:
            return None
        return (timezone.now() - self.published_at).days

    # --- visibility -------------------------------------------------------------------------
    @classmethod
    def restrict_anonymous_q(cls, action: str) -> Q:
        if action != "view":
            return NOTHING
        return Q(visibility=Visibility.PUBLIC, status__in=_VISIBLE_STATUSES)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        own = Q(subject_id__in=viewer.agent_ids) | Q(publisher_id__in=viewer.agent_ids)
        if action != "view":
            return Q(publisher_id__in=viewer.agent_ids)
        return own | (Q(status__in=_VISIBLE_STATUSES) & cls.readers_q(viewer))

    @classmethod
    def readers_q(cls, viewer: Viewer) -> Q:
        """Published items ``viewer`` may read although they are not about it (DESIGN.md §5):
        the government of the subject's region reads everything (supervision); the finance
        company reads its members' items except "government only"; the rest by visibility."""
        q = Q(visibility=Visibility.PUBLIC)
        if not viewer.agent_ids:
            return q
        q |= Q(visibility=Visibility.MEMBERS)
        for kind in viewer.kinds:
            q |= Q(visibility=Visibility.KINDS, audience_kinds__contains=f",{kind},")
        q |= government_prefixes_q(viewer, "subject__region_code")
        fc_ids = viewer.ids_of("finance_company")
        if fc_ids:
            q |= ~Q(visibility=Visibility.GOVERNMENT) & Q(subject_id__in=finance_company_members(fc_ids))
        consents = held_consents(viewer)
        from .consent import ConsentCategory

        q |= Q(visibility=Visibility.CONSENT) & (
            Q(subject_id__in=consents.filter(all_categories=True).values("grantor_id"))
            | Q(Exists(ConsentCategory.objects.filter(
                consent__in=consents.filter(all_categories=False).values("pk"),
                consent__grantor_id=OuterRef("subject_id"), category=OuterRef("category"),
            )))
        )
        return q


_VISIBLE_STATUSES = (PublicationStatus.PUBLISHED, PublicationStatus.RETRACTED)

__all__ = ["Publication"]
