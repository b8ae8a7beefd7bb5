"""Choices of the agents registry (DESIGN.md §5 roles, §7 glossary)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgentKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业 Member firm")
    FINANCE_COMPANY = "finance_company", _("集群财务公司 Cluster finance company")
    GOVERNMENT = "government", _("政府机构 Government authority")
    INSTITUTION = "institution", _("金融机构 Financial institution")
    INVESTOR = "investor", _("民间投资者 Private investor")


class AgentStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


class Role(models.TextChoices):
    ENTERPRISE_OWNER = "enterprise_owner", _("Owner")
    ENTERPRISE_FINANCE = "enterprise_finance", _("Finance officer")
    FC_ANALYST = "fc_analyst", _("Analyst")
    FC_MANAGER = "fc_manager", _("Manager")
    GOV_SUPERVISOR = "gov_supervisor", _("Supervisor")
    INST_OFFICER = "inst_officer", _("Loan officer")
    INST_MANAGER = "inst_manager", _("Manager")
    INVESTOR = "investor", _("Investor")


# Which roles belong to which kind of agent; a membership with another pairing is invalid.
ROLES_BY_KIND = {
    AgentKind.ENTERPRISE: (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_FINANCE),
    AgentKind.FINANCE_COMPANY: (Role.FC_ANALYST, Role.FC_MANAGER),
    AgentKind.GOVERNMENT: (Role.GOV_SUPERVISOR,),
    AgentKind.INSTITUTION: (Role.INST_OFFICER, Role.INST_MANAGER),
    AgentKind.INVESTOR: (Role.INVESTOR,),
}

# Roles that may invite colleagues into their own agent.
ADMIN_ROLES = (Role.ENTERPRISE_OWNER, Role.FC_MANAGER, Role.GOV_SUPERVISOR, Role.INST_MANAGER)

# Roles that must have a second factor (TOTP) when PLATFORM_REQUIRE_MFA is on (production).
MFA_KINDS = (AgentKind.FINANCE_COMPANY, AgentKind.GOVERNMENT, AgentKind.INSTITUTION)

# Kinds that may register themselves publicly (then wait for staff approval).
SELF_REGISTER_KINDS = (AgentKind.ENTERPRISE, AgentKind.INVESTOR)


class SizeClass(models.TextChoices):
    """Size classes: firms per the official SME classification (工信部联企业〔2011〕300号, large
    firms are not SMEs); institutions large/medium/small."""

    MICRO = "micro", _("微型 Micro")
    SMALL = "small", _("小型 Small")
    MEDIUM = "medium", _("中型 Medium")
    LARGE = "large", _("大型 Large")


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ParticipationStatus(models.TextChoices):
    """A cluster membership: current, or ended on its ``left_on`` date."""

    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class Grade(models.TextChoices):
    """信用等级 — the credit grades of member firms, best first. Ratings (module 3) write a firm's
    current grade on its ``Agent``; lower layers (a product's minimum grade) compare grades with
    ``grade_rank`` and never import the rating app."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    BBB = "BBB", "BBB"
    BB = "BB", "BB"
    B = "B", "B"
    CCC = "CCC", "CCC"
    CC = "CC", "CC"
    C = "C", "C"


GRADE_ORDER = tuple(Grade.values)  # best first


def grade_rank(grade: str) -> int | None:
    """0 for AAA … 8 for C; ``None`` for no grade (blank or unknown)."""
    try:
        return GRADE_ORDER.index(grade)
    except ValueError:
        return None


def grade_at_least(grade: str, minimum: str) -> bool:
    """Whether ``grade`` is ``minimum`` or better. No minimum → always; no grade → never."""
    if not minimum:
        return True
    rank, floor = grade_rank(grade or ""), grade_rank(minimum)
    return rank is not None and floor is not None and rank <= floor
