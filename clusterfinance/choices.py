from django.db import models
from django.utils.translation import gettext_lazy as _


class ParticipationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")
