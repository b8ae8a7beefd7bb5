"""The capability of the rotating fund, declared from ``ClusterFinanceConfig.ready()``: the finance
company's staff create a fund, admit members, fix the order and record draws, repayments and
defaults."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

MANAGE_ROTATING_FUND = "manage_rotating_fund"


def declare() -> None:
    capability_declare(MANAGE_ROTATING_FUND, roles=(Role.FC_ANALYST, Role.FC_MANAGER),
                       message=_("Only the finance company's staff may manage its rotating mutual credit fund."))
