"""Capabilities of the support programmes, policy meetings and policies, declared in the core
registry from ``GovernmentConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

# create programmes, fund their budgets, prepare or reject applications and claims, mark priorities
MANAGE_PROGRAMMES = "manage_support_programmes"
# approve (and so pay) an application another officer prepared
APPROVE_PROGRAMME_PAYOUT = "approve_programme_payout"
# a firm applies for a subsidy
APPLY_PROGRAMME = "apply_support_programme"
# a lender claims on the risk-compensation fund
CLAIM_RISK_COMPENSATION = "claim_risk_compensation"
# schedule meetings, invite, record attendance and minutes; publish policies
MANAGE_MEETINGS = "manage_policy_meetings"
# a firm answers an invitation
ANSWER_MEETING = "answer_policy_meeting"

FIRM_ROLES = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_FINANCE)
LENDER_ROLES = (Role.INST_MANAGER, Role.INST_OFFICER, Role.FC_MANAGER, Role.FC_ANALYST)


def declare() -> None:
    capability_declare(MANAGE_PROGRAMMES, roles=(Role.GOV_SUPERVISOR,),
                       message=_("Only the government's officers may manage its support programmes."))
    capability_declare(APPROVE_PROGRAMME_PAYOUT, roles=(Role.GOV_SUPERVISOR,),
                       message=_("Only the government's officers may approve a programme payout."))
    capability_declare(APPLY_PROGRAMME, roles=FIRM_ROLES,
                       message=_("Only a firm's owner or finance officer may apply for a programme."))
    capability_declare(CLAIM_RISK_COMPENSATION, roles=LENDER_ROLES,
                       message=_("Only a lender's staff may claim on the risk-compensation fund."))
    capability_declare(MANAGE_MEETINGS, roles=(Role.GOV_SUPERVISOR,),
                       message=_("Only the government's officers may manage its meetings and policies."))
    capability_declare(ANSWER_MEETING, roles=FIRM_ROLES,
                       message=_("Only a firm's owner or finance officer may answer a meeting invitation."))
