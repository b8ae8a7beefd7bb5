from django.db import models
from django.utils.translation import gettext_lazy as _


class SizeClass(models.TextChoices):
    """Official SME classification (工信部联企业〔2011〕300号): large firms are not SMEs."""

    MICRO = "micro", _("微型 Micro")
    SMALL = "small", _("小型 Small")
    MEDIUM = "medium", _("中型 Medium")
    LARGE = "large", _("大型 Large")


class SupplyChainPosition(models.TextChoices):
    RAW_MATERIALS = "raw_materials", _("上游 Raw materials")
    COMPONENTS = "components", _("中游 Parts and components")
    ASSEMBLY = "assembly", _("下游 Assembly and finished goods")
    DISTRIBUTION = "distribution", _("流通 Distribution and trade")
    SERVICES = "services", _("配套 Supporting services")
