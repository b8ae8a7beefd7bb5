"""Shared fixtures: a small world with one agent of each kind in one cluster and one user per
role; ``client_for(role)`` logs a test client in as that role."""

from types import SimpleNamespace

import pytest

from agents.choices import AgentKind, Role
from agents.tests.factories import ClusterFactory, ClusterMembershipFactory, MembershipFactory, UserFactory
from portals.enterprises.tests.factories import EnterpriseProfileFactory
from portals.government.tests.factories import GovernmentProfileFactory
from portals.institutions.tests.factories import InstitutionProfileFactory
from portals.investors.tests.factories import InvestorProfileFactory

# The roles of the permission matrix, in order; each maps to (kind, role) of its demo user.
ROLE_KEYS = {
    "enterprise": (AgentKind.ENTERPRISE, Role.ENTERPRISE_OWNER),
    "finance": (AgentKind.FINANCE_COMPANY, Role.FC_MANAGER),
    "government": (AgentKind.GOVERNMENT, Role.GOV_SUPERVISOR),
    "institution": (AgentKind.INSTITUTION, Role.INST_MANAGER),
    "investor": (AgentKind.INVESTOR, Role.INVESTOR),
}


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service-level messages in tests are read in English; pages still pick their language per
    request (Chinese by default), as LocaleMiddleware does for users."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    cluster = ClusterFactory()
    firm = EnterpriseProfileFactory().agent
    other_firm = EnterpriseProfileFactory(agent__name="另一家企业有限公司").agent
    bank = InstitutionProfileFactory().agent
    investor = InvestorProfileFactory().agent
    gov = GovernmentProfileFactory().agent
    for agent in (firm, other_firm, bank, investor):
        ClusterMembershipFactory(cluster=cluster, agent=agent)
    agents = {"enterprise": firm, "finance": cluster.finance_company, "government": gov, "institution": bank,
              "investor": investor}
    users = {}
    for key, (_kind, role) in ROLE_KEYS.items():
        users[key] = MembershipFactory(agent=agents[key], role=role, user=UserFactory(email=f"{key}@example.cn")).user
    # Second people of the finance company and the bank, for maker-checker.
    users["finance_analyst"] = MembershipFactory(agent=cluster.finance_company, role=Role.FC_ANALYST,
                                                 user=UserFactory(email="analyst@example.cn")).user
    users["institution_officer"] = MembershipFactory(agent=bank, role=Role.INST_OFFICER,
                                                     user=UserFactory(email="officer@example.cn")).user
    users["superuser"] = UserFactory(email="root@example.cn", is_superuser=True, is_staff=True)
    return SimpleNamespace(cluster=cluster, firm=firm, other_firm=other_firm, bank=bank, investor=investor, gov=gov,
                           finance_company=cluster.finance_company, agents=agents, users=users)


@pytest.fixture
def client_for(client, world):
    def _client(role: str | None):
        client.logout()
        if role and role != "anonymous":
            client.force_login(world.users[role])
        return client

    return _client
