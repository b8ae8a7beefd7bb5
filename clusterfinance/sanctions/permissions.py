"""The capabilities of the reward and penalty rules, declared from ``ClusterFinanceConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

# write a rule or prepare a change to it (a rate discount or a suspension waits for approval)
MANAGE_SANCTION_RULES = "manage_sanction_rules"
# approve the change another person prepared to a rule that moves money or blocks lending
APPROVE_SANCTION_RULE = "approve_sanction_rule"


def declare() -> None:
    capability_declare(MANAGE_SANCTION_RULES, roles=(Role.FC_ANALYST, Role.FC_MANAGER),
                       message=_("Only the finance company's staff may change its reward and penalty rules."))
    capability_declare(APPROVE_SANCTION_RULE, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may approve a reward or penalty rule."))
