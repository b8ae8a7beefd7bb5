from django.db import transaction

from agents.choices import AgentKind
from agents.services import agent_create

from .models import InstitutionProfile


@transaction.atomic
def institution_register(*, name: str, credit_code: str, region_code: str, region: str, institution_type: str,
                         size_class: str, licence_no: str = "", total_assets=None, branch: str = "",
                         accepts_platform_payments: bool = True) -> InstitutionProfile:
    agent = agent_create(kind=AgentKind.INSTITUTION, name=name, credit_code=credit_code, region_code=region_code,
                         region=region, industry_code="J66", size_class=size_class)
    profile = InstitutionProfile(agent=agent, institution_type=institution_type, licence_no=licence_no,
                                 total_assets=total_assets, branch=branch,
                                 accepts_platform_payments=accepts_platform_payments)
    profile.full_clean()
    profile.save()
    return profile
