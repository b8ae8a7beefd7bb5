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


class RiskLevel(models.TextChoices):
    """Risk level of a product or opportunity (产品风险等级), R1 lowest to R5 highest. A level-Cn
    investor may buy products up to Rn."""

    R1 = "R1", _("R1 低风险 Low")
    R2 = "R2", _("R2 中低风险 Medium-low")
    R3 = "R3", _("R3 中风险 Medium")
    R4 = "R4", _("R4 中高风险 Medium-high")
    R5 = "R5", _("R5 高风险 High")


class OpportunityKind(models.TextChoices):
    NOTE = "note", _("票据 Finance company note")
    DIRECT_LOAN = "direct_loan", _("直接借款 Direct loan to a member firm")
    DEPOSIT = "deposit", _("存款 Deposit with an institution")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class HoldingStatus(models.TextChoices):
    COOLING_OFF = "cooling_off", _("In the cooling-off period")
    ACTIVE = "active", _("Held")
    CANCELLED = "cancelled", _("Cancelled in the cooling-off period")
    CLOSED = "closed", _("Repaid and closed")
