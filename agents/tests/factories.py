"""Factories of the registry. Credit codes are valid GB 32100-2015 codes from a sequence."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from agents.choices import ROLES_BY_KIND, AgentKind, AgentStatus
from agents.models import Agent, Cluster, ClusterMembership, Invitation, Membership
from agents.validators import make_uscc

PASSWORD = "Factory-pass-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    username = factory.SelfAttribute("email")
    password = factory.django.Password(PASSWORD)


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    kind = AgentKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    region_code = "330784"
    region = "浙江省金华市永康市"
    credit_code = factory.Sequence(lambda n: make_uscc(division="330784", serial=50_000_000 + n))
    industry_code = "C33"
    size_class = "small"
    status = AgentStatus.ACTIVE
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"agent-factory:{o.credit_code or o.name}"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    agent = factory.SubFactory(AgentFactory)
    role = factory.LazyAttribute(lambda o: ROLES_BY_KIND[o.agent.kind][0])

    @factory.post_generation
    def join_group(obj, create, extracted, **kwargs):
        if create and obj.agent.group_id:
            obj.user.groups.add(obj.agent.group_id)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    agent = factory.SubFactory(AgentFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.cn")
    role = factory.LazyAttribute(lambda o: ROLES_BY_KIND[o.agent.kind][0])
    invited_by = factory.SubFactory(UserFactory)


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
