"""The allocation runs' capabilities, declared in the core registry from ``ClusterFinanceConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

PREPARE_ALLOCATION = "prepare_allocation"  # prepare a run and its what-ifs
APPROVE_ALLOCATION = "approve_allocation"  # approve or reject a run (maker-checker with the preparer)


def declare() -> None:
    capability_declare(PREPARE_ALLOCATION, roles=(Role.FC_ANALYST, Role.FC_MANAGER),
                       message=_("Only the finance company's staff may prepare allocation runs."))
    capability_declare(APPROVE_ALLOCATION, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may approve an allocation run."))
