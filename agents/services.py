"""Writes of the registry: agents, memberships, invitations, self-registration, approval, and
the cluster register (clusters and who takes part in them)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .choices import (
    ADMIN_ROLES,
    ROLES_BY_KIND,
    SELF_REGISTER_KINDS,
    AgentKind,
    AgentStatus,
    InvitationStatus,
    ParticipationStatus,
)
from .models import Agent, Cluster, ClusterMembership, Invitation, Membership
from .restrict import viewer_for

User = get_user_model()


@transaction.atomic
def agent_create(*, kind: str, name: str, region_code: str, region: str, credit_code: str = "",
                 industry_code: str = "", size_class: str = "", status: str = AgentStatus.ACTIVE) -> Agent:
    """Register an agent with its own permission group (one Django group per agent)."""
    agent = Agent(kind=kind, name=name, region_code=region_code, region=region, credit_code=credit_code,
                  industry_code=industry_code, size_class=size_class, status=status)
    agent.full_clean()
    agent.save()
    agent.group = Group.objects.create(name=f"agent:{agent.pk}")
    agent.save(update_fields=["group"])
    return agent


def user_get_or_create(*, email: str, password: str | None = None, first_name: str = "", last_name: str = ""):
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email[:150], email=email, first_name=first_name, last_name=last_name)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
    return user


@transaction.atomic
def membership_create(*, user, agent: Agent, role: str, title: str = "") -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, agent=agent, defaults={"role": role, "title": title}
    )
    changed = created or (membership.role, membership.is_active) != (role, True)
    membership.role, membership.title, membership.is_active = role, title, True
    membership.full_clean()
    membership.save()
    if agent.group_id:
        user.groups.add(agent.group_id)
    if changed:  # granting what the person already holds changes no permission
        audit_record("membership.granted", target=f"membership:{membership.pk}", agent=agent,
                     summary=f"{user.email} → {agent.name} ({role})", data={"user": user.pk, "role": role})
    user.__dict__.pop("_platform_viewer", None)
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership) -> None:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    if membership.agent.group_id:
        membership.user.groups.remove(membership.agent.group_id)
    audit_record("membership.revoked", target=f"membership:{membership.pk}", agent=membership.agent,
                 summary=f"{membership.user.email} ✕ {membership.agent.name}", data={"user": membership.user_id})


def _require_admin_of(user, agent: Agent) -> None:
    if user.is_superuser:
        return
    if not Membership.objects.filter(user=user, agent=agent, is_active=True, role__in=ADMIN_ROLES).exists():
        raise PermissionDenied(_("Only a manager of this agent may do this."))


@transaction.atomic
def invitation_create(*, agent: Agent, email: str, role: str, invited_by) -> Invitation:
    _require_admin_of(invited_by, agent)
    if role not in ROLES_BY_KIND[agent.kind]:
        raise ValidationError({"role": _("This role does not exist for this kind of agent.")})
    email = User.objects.normalize_email(email).lower()
    if Membership.objects.filter(agent=agent, user__email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": _("This person is already a member of %(agent)s.") % {"agent": agent}})
    Invitation.objects.filter(agent=agent, email__iexact=email, status=InvitationStatus.OPEN).update(
        status=InvitationStatus.REVOKED
    )
    invitation = Invitation(agent=agent, email=email, role=role, invited_by=invited_by)
    invitation.full_clean()
    invitation.save()
    audit_record("invitation.created", target=f"invitation:{invitation.pk}", agent=agent, actor=invited_by,
                 summary=f"{email} ({role})", data={"role": role})
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, first_name: str = "", last_name: str = "") -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    from django.contrib.auth.password_validation import validate_password

    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        validate_password(password)
        user = user_get_or_create(email=invitation.email, password=password,
                                  first_name=first_name, last_name=last_name)
    membership = membership_create(user=user, agent=invitation.agent, role=invitation.role)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_at"])
    return membership


def invitations_expire(*, now=None) -> int:
    """Mark open invitations past their date as expired (beat task)."""
    now = now or timezone.now()
    return Invitation.objects.filter(status=InvitationStatus.OPEN, expires_at__lte=now).update(
        status=InvitationStatus.EXPIRED
    )


@transaction.atomic
def registration_submit(*, kind: str, name: str, region_code: str, region: str, credit_code: str,
                        email: str, password: str, cluster: Cluster | None) -> Membership:
    """Public self-registration of a firm or a private investor asking to join ``cluster``: the
    agent waits, pending, until the finance company of that cluster (or a superuser) decides;
    the user can log in and sees that it is pending."""
    from django.contrib.auth.password_validation import validate_password

    if kind not in SELF_REGISTER_KINDS:
        raise ValidationError(_("Only firms and private investors may register themselves."))
    if cluster is None:
        raise ValidationError({"cluster": _("Choose the cluster you ask to join.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail already exists.")})
    validate_password(password)
    agent = agent_create(kind=kind, name=name, region_code=region_code, region=region,
                         credit_code=credit_code, status=AgentStatus.PENDING)
    agent.requested_cluster = cluster
    agent.save(update_fields=["requested_cluster"])
    user = user_get_or_create(email=email, password=password)
    role = ROLES_BY_KIND[kind][0]
    return membership_create(user=user, agent=agent, role=role)


def _may_approve(user, agent: Agent) -> bool:
    """A superuser, or staff of the finance company of the cluster the registrant asks to join
    (any other finance company's staff may not, whatever region it is in)."""
    if user.is_superuser:
        return True
    if agent.kind not in SELF_REGISTER_KINDS or agent.requested_cluster_id is None:
        return False
    return agent.requested_cluster.finance_company_id in viewer_for(user).ids_of(AgentKind.FINANCE_COMPANY)


@transaction.atomic
def agent_decide(*, agent: Agent, approve: bool, decided_by) -> Agent:
    """Finance-company staff (or a superuser) approve or reject a pending registration."""
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if agent.status != AgentStatus.PENDING:
        raise ValidationError(_("This registration has already been decided."))
    if not _may_approve(decided_by, agent):
        raise PermissionDenied(_("You may not decide on this registration."))
    agent.status = AgentStatus.ACTIVE if approve else AgentStatus.REJECTED
    agent.approved_at = timezone.now()
    agent.approved_by = decided_by
    agent.save(update_fields=["status", "approved_at", "approved_by"])
    audit_record("agent.approved" if approve else "agent.rejected", target=f"agent:{agent.pk}", agent=agent,
                 actor=decided_by, summary=agent.name)
    if approve and agent.requested_cluster_id:
        cluster_join(cluster=agent.requested_cluster, agent=agent)  # approving is admitting to the cluster
    return agent


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
    """Make ``agent`` a current member of ``cluster`` (a former member joins again)."""
    membership, _created = ClusterMembership.objects.get_or_create(cluster=cluster, agent=agent)
    if joined_on:
        membership.joined_on = joined_on
    membership.member_no = member_no or membership.member_no
    membership.status, membership.left_on = ParticipationStatus.ACTIVE, None
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def cluster_leave(*, cluster: Cluster, agent, left_on=None) -> ClusterMembership:
    """End ``agent``'s membership of ``cluster`` on ``left_on`` (today): from that day it is a
    former member, seen by the finance company like any other firm. A leave announced for a later
    day keeps the membership active until then (``current_membership_q`` reads the date)."""
    membership = ClusterMembership.objects.select_for_update().get(cluster=cluster, agent=agent)
    membership.left_on = left_on or timezone.localdate()
    if membership.left_on <= timezone.localdate():
        membership.status = ParticipationStatus.LEFT
    membership.full_clean()
    membership.save(update_fields=["status", "left_on"])
    return membership
