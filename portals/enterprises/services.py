"""Writes of the member-firm register."""

from django.db import transaction

from agents.choices import AgentKind
from agents.services import agent_create

from .classification import classify
from .models import EnterpriseProfile


@transaction.atomic
def enterprise_register(*, name: str, credit_code: str, region_code: str, region: str, industry_code: str,
                        legal_representative: str, founded_on, employees: int, registered_capital,
                        annual_revenue, supply_chain_position: str, main_products: str = "",
                        address: str = "") -> EnterpriseProfile:
    """A firm and its profile; the size class is derived from the official thresholds."""
    size = classify(industry_code=industry_code, employees=employees, annual_revenue=annual_revenue)
    agent = agent_create(kind=AgentKind.ENTERPRISE, name=name, credit_code=credit_code, region_code=region_code,
                         region=region, industry_code=industry_code, size_class=size)
    profile = EnterpriseProfile(
        agent=agent, legal_representative=legal_representative, founded_on=founded_on, employees=employees,
        registered_capital=registered_capital, annual_revenue=annual_revenue,
        supply_chain_position=supply_chain_position, main_products=main_products, address=address,
    )
    profile.full_clean()
    profile.save()
    return profile
