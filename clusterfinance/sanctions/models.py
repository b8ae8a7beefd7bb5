"""The reward and penalty rules a finance company configures, their history, and each time a
rule was applied to a firm (奖惩信息)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.restrict import RestrictedManager, Viewer


class RuleKind(models.TextChoices):
    ON_TIME_DISCOUNT = "on_time_discount", _("Rate discount after consecutive on-time months")
    DPD_SUSPENSION = "dpd_suspension", _("New money suspended after days past due")
    NEGATIVE_REPORT_WARNING = "negative_report_warning", _("Warning after a verified negative report")
    ARREARS_RELEASE = "arrears_release", _("Release of a suspension after the arrears are paid")


class Effect(models.TextChoices):
    DISCOUNT = "discount", _("Rate discount")
    SUSPENSION = "suspension", _("New money suspended")
    WARNING = "warning", _("Warning")
    RELEASE = "release", _("Suspension released")


# what each kind of rule does to a firm, and whether it is a reward or a penalty
KIND_EFFECT = {
    RuleKind.ON_TIME_DISCOUNT: Effect.DISCOUNT,
    RuleKind.DPD_SUSPENSION: Effect.SUSPENSION,
    RuleKind.NEGATIVE_REPORT_WARNING: Effect.WARNING,
    RuleKind.ARREARS_RELEASE: Effect.RELEASE,
}
REWARD_EFFECTS = (Effect.DISCOUNT, Effect.RELEASE)
# Activating or changing a rule of these kinds moves money (a rate) or blocks lending: a second
# person of the finance company approves it (maker-checker).
FOUR_EYES_KINDS = (RuleKind.ON_TIME_DISCOUNT, RuleKind.DPD_SUSPENSION)


def _fc_q(viewer: Viewer, prefix: str = "") -> Q:
    return Q(**{f"{prefix}finance_company_id__in": viewer.agent_ids})


class SanctionRule(models.Model):
    """One rule of a finance company: its kind, parameters and active flag as in force
    (``version`` counts the approved versions; 0 = never in force), and the change waiting for
    approval (``pending``: ``{"params": {...}, "is_active": bool, "name": str}``)."""

    finance_company = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="sanction_rules",
                                        verbose_name=_("finance company"))
    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=120)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    version = models.PositiveIntegerField(_("version"), default=0)
    pending = models.JSONField(_("change awaiting approval"), null=True, blank=True)
    pending_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("change prepared by"))
    pending_at = models.DateTimeField(_("change prepared at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["finance_company", "kind", "pk"]
        verbose_name = _("reward or penalty rule")
        verbose_name_plural = _("reward and penalty rules")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def needs_four_eyes(self) -> bool:
        return self.kind in FOUR_EYES_KINDS

    @property
    def effect(self) -> str:
        return KIND_EFFECT[self.kind]

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _fc_q(viewer)


class SanctionRuleVersion(models.Model):
    """The history of a rule: each version put in force, who prepared and who approved it."""

    rule = models.ForeignKey(SanctionRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=120)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"))
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("prepared by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    in_force_from = models.DateTimeField(_("in force from"), default=timezone.now)

    class Meta:
        ordering = ["rule", "-version"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="sanction_rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version}"


class SanctionApplication(models.Model):
    """A rule applied to a firm on a day: what it did (``effect``), the facts it saw
    (``evidence``), the rule's version, its disclosure in the centre, and — for a discount or a
    suspension — when it ended (``released_at``; a suspension by the release rule, recorded as its
    own application pointing at it through ``releases``). ``episode`` makes each application
    unique: one open discount or suspension per rule and firm, one warning per report."""

    finance_company = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+",
                                        verbose_name=_("finance company"))
    firm = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="sanction_applications",
                             verbose_name=_("firm"))
    rule = models.ForeignKey(SanctionRule, on_delete=models.PROTECT, related_name="applications",
                             verbose_name=_("rule"))
    rule_version = models.PositiveIntegerField(_("rule version"))
    effect = models.CharField(_("effect"), max_length=12, choices=Effect.choices, db_index=True)
    episode = models.CharField(_("episode"), max_length=60, blank=True)
    applied_on = models.DateField(_("applied on"), db_index=True)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    released_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    releases = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="released_by",
                                 verbose_name=_("releases"))
    publication = models.ForeignKey("infocenter.Publication", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("disclosure"))

    objects = RestrictedManager()

    class Meta:
        ordering = ["-applied_at", "-pk"]
        verbose_name = _("reward or penalty applied")
        verbose_name_plural = _("rewards and penalties applied")
        constraints = [
            # a second run applies nothing new: one open application per rule, firm and episode
            models.UniqueConstraint(fields=["rule", "firm", "episode"], condition=Q(released_at__isnull=True),
                                    name="sanction_application_open_unique"),
        ]
        indexes = [models.Index(fields=["finance_company", "effect", "released_at"], name="sanction_app_fc_effect")]

    def __str__(self) -> str:
        return f"{self.effect} {self.firm_id} {self.applied_on}"

    @property
    def is_reward(self) -> bool:
        return self.effect in REWARD_EFFECTS

    @property
    def is_open(self) -> bool:
        return self.released_at is None and self.effect in (Effect.DISCOUNT, Effect.SUSPENSION)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # the finance company's staff, and the firm itself (what applies to it and why)
        return _fc_q(viewer) | Q(firm_id__in=viewer.agent_ids)
