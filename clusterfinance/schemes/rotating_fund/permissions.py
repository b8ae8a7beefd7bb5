"""The capabilities of the rotating fund, declared from ``ClusterFinanceConfig.ready()``: the
finance company's staff create a fund, admit members, fix the order, record draws, repayments and
defaults and close the fund; a member firm's owner or finance officer asks to join, gives its bid
and repays its own advance from the firm's portal."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

MANAGE_ROTATING_FUND = "manage_rotating_fund"
ACT_FOR_ROTATING_FUND = "act_for_rotating_fund"


def declare() -> None:
    capability_declare(MANAGE_ROTATING_FUND, roles=(Role.FC_ANALYST, Role.FC_MANAGER),
                       message=_("Only the finance company's staff may manage its rotating mutual credit fund."))
    capability_declare(ACT_FOR_ROTATING_FUND, roles=(Role.ENTERPRISE_OWNER, Role.ENTERPRISE_FINANCE),
                       message=_("Only the firm's owner or finance officer may act for it in a rotating fund."))
