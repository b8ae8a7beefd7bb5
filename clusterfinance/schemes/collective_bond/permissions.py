"""The capabilities of the collective bonds, declared from ``ClusterFinanceConfig.ready()``: the
finance company's people lead an issue (and prepare its settlement and payments); a manager of
the finance company — never the one who prepared it — approves the settlement and each payment;
an institution's people and private investors subscribe."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

LEAD_BOND = "lead_collective_bond"
SUBSCRIBE_BOND = "subscribe_collective_bond"
APPROVE_BOND = "approve_collective_bond"


def declare() -> None:
    capability_declare(LEAD_BOND, roles=(Role.FC_MANAGER, Role.FC_ANALYST),
                       message=_("Only the finance company's people may lead a collective bond issue."))
    capability_declare(APPROVE_BOND, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may approve a bond's settlement or "
                                 "payment."))
    capability_declare(SUBSCRIBE_BOND, roles=(Role.INST_MANAGER, Role.INST_OFFICER, Role.INVESTOR),
                       message=_("Only an institution's people or a private investor may subscribe to a bond."))
