"""The guarantee fund's capabilities, declared in the core registry from ``ClusterFinanceConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

# record contributions, issue and release guarantees, prepare and pay claims, record
# recoveries, record firm-to-firm guarantees and firms' capacities
MANAGE_GUARANTEES = "manage_guarantees"
# approve the payout of a claim (a manager, not the one who prepared it)
APPROVE_GUARANTEE_PAYOUT = "approve_guarantee_payout"
# change the fund's rules (leverage cap, fee, claim days, circle alert share)
SET_GUARANTEE_POLICY = "set_guarantee_policy"


def declare() -> None:
    capability_declare(MANAGE_GUARANTEES, roles=(Role.FC_ANALYST, Role.FC_MANAGER),
                       message=_("Only the finance company's staff may manage its guarantee fund."))
    capability_declare(APPROVE_GUARANTEE_PAYOUT, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may approve a guarantee payout."))
    capability_declare(SET_GUARANTEE_POLICY, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may change the guarantee fund's rules."))
