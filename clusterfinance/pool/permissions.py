"""The pool's capabilities, declared in the core registry from ``ClusterFinanceConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

MANAGE_POOL = "manage_pool"  # open sources, record money in and out, pay interest


def declare() -> None:
    capability_declare(MANAGE_POOL, roles=(Role.FC_ANALYST, Role.FC_MANAGER),
                       message=_("Only the finance company's staff may manage its pool."))
    declare_policy()


SET_POOL_POLICY = "set_pool_policy"  # change the reserve floor and the concentration warning


def declare_policy() -> None:
    capability_declare(SET_POOL_POLICY, roles=(Role.FC_MANAGER,),
                       message=_("Only a manager of the finance company may change the pool's policy."))
