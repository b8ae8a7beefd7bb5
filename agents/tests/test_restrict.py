"""The restrict() chokepoint: who sees which registry entries."""

from agents.choices import AgentStatus
from agents.models import Agent, Membership
from agents.tests.factories import AgentFactory


def visible(user, **filters):
    return set(Agent.objects.restrict(user).filter(**filters).values_list("pk", flat=True))


def test_anonymous_sees_active_organisations_but_not_private_investors(world):
    from django.contrib.auth.models import AnonymousUser

    seen = visible(AnonymousUser())
    assert world.firm.pk in seen and world.bank.pk in seen and world.gov.pk in seen
    assert world.investor.pk not in seen


def test_investor_is_seen_by_itself_the_government_and_the_finance_company(world):
    for role in ("investor", "government", "finance", "superuser"):
        assert world.investor.pk in visible(world.users[role]), role
    for role in ("enterprise", "institution"):
        assert world.investor.pk not in visible(world.users[role]), role


def test_pending_registrations_are_seen_by_the_finance_company_of_the_cluster_asked_only(world):
    pending = AgentFactory(status=AgentStatus.PENDING, region_code="110101", region="北京市东城区",
                           requested_cluster=world.cluster)
    unasked = AgentFactory(status=AgentStatus.PENDING, region_code="110101", region="北京市东城区")
    assert pending.pk in visible(world.users["finance"])
    assert unasked.pk not in visible(world.users["finance"])  # another cluster's, or none named
    assert pending.pk not in visible(world.users["enterprise"])
    assert pending.pk not in visible(world.users["institution"])


def test_government_sees_everything_in_its_region_only(world):
    elsewhere = AgentFactory(status=AgentStatus.SUSPENDED, region_code="110101", region="北京市东城区")
    local = AgentFactory(status=AgentStatus.SUSPENDED)
    seen = visible(world.users["government"])
    assert local.pk in seen
    assert elsewhere.pk not in seen


def test_change_action_is_limited_to_own_agent(world):
    user = world.users["enterprise"]
    assert visible_change(user) == {world.firm.pk}


def visible_change(user):
    return set(Agent.objects.restrict(user, "change").values_list("pk", flat=True))


def test_memberships_are_seen_by_colleagues(world):
    user = world.users["institution"]
    seen = set(Membership.objects.restrict(user).values_list("user__email", flat=True))
    assert seen == {"institution@example.cn", "officer@example.cn"}
