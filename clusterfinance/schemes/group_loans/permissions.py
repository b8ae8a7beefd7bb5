"""The capabilities of the group loans, declared from ``ClusterFinanceConfig.ready()``: a firm's
owner or finance officer forms, joins and answers for its group, pays its calls and agrees to
dissolve it; a manager of the finance company sets the group policy and dissolves a group."""

from django.utils.translation import gettext_lazy as _

from agents.audit import audit_action_readable_by_its_agent
from agents.capabilities import capability_declare
from agents.choices import Role

ACT_FOR_GROUP = "act_for_loan_group"
SET_GROUP_POLICY = "set_group_loan_policy"  # fewest/most members, call days, the product
DISSOLVE_GROUP = "dissolve_loan_group"  # the finance company's decision to dissolve one of its groups


def declare() -> None:
    capability_declare(ACT_FOR_GROUP, roles=(Role.ENTERPRISE_OWNER, Role.ENTERPRISE_FINANCE),
                       message=_("Only the firm's owner or finance officer may act for it in a loan group."))
    capability_declare(SET_GROUP_POLICY, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may change the group loan policy."))
    capability_declare(DISSOLVE_GROUP, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may dissolve a loan group."))
    # the finance company's people read the history of its own group policy (the page shows it)
    from .selectors import POLICY_CHANGED

    audit_action_readable_by_its_agent(POLICY_CHANGED)
