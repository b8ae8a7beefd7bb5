import datetime
from decimal import Decimal

import factory

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from portals.enterprises.choices import SupplyChainPosition
from portals.enterprises.models import EnterpriseProfile


class EnterpriseProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseProfile

    agent = factory.SubFactory(AgentFactory, kind=AgentKind.ENTERPRISE)
    legal_representative = "张三"
    founded_on = datetime.date(2010, 5, 1)
    employees = 80
    registered_capital = Decimal("5000000.00")
    annual_revenue = Decimal("12000000.00")
    supply_chain_position = SupplyChainPosition.COMPONENTS
    main_products = "门锁"
