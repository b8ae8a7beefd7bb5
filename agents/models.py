"""The registry of the four agents (4A): who takes part and who acts for whom."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    ROLES_BY_KIND,
    SELF_REGISTER_KINDS,
    AgentKind,
    AgentStatus,
    Grade,
    InvitationStatus,
    ParticipationStatus,
    Role,
    SizeClass,
)
from .industries import validate_industry_code
from .restrict import NOTHING, RestrictedManager, Viewer, region_prefix
from .validators import normalise_uscc, validate_uscc

region_code_validator = RegexValidator(
    r"^\d{6}$", _("An administrative division code (GB/T 2260) has six digits.")
)


class Agent(models.Model):
    """One participant of the platform: a member firm, the cluster finance company, a
    government authority, a financial institution or a private investor. The facts that
    lower layers need (kind, region, credit code, industry, size class) live here; the rest of
    each kind's register is its profile in the agent app."""

    kind = models.CharField(_("kind"), max_length=20, choices=AgentKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("region code"), max_length=6, validators=[region_code_validator])
    region = models.CharField(_("region"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True,
        help_text=_("18 characters, GB 32100-2015; left empty only for individual investors."),
    )
    industry_code = models.CharField(_("industry (GB/T 4754)"), max_length=5, blank=True)
    size_class = models.CharField(_("size class"), max_length=10, blank=True, choices=SizeClass.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AgentStatus.choices, default=AgentStatus.ACTIVE, db_index=True
    )
    # A self-registration names the cluster it asks to join: only that cluster's finance company
    # sees and decides it (kept after the decision, as the record of what was asked).
    requested_cluster = models.ForeignKey(
        "agents.Cluster", on_delete=models.PROTECT, null=True, blank=True, related_name="registration_requests",
        verbose_name=_("cluster asked to join"),
    )
    group = models.OneToOneField(
        "auth.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="agent",
        help_text=_("The Django group that holds this agent's object permissions."),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The firm's current credit rating, written by the rating service of module 3 (the history
    # lives there); kept here so lower layers (a product's minimum grade) read it without importing it.
    current_grade = models.CharField(_("credit grade"), max_length=3, choices=Grade.choices, blank=True)
    current_pd = models.DecimalField(_("probability of default"), max_digits=7, decimal_places=6, null=True,
                                     blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        # the registers page through firms by name: the first page walks this index instead of
        # sorting every member of a large cluster
        indexes = [models.Index(fields=["name", "id"], name="agents_agent_name_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="agent_credit_code_unique"
            ),
            models.CheckConstraint(
                condition=~Q(credit_code="") | Q(kind=AgentKind.INVESTOR), name="agent_credit_code_required"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = normalise_uscc(self.credit_code)
            validate_uscc(self.credit_code)
        if self.industry_code:
            self.industry_code = self.industry_code.strip().upper()
            validate_industry_code(self.industry_code)
        if not self.credit_code and self.kind != AgentKind.INVESTOR:
            raise ValidationError({"credit_code": _("This kind of agent must have a unified social credit code.")})

    @property
    def is_active(self) -> bool:
        return self.status == AgentStatus.ACTIVE

    # --- visibility -------------------------------------------------------------------------
    @classmethod
    def restrict_anonymous_q(cls, action: str) -> Q:
        if action != "view":
            return NOTHING
        # The public register: organisations that take part; private individuals stay private.
        return Q(status=AgentStatus.ACTIVE) & ~Q(kind=AgentKind.INVESTOR)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        own = Q(pk__in=viewer.agent_ids)
        if action != "view":
            # Changing a registry entry: its own managers only (services check the role).
            return own
        q = own | cls.restrict_anonymous_q("view")
        for prefix in viewer.region_prefixes:
            q |= Q(region_code__startswith=prefix)
        fc_ids = viewer.ids_of(AgentKind.FINANCE_COMPANY)
        if fc_ids:
            q |= cluster_members_q(finance_company=fc_ids)
            # registrations waiting for the decision of the finance company of the cluster they ask to join
            q |= Q(status=AgentStatus.PENDING, kind__in=SELF_REGISTER_KINDS,
                   requested_cluster__finance_company_id__in=fc_ids)
        return q


class Membership(models.Model):
    """A user acting for an agent, in one role of DESIGN.md §5."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["agent__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "agent"], name="membership_user_agent_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agent} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.agent_id and self.role not in ROLES_BY_KIND[self.agent.kind]:
            raise ValidationError({"role": _("This role does not exist for this kind of agent.")})

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # Colleagues see each other; the government sees who acts for agents in its region.
        q = Q(agent_id__in=viewer.agent_ids)
        if action == "view":
            for prefix in viewer.region_prefixes:
                q |= Q(agent__region_code__startswith=prefix)
        return q


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """An agent's manager invites a colleague by e-mail; the link lets them set a password."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.agent}"

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.OPEN and self.expires_at > timezone.now()

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(agent_id__in=viewer.agent_ids)


def government_prefixes_q(viewer: Viewer, field: str) -> Q:
    """Helper for other models' rules: rows whose ``field`` region falls in the viewer's
    government jurisdiction."""
    q = NOTHING
    for prefix in viewer.region_prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q




# --- the cluster register -------------------------------------------------------------------

class Cluster(models.Model):
    """An industrial cluster (中小企业集群): firms of one trade in one region. Its finance
    company (集群财务公司) is an ``Agent`` of that kind, one per cluster. Part of the core because
    every layer asks who belongs to a cluster (the table keeps its original name)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    region_code = models.CharField(_("region code"), max_length=6)
    region = models.CharField(_("region"), max_length=100)
    core_industry = models.CharField(_("core industry (GB/T 4754)"), max_length=5)
    description = models.TextField(_("description"), blank=True)
    finance_company = models.OneToOneField(
        Agent, on_delete=models.PROTECT, related_name="cluster_run",
        limit_choices_to={"kind": "finance_company"}, verbose_name=_("finance company"),
    )
    founded_on = models.DateField(_("founded on"), default=timezone.localdate)

    objects = RestrictedManager()

    class Meta:
        db_table = "clusterfinance_cluster"
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.finance_company_id and self.finance_company.kind != AgentKind.FINANCE_COMPANY:
            raise ValidationError({"finance_company": _("The cluster must be run by a finance company.")})

    @classmethod
    def restrict_anonymous_q(cls, action):
        return Q() if action == "view" else NOTHING

    @classmethod
    def restrict_q(cls, viewer, action):
        if action == "view":
            return Q()
        return Q(finance_company_id__in=viewer.agent_ids)


class ClusterMembership(models.Model):
    """An agent taking part in a cluster: member firms, and the institutions and investors
    that serve it. The finance company knows and rates its current members; see
    ``cluster_members_q`` for what "member" means everywhere."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="cluster_memberships")
    member_no = models.CharField(_("member number"), max_length=20, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ParticipationStatus.choices,
                              default=ParticipationStatus.ACTIVE)

    objects = RestrictedManager()

    class Meta:
        db_table = "clusterfinance_clustermembership"
        ordering = ["cluster", "member_no", "agent__name"]
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        constraints = [models.UniqueConstraint(fields=["cluster", "agent"], name="cluster_membership_unique")]

    def __str__(self) -> str:
        return f"{self.agent} ∈ {self.cluster}"

    def clean(self) -> None:
        if self.agent_id and self.agent.kind in (AgentKind.FINANCE_COMPANY, AgentKind.GOVERNMENT):
            raise ValidationError({"agent": _("Only firms, institutions and investors take part in a cluster.")})
        if self.status == ParticipationStatus.LEFT and not self.left_on:
            raise ValidationError({"left_on": _("A membership that ended needs the date it ended.")})

    @classmethod
    def restrict_anonymous_q(cls, action):
        if action != "view":
            return NOTHING
        return current_membership_q() & Q(agent__status=AgentStatus.ACTIVE) & ~Q(agent__kind=AgentKind.INVESTOR)

    @classmethod
    def restrict_q(cls, viewer, action):
        q = Q(cluster__finance_company_id__in=viewer.agent_ids)
        if action == "view":
            q |= Q(agent_id__in=viewer.agent_ids) | cls.restrict_anonymous_q("view")
            q |= government_prefixes_q(viewer, "cluster__region_code")
        return q


def current_membership_q(prefix: str = "", as_of=None) -> Q:
    """Memberships that hold on ``as_of`` (today): active, and not ended by a ``left_on`` that
    has passed. ``prefix`` reaches ClusterMembership from another model (``"memberships__"``)."""
    as_of = as_of or timezone.localdate()
    return Q(**{f"{prefix}status": ParticipationStatus.ACTIVE}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": as_of})
    )


def _ids(value):
    """An agent/cluster, an id, a list of either, or a values() subquery, as something ``__in`` takes."""
    if value is None:
        return []
    if isinstance(value, models.QuerySet):
        return value
    if isinstance(value, int):
        return [value]
    if hasattr(value, "pk"):
        return [value.pk]
    return [getattr(v, "pk", v) for v in value]


def cluster_members_q(*, finance_company=None, cluster=None, field: str = "pk", kind: str | None = None,
                      as_of=None) -> Q:
    """THE definition of "the members of a finance company's cluster", used on every page, API,
    rule, import and selector (docs/decisions.md, "Who is a member of a cluster"): agents whose
    membership holds today (``current_membership_q``). A former member is treated like any other
    firm from the day it left. ``field`` names the column that holds the agent's id on the model
    being filtered (``"pk"`` for ``Agent``, ``"borrower_id"`` for a loan, ...); ``finance_company``
    and ``cluster`` take an agent/cluster, an id, a list of either or a ``values()`` subquery."""
    memberships = ClusterMembership.objects.filter(current_membership_q(as_of=as_of))
    if finance_company is not None:
        memberships = memberships.filter(cluster__finance_company_id__in=_ids(finance_company))
    if cluster is not None:
        memberships = memberships.filter(cluster_id__in=_ids(cluster))
    if kind is not None:
        memberships = memberships.filter(agent__kind=kind)
    return Q(**{f"{field}__in": memberships.values("agent_id")})


def current_cluster_ids(agent):
    """The ids of the clusters ``agent`` is a current member of, as a subquery."""
    return ClusterMembership.objects.filter(current_membership_q(), agent_id__in=_ids(agent)).values("cluster_id")


def clusters_of_agent_q(agent, field: str = "pk") -> Q:
    """Clusters (reached through ``field``) in which ``agent`` is a current member."""
    memberships = ClusterMembership.objects.filter(current_membership_q(), agent_id__in=_ids(agent))
    return Q(**{f"{field}__in": memberships.values("cluster_id")})



class AuditRecord(models.Model):
    """One money-moving or permission-changing action: who (user and the agent acted for), what
    (``action`` and its ``target``), when, from where (the request's address). Append-only and
    tamper-evident: ``row_hash`` covers the record's content when written; sealing
    (``agents.audit.audit_chain_seal``) then links records in ``chain_seq`` order with
    ``chain_hash = sha256(previous chain_hash + row_hash)``, so a changed, removed or inserted
    row breaks every chain hash after it (``manage.py audit_verify``). On PostgreSQL a trigger
    refuses DELETE and any UPDATE but the one that seals a record."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("who"))
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("organisation"))
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("object"), max_length=120, blank=True, db_index=True)
    summary = models.CharField(_("what"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    region_code = models.CharField(_("region"), max_length=6, blank=True, db_index=True)
    row_hash = models.CharField(_("record hash"), max_length=64)
    chain_seq = models.PositiveBigIntegerField(_("chain position"), null=True, blank=True, unique=True)
    chain_hash = models.CharField(_("chain hash"), max_length=64, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [models.Index(fields=["chain_seq"], name="audit_unsealed_idx", condition=Q(chain_seq__isnull=True))]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("sealing", False):
            raise ValidationError(_("Audit records cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit records cannot be deleted."))

    # actions whose records the agent concerned reads too (its own settings' history, e.g. a
    # finance company's group loan policy); declared by the apps at start-up
    # (``agents.audit.audit_action_readable_by_its_agent``)
    readable_by_its_agent: set[str] = set()

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        """Read by the government of the region of the agent concerned (supervision), and by the
        agent concerned for the actions declared readable by it; a record about no agent (a
        system job) only by a superuser. Nobody changes one."""
        if action != "view":
            return NOTHING
        q = government_prefixes_q(viewer, "agent__region_code")
        if cls.readable_by_its_agent and viewer.agent_ids:
            q |= Q(agent_id__in=sorted(viewer.agent_ids), action__in=sorted(cls.readable_by_its_agent))
        return q


class AuditChainHead(models.Model):
    """The one row holding the last sealed position and hash; sealing locks it, so records are
    chained one sealer at a time whatever the number of writers."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.last_seq} {self.last_hash[:12]}"

__all__ = [
    "Agent", "Membership", "Invitation", "Cluster", "ClusterMembership", "cluster_members_q",
    "clusters_of_agent_q", "current_membership_q", "AuditRecord", "AuditChainHead", "government_prefixes_q", "region_prefix",
]
