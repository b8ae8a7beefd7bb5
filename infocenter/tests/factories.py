"""Factories of the centre. Most tests build through the services (as users do); these
factories make many rows quickly for query-count tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from agents.choices import AgentKind, Role
from agents.models import Cluster, ClusterMembership
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from infocenter.models import Publication, Report


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    subject = factory.SubFactory(AgentFactory)
    publisher = factory.SelfAttribute("subject")
    category = "financial_statements"
    title = factory.Sequence(lambda n: f"2025 年度财务报表 {n}")
    body = "营业收入 1,200 万元，净利润 80 万元。"
    visibility = "public"
    status = "published"
    published_at = factory.LazyFunction(timezone.now)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reporter = factory.SubFactory(AgentFactory, kind=AgentKind.INSTITUTION)
    subject = factory.SubFactory(AgentFactory)
    category = "late_payment"
    report_type = "negative"
    title = factory.Sequence(lambda n: f"还款逾期 {n}")
    evidence = "第三期应还款项逾期 45 天未还。"
    status = "unverified"


def user_of(agent, *, role=None, email=None):
    """A person acting for ``agent`` (the first role of its kind unless given)."""
    kwargs = {"agent": agent}
    if role:
        kwargs["role"] = role
    if email:
        kwargs["user"] = UserFactory(email=email)
    return MembershipFactory(**kwargs).user


def other_cluster(*, region_code="330784"):
    """A second cluster with its own finance company and one member firm."""
    fc = AgentFactory(kind=AgentKind.FINANCE_COMPANY, name="另一集群财务公司", region_code=region_code)
    cluster = Cluster.objects.create(name=f"另一产业集群{fc.pk}", region_code=region_code, region="某地",
                                     core_industry="C33", finance_company=fc)
    firm = AgentFactory(name="另一集群企业有限公司", region_code=region_code)
    ClusterMembership.objects.create(cluster=cluster, agent=firm)
    return fc, firm


def other_region_government():
    return AgentFactory(kind=AgentKind.GOVERNMENT, name="杭州市金融办", region_code="330100", region="浙江省杭州市",
                        industry_code="", size_class="")


__all__ = ["PublicationFactory", "ReportFactory", "user_of", "other_cluster", "other_region_government", "Role"]
