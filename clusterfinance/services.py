"""Writes of the cluster register."""

from django.db import transaction

from agents.choices import AgentKind
from agents.services import agent_create

from .models import Cluster, ClusterMembership


@transaction.atomic
def cluster_create(*, name: str, region_code: str, region: str, core_industry: str, finance_company_name: str,
                   finance_company_credit_code: str, description: str = "", founded_on=None) -> Cluster:
    """A cluster and its finance company (one per cluster)."""
    fc = agent_create(kind=AgentKind.FINANCE_COMPANY, name=finance_company_name,
                      credit_code=finance_company_credit_code, region_code=region_code, region=region,
                      industry_code="J69", size_class="small")
    cluster = Cluster(name=name, region_code=region_code, region=region, core_industry=core_industry,
                      description=description, finance_company=fc)
    if founded_on:
        cluster.founded_on = founded_on
    cluster.full_clean()
    cluster.save()
    return cluster


@transaction.atomic
def cluster_join(*, cluster: Cluster, agent, joined_on=None, member_no: str = "") -> ClusterMembership:
    membership, _ = ClusterMembership.objects.get_or_create(cluster=cluster, agent=agent)
    if joined_on:
        membership.joined_on = joined_on
    membership.member_no = member_no or membership.member_no
    membership.full_clean()
    membership.save()
    return membership
