"""Choices of the credit rating (信用评级)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScorecardKind(models.TextChoices):
    EXPERT = "expert", _("专家评分卡 Expert scorecard")
    STATISTICAL = "statistical", _("统计评分卡 Statistical scorecard")


class VersionStatus(models.TextChoices):
    """draft → approved (by a manager other than its author) → active (scores everyone) → retired."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved, not yet in use")
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class RatingTrigger(models.TextChoices):
    """Why a firm was (re-)scored."""

    EVENT = "event", _("New information about the firm")
    NIGHTLY = "nightly", _("Nightly re-rating")
    MANUAL = "manual", _("Re-rated by staff")
    PROMOTION = "promotion", _("New scorecard version")
    DEMO = "demo", _("Demo history")
