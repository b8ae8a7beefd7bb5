"""Invitations, self-registration with approval, and the expiry task."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agents import services
from agents.choices import AgentKind, AgentStatus, InvitationStatus, Role
from agents.models import Agent, Invitation, Membership
from agents.tasks import invitations_expire
from agents.tests.factories import InvitationFactory
from agents.validators import make_uscc


def test_manager_invites_and_invitee_joins_the_agent_group(world):
    invitation = services.invitation_create(agent=world.bank, email="New.Officer@Example.cn", role=Role.INST_OFFICER,
                                            invited_by=world.users["institution"])
    membership = services.invitation_accept(token=invitation.token, password="Str0ng-pass-2026")
    assert membership.user.email == "new.officer@example.cn"
    assert membership.agent == world.bank and membership.role == Role.INST_OFFICER
    assert membership.user.groups.filter(pk=world.bank.group_id).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    with pytest.raises(ValidationError):  # a link works once
        services.invitation_accept(token=invitation.token, password="Str0ng-pass-2026")


def test_officer_cannot_invite(world):
    with pytest.raises(PermissionDenied):
        services.invitation_create(agent=world.bank, email="x@example.cn", role=Role.INST_OFFICER,
                                   invited_by=world.users["institution_officer"])
    assert not Invitation.objects.exists()


def test_role_must_belong_to_the_agent_kind(world):
    with pytest.raises(ValidationError):
        services.invitation_create(agent=world.bank, email="x@example.cn", role=Role.FC_MANAGER,
                                   invited_by=world.users["institution"])


def test_expired_invitation_is_refused_and_expired_by_the_task(world):
    invitation = InvitationFactory(agent=world.firm, expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.invitation_accept(token=invitation.token, password="Str0ng-pass-2026")
    assert invitations_expire.delay() is not None
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    assert not Membership.objects.filter(user__email=invitation.email).exists()


def test_self_registration_waits_for_the_finance_company(world):
    code = make_uscc(division="330784", serial=12345678)
    membership = services.registration_submit(kind=AgentKind.ENTERPRISE, name="新注册五金有限公司", region_code="330784",
                                              region="永康市", credit_code=code, email="new@example.cn",
                                              password="Str0ng-pass-2026", cluster=world.cluster)
    agent = membership.agent
    assert agent.status == AgentStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.agent_decide(agent=agent, approve=True, decided_by=world.users["institution"])
    services.agent_decide(agent=agent, approve=True, decided_by=world.users["finance_analyst"])
    agent.refresh_from_db()
    assert agent.status == AgentStatus.ACTIVE and agent.approved_by == world.users["finance_analyst"]
    with pytest.raises(ValidationError):
        services.agent_decide(agent=agent, approve=False, decided_by=world.users["finance"])


def test_registration_with_a_taken_email_changes_nothing(world):
    before = Agent.objects.count()
    with pytest.raises(ValidationError):
        services.registration_submit(kind=AgentKind.INVESTOR, name="张三", region_code="330784", region="永康市",
                                     credit_code="", email="enterprise@example.cn", password="Str0ng-pass-2026",
                                     cluster=world.cluster)
    assert Agent.objects.count() == before


def test_banks_cannot_self_register(world):
    with pytest.raises(ValidationError):
        services.registration_submit(kind=AgentKind.INSTITUTION, name="某银行", region_code="330784", region="永康市",
                                     credit_code=make_uscc(division="330784", serial=3), email="b@example.cn",
                                     password="Str0ng-pass-2026", cluster=world.cluster)
