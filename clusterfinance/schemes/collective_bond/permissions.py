"""The capabilities of the collective bonds, declared from ``ClusterFinanceConfig.ready()``: the
finance company's people lead an issue; an institution's people and private investors subscribe."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

LEAD_BOND = "lead_collective_bond"
SUBSCRIBE_BOND = "subscribe_collective_bond"


def declare() -> None:
    capability_declare(LEAD_BOND, roles=(Role.FC_MANAGER, Role.FC_ANALYST),
                       message=_("Only the finance company's people may lead a collective bond issue."))
    capability_declare(SUBSCRIBE_BOND, roles=(Role.INST_MANAGER, Role.INST_OFFICER, Role.INVESTOR),
                       message=_("Only an institution's people or a private investor may subscribe to a bond."))
