from django.db import models
from django.utils.translation import gettext_lazy as _


class GovernmentLevel(models.TextChoices):
    COUNTY = "county", _("县级 County")
    CITY = "city", _("市级 City")
    PROVINCE = "province", _("省级 Province")
