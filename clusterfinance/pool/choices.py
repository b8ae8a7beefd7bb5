from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    MEMBER_DEPOSIT = "member_deposit", _("成员存款 Member deposit of idle funds")
    CREDIT_LINE = "credit_line", _("授信额度 Credit line from an institution")
    NOTE = "note", _("票据 Note subscribed by a private investor")
    GOVERNMENT_FUND = "government_fund", _("政府资金 Government fund")


class GovernmentFundPurpose(models.TextChoices):
    RISK_COMPENSATION = "risk_compensation", _("风险补偿基金 Risk-compensation fund")
    SUBSIDY = "subsidy", _("贴息资金 Interest-subsidy fund")


class MovementKind(models.TextChoices):
    IN = "in", _("Money in")  # deposit, drawdown, subscription, placement
    OUT = "out", _("Money out")  # withdrawal, repayment, principal payout
    INTEREST = "interest", _("Interest paid")


class SourceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
