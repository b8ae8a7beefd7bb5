"""Credit ratings of member firms (信用评级) and the scorecard versions that make them.

A finance company rates the firms of its cluster with its *active* scorecard version. Every
edit of a scorecard is a new version (draft); a manager other than its author approves it and
promotes it, and only then does it score anyone. Every rating is kept (full history): the grade,
the PD of that grade, the reasons, the inputs it saw and the version that made it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.choices import Grade
from agents.models import government_prefixes_q
from agents.restrict import NOTHING, RestrictedManager, Viewer

from .choices import RatingTrigger, ScorecardKind, VersionStatus


class RowJSONField(models.JSONField):
    """A JSONField that ``bulk_create`` inserts with one placeholder per value. Django 5.2 inserts
    batches on PostgreSQL through ``UNNEST`` of arrays; psycopg then quotes every JSON document
    into an array literal, which made writing 20,000 ratings take 17 s instead of 1."""

    def get_placeholder(self, value, compiler, connection):
        return "%s"


class ScorecardVersion(models.Model):
    """One version of a finance company's scorecard: an expert one (factors, bins and points
    edited by staff) or a statistical one (bins, WoE and coefficients trained on past borrowers,
    stored as JSON). Both score through ``scorecard.model_for(version)`` and map score → grade
    → PD through this version's ``calibration`` table. ``spec`` holds the features (see
    ``scorecard`` for the format); ``spreads`` the pricing spread per grade (annual rate over the
    product's base rate, a decimal string) that the finance company applies."""

    finance_company = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="scorecard_versions",
                                        limit_choices_to={"kind": "finance_company"},
                                        verbose_name=_("finance company"))
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=12, choices=ScorecardKind.choices, default=ScorecardKind.EXPERT)
    name = models.CharField(_("name"), max_length=120)
    notes = models.TextField(_("what changed"), blank=True)
    spec = models.JSONField(_("factors, bins and points"), default=dict)
    calibration = models.JSONField(_("score → grade → PD"), default=list)
    spreads = models.JSONField(_("pricing spread per grade"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT, db_index=True)
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("edited from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("in use since"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["finance_company", "-number"]
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        constraints = [
            models.UniqueConstraint(fields=["finance_company", "number"], name="rating_version_number_unique"),
            # One version in use per finance company at a time.
            models.UniqueConstraint(fields=["finance_company"], condition=Q(status="active"),
                                    name="rating_one_active_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("clusterfinance:rating:version", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    # --- visibility -------------------------------------------------------------------------
    # The finance company's own staff; the government of its region (supervision). A firm sees
    # the version that rated it through its rating page (the active version is named there).
    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        own = Q(finance_company_id__in=viewer.ids_of("finance_company"))
        if action != "view":
            return own
        return own | government_prefixes_q(viewer, "finance_company__region_code")


class Rating(models.Model):
    """One rating of a member firm: score, grade (AAA … C), the PD of that grade, the top
    reasons that raised and lowered the score, the inputs it saw (JSON snapshot), the scorecard
    version that made it, when and why. The newest one is the firm's current rating, copied to
    ``Agent.current_grade``/``current_pd``/``rated_at`` for the lower layers."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="ratings",
                              limit_choices_to={"kind": "enterprise"}, verbose_name=_("firm"))
    finance_company = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="ratings_made",
                                        verbose_name=_("rated by"))
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="ratings",
                                verbose_name=_("scorecard version"))
    score = models.FloatField(_("score"))
    grade = models.CharField(_("grade"), max_length=3, choices=Grade.choices)
    pd = models.DecimalField(_("probability of default"), max_digits=7, decimal_places=6)
    previous_grade = models.CharField(_("previous grade"), max_length=3, choices=Grade.choices, blank=True)
    reasons = RowJSONField(_("reasons"), default=list,
                               help_text=_("Factors that raised and lowered the score most, with their inputs."))
    inputs = RowJSONField(_("inputs"), default=dict)
    limited_history = models.BooleanField(_("little or no history"), default=False)
    is_current = models.BooleanField(_("current rating"), default=True)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RatingTrigger.choices)
    source_event_id = models.BigIntegerField(_("event"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-rated_at", "-pk"]
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")
        constraints = [models.UniqueConstraint(fields=["agent"], condition=Q(is_current=True),
                                               name="rating_one_current_per_firm")]
        indexes = [models.Index(fields=["agent", "-rated_at"], name="rating_agent_time_idx"),
                   models.Index(fields=["finance_company", "rated_at"], name="rating_fc_time_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.grade} ({self.rated_at:%Y-%m-%d})"

    @property
    def grade_changed(self) -> bool:
        return self.grade != self.previous_grade

    @property
    def raising(self) -> list:
        return [r for r in self.reasons if r.get("delta", 0) > 0]

    @property
    def lowering(self) -> list:
        return [r for r in self.reasons if r.get("delta", 0) < 0]

    # --- visibility -------------------------------------------------------------------------
    # The firm itself; the finance company that rated it; the government of its region; an
    # institution or investor reviewing an application of the firm, or holding its consent.
    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        if action != "view":
            return Q(finance_company_id__in=viewer.ids_of("finance_company"))
        q = Q(agent_id__in=viewer.agent_ids) | Q(finance_company_id__in=viewer.ids_of("finance_company"))
        q |= government_prefixes_q(viewer, "agent__region_code")
        lender_ids = viewer.ids_of("institution") + viewer.ids_of("investor")
        if lender_ids:
            from infocenter.rules import held_consents
            from lending.models import Application

            q |= Q(agent_id__in=Application.objects.filter(lender_id__in=lender_ids).values("applicant_id"))
            consents = held_consents(viewer)
            q |= Q(agent_id__in=consents.filter(all_categories=True).values("grantor_id"))
            q |= Q(agent_id__in=consents.filter(categories__category=RATING_CATEGORY).values("grantor_id"))
        return q

    @classmethod
    def restrict_anonymous_q(cls, action: str) -> Q:
        return NOTHING


# The centre's publication category of rating changes (enterprise module).
RATING_CATEGORY = "credit_rating"
