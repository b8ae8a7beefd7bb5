"""A self-registration names the cluster it asks to join, and only that cluster's finance
company sees and decides it: another finance company (of the same region or another) gets
404 and cannot approve it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agents import services
from agents.choices import AgentKind, AgentStatus, Role
from agents.models import Agent, ClusterMembership
from agents.tests.factories import ClusterFactory, MembershipFactory, UserFactory
from agents.validators import make_uscc

pytestmark = pytest.mark.django_db

FORM = {"kind": "enterprise", "name": "新五金有限公司", "region_code": "330784", "region": "永康市",
        "email": "boss@example.cn", "password1": "Str0ng-pass-2026", "password2": "Str0ng-pass-2026"}


@pytest.fixture
def rival(world):
    """Another cluster of the same region, with its own finance company and a manager."""
    cluster = ClusterFactory(region_code=world.cluster.region_code)
    user = MembershipFactory(agent=cluster.finance_company, role=Role.FC_MANAGER,
                             user=UserFactory(email="rival@example.cn")).user
    return cluster, user


def _register(client, requested, **changes):
    data = {**FORM, "credit_code": make_uscc(division="330784", serial=4242),
            "cluster": requested.pk if requested else ""}
    return client.post(reverse("register"), {**data, **changes}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_registrant_must_name_a_cluster(client, world):
    before = Agent.objects.count()
    response = _register(client, None)
    assert response.status_code == 200
    assert "This field is required." in response.context["form"].errors["cluster"]
    response = _register(client, None, cluster="999999")
    assert "Select a valid choice" in " ".join(response.context["form"].errors["cluster"])
    assert Agent.objects.count() == before


def test_only_the_finance_company_of_the_cluster_asked_sees_and_decides(client, world, rival):
    rival_cluster, rival_user = rival
    assert _register(client, world.cluster).status_code == 302
    agent = Agent.objects.get(name="新五金有限公司")
    assert agent.requested_cluster == world.cluster and agent.status == AgentStatus.PENDING

    other = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(rival_user)
    assert "新五金有限公司" not in other.get(reverse("approvals")).content.decode()
    assert other.post(reverse("approval-decide", args=[agent.pk]), {"decision": "approve"}).status_code == 404
    agent.refresh_from_db()
    assert agent.status == AgentStatus.PENDING  # nothing changed
    with pytest.raises(PermissionDenied):
        services.agent_decide(agent=agent, approve=True, decided_by=rival_user)

    own = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    own.force_login(world.users["finance_analyst"])
    page = own.get(reverse("approvals")).content.decode()
    assert "新五金有限公司" in page and world.cluster.name in page
    assert own.post(reverse("approval-decide", args=[agent.pk]), {"decision": "approve"}).status_code == 302
    agent.refresh_from_db()
    assert agent.status == AgentStatus.ACTIVE
    # approving admits the firm to the cluster it asked to join, and no other
    assert list(ClusterMembership.objects.filter(agent=agent).values_list("cluster", flat=True)) == [world.cluster.pk]


def test_a_registration_for_the_rival_cluster_is_the_rivals_to_decide(client, world, rival):
    rival_cluster, rival_user = rival
    _register(client, rival_cluster)
    agent = Agent.objects.get(name="新五金有限公司")
    finance = client.__class__()
    finance.force_login(world.users["finance"])
    assert finance.post(reverse("approval-decide", args=[agent.pk]), {"decision": "reject"}).status_code == 404
    services.agent_decide(agent=agent, approve=False, decided_by=rival_user)
    agent.refresh_from_db()
    assert agent.status == AgentStatus.REJECTED and not ClusterMembership.objects.filter(agent=agent).exists()


def test_a_pending_registration_without_a_cluster_is_for_a_superuser_only(world):
    # Registrations from before the cluster was asked: no finance company may decide them.
    agent = services.agent_create(kind=AgentKind.INVESTOR, name="李四", region_code="330784", region="永康市",
                                  status=AgentStatus.PENDING)
    assert not Agent.objects.restrict(world.users["finance"]).filter(pk=agent.pk).exists()
    with pytest.raises(PermissionDenied):
        services.agent_decide(agent=agent, approve=True, decided_by=world.users["finance"])
    services.agent_decide(agent=agent, approve=True, decided_by=world.users["superuser"])
    agent.refresh_from_db()
    assert agent.status == AgentStatus.ACTIVE


def test_the_approvals_page_has_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(8):
        services.registration_submit(kind=AgentKind.ENTERPRISE, name=f"新注册{n}有限公司", region_code="330784",
                                     region="永康市", credit_code=make_uscc(division="330784", serial=5000 + n),
                                     email=f"n{n}@example.cn", password="Str0ng-pass-2026", cluster=world.cluster)
    client.force_login(world.users["finance"])
    client.get(reverse("approvals"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("approvals")).content.decode()
    assert page.count('data-testid="requested-cluster"') == 8
