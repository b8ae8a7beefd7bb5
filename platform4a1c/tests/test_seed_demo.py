"""seed_demo builds a believable cluster, and running it twice duplicates nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from agents.choices import AgentKind, Role
from agents.models import Agent, Membership
from platform4a1c.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _counts():
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in {"agents", "enterprises", "government", "institutions", "investors",
                                     "clusterfinance", "lending", "infocenter", "auth"}}


def test_seed_demo_builds_the_cluster_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert Agent.objects.filter(kind=AgentKind.GOVERNMENT).count() == 1
    assert Agent.objects.filter(kind=AgentKind.FINANCE_COMPANY).count() == 1
    institutions = Agent.objects.filter(kind=AgentKind.INSTITUTION)
    assert institutions.count() >= 6
    assert institutions.filter(size_class__in=["small", "medium"]).count() * 2 >= institutions.count()
    firms = Agent.objects.filter(kind=AgentKind.ENTERPRISE)
    assert firms.count() >= 40
    assert len(set(firms.values_list("industry_code", flat=True))) >= 10
    assert set(firms.values_list("size_class", flat=True)) == {"micro", "small", "medium"}
    assert Agent.objects.filter(kind=AgentKind.INVESTOR).count() >= 10
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    text = out.getvalue()
    assert DEMO_PASSWORD in text and "finance-manager@demo.4a1c.cn" in text

    before = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == before
