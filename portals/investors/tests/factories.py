import datetime

import factory

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from portals.investors.models import InvestorProfile


class InvestorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestorProfile

    agent = factory.SubFactory(AgentFactory, kind=AgentKind.INVESTOR, name=factory.Sequence(lambda n: f"投资者{n}"),
                               credit_code="", industry_code="", size_class="")
    investor_type = "individual"
    suitability = "C3"
    assessed_on = datetime.date(2026, 1, 10)
