import factory

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from clusterfinance.models import Cluster, ClusterMembership


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"测试产业集群{n}")
    region_code = "330784"
    region = "浙江省金华市永康市"
    core_industry = "C33"
    finance_company = factory.SubFactory(AgentFactory, kind=AgentKind.FINANCE_COMPANY,
                                         name=factory.Sequence(lambda n: f"集群财务公司{n}"), industry_code="J69")


class ClusterMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterMembership

    cluster = factory.SubFactory(ClusterFactory)
    agent = factory.SubFactory(AgentFactory)
