from django.db import models
from django.utils.translation import gettext_lazy as _

from agents.choices import SizeClass

__all__ = ["SizeClass", "SupplyChainPosition"]


class SupplyChainPosition(models.TextChoices):
    RAW_MATERIALS = "raw_materials", _("上游 Raw materials")
    COMPONENTS = "components", _("中游 Parts and components")
    ASSEMBLY = "assembly", _("下游 Assembly and finished goods")
    DISTRIBUTION = "distribution", _("流通 Distribution and trade")
    SERVICES = "services", _("配套 Supporting services")
