from django.db import models
from django.utils.translation import gettext_lazy as _


class InfoModule(models.TextChoices):
    """The centre's information modules (DESIGN.md §1, module 1)."""

    GOVERNMENT = "government", _("政府信息 Government")
    ENTERPRISE = "enterprise", _("企业信息 Enterprises")
    INSTITUTION = "institution", _("金融机构信息 Institutions")
    INVESTOR = "investor", _("民间投资者信息 Investors")
    INVESTMENT = "investment", _("投资信息 Investment")
    BUSINESS = "business", _("业务往来信息 Inter-agent business")
