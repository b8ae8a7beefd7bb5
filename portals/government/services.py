from django.db import transaction

from agents.choices import AgentKind
from agents.services import agent_create

from .models import GovernmentProfile


@transaction.atomic
def government_register(*, name: str, credit_code: str, region_code: str, region: str, authority: str,
                        level: str, department: str = "", address: str = "") -> GovernmentProfile:
    agent = agent_create(kind=AgentKind.GOVERNMENT, name=name, credit_code=credit_code,
                         region_code=region_code, region=region)
    profile = GovernmentProfile(agent=agent, authority=authority, level=level, department=department, address=address)
    profile.full_clean()
    profile.save()
    return profile
