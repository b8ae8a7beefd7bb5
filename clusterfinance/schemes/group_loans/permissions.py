"""The capability of the group loans, declared from ``ClusterFinanceConfig.ready()``: a firm's
owner or finance officer forms, joins and answers for its group and pays its calls."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

ACT_FOR_GROUP = "act_for_loan_group"


def declare() -> None:
    capability_declare(ACT_FOR_GROUP, roles=(Role.ENTERPRISE_OWNER, Role.ENTERPRISE_FINANCE),
                       message=_("Only the firm's owner or finance officer may act for it in a loan group."))
