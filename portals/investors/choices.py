from django.db import models
from django.utils.translation import gettext_lazy as _


class InvestorType(models.TextChoices):
    INDIVIDUAL = "individual", _("个人 Individual")
    GROUP = "group", _("民间群体 Investor group")


class Suitability(models.TextChoices):
    """Investor suitability (投资者适当性), C1 most cautious to C5 most aggressive."""

    C1 = "C1", _("C1 保守型 Conservative")
    C2 = "C2", _("C2 谨慎型 Cautious")
    C3 = "C3", _("C3 稳健型 Balanced")
    C4 = "C4", _("C4 积极型 Growth")
    C5 = "C5", _("C5 激进型 Aggressive")
