import factory

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from portals.government.models import GovernmentProfile


class GovernmentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GovernmentProfile

    agent = factory.SubFactory(AgentFactory, kind=AgentKind.GOVERNMENT, name=factory.Sequence(lambda n: f"政府办公室{n}"),
                               industry_code="", size_class="")
    authority = "永康市人民政府"
    department = "金融工作办公室"
    level = "county"
