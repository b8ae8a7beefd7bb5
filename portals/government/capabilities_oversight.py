"""Capabilities of the government's oversight console (declared from ``GovernmentConfig.ready()``)."""

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
from agents.choices import Role

OVERSEE = "oversee_compliance"


def declare() -> None:
    capability_declare(OVERSEE, roles=(Role.GOV_SUPERVISOR,),
                       message=_("Only a supervisor of the government may act on its compliance monitor."))
