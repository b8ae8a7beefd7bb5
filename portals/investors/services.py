from django.db import transaction

from agents.choices import AgentKind
from agents.services import agent_create

from .models import InvestorProfile


@transaction.atomic
def investor_register(*, name: str, region_code: str, region: str, investor_type: str, suitability: str,
                      assessed_on, credit_code: str = "", occupation: str = "") -> InvestorProfile:
    agent = agent_create(kind=AgentKind.INVESTOR, name=name, credit_code=credit_code, region_code=region_code,
                         region=region)
    profile = InvestorProfile(agent=agent, investor_type=investor_type, suitability=suitability,
                              assessed_on=assessed_on, occupation=occupation)
    profile.full_clean()
    profile.save()
    return profile
