import factory

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from portals.institutions.models import InstitutionProfile


class InstitutionProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstitutionProfile

    agent = factory.SubFactory(AgentFactory, kind=AgentKind.INSTITUTION, name=factory.Sequence(lambda n: f"测试银行{n}"),
                               industry_code="J66", size_class="small")
    institution_type = "bank"
    licence_no = factory.Sequence(lambda n: f"B{n:04d}")
