"""The cluster and its finance company, and who takes part in it."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.restrict import RestrictedManager

from .choices import ParticipationStatus


class Cluster(models.Model):
    """An industrial cluster (中小企业集群): firms of one trade in one region. Its finance
    company (集群财务公司) is an ``Agent`` of that kind, one per cluster."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    region_code = models.CharField(_("region code"), max_length=6)
    region = models.CharField(_("region"), max_length=100)
    core_industry = models.CharField(_("core industry (GB/T 4754)"), max_length=5)
    description = models.TextField(_("description"), blank=True)
    finance_company = models.OneToOneField(
        "agents.Agent", on_delete=models.PROTECT, related_name="cluster_run",
        limit_choices_to={"kind": "finance_company"}, verbose_name=_("finance company"),
    )
    founded_on = models.DateField(_("founded on"), default=timezone.localdate)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.finance_company_id and self.finance_company.kind != "finance_company":
            raise ValidationError({"finance_company": _("The cluster must be run by a finance company.")})

    @classmethod
    def restrict_anonymous_q(cls, action):
        return Q() if action == "view" else Q(pk__in=[])

    @classmethod
    def restrict_q(cls, viewer, action):
        if action == "view":
            return Q()
        return Q(finance_company_id__in=viewer.agent_ids)


class ClusterMembership(models.Model):
    """An agent taking part in a cluster: member firms, and the institutions and investors
    that serve it. The finance company knows and rates its members."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="cluster_memberships")
    member_no = models.CharField(_("member number"), max_length=20, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ParticipationStatus.choices,
                              default=ParticipationStatus.ACTIVE)

    objects = RestrictedManager()

    class Meta:
        ordering = ["cluster", "member_no", "agent__name"]
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        constraints = [models.UniqueConstraint(fields=["cluster", "agent"], name="cluster_membership_unique")]

    def __str__(self) -> str:
        return f"{self.agent} ∈ {self.cluster}"

    def clean(self) -> None:
        if self.agent_id and self.agent.kind in ("finance_company", "government"):
            raise ValidationError({"agent": _("Only firms, institutions and investors take part in a cluster.")})

    @classmethod
    def restrict_anonymous_q(cls, action):
        return Q(status=ParticipationStatus.ACTIVE, agent__status="active") & ~Q(agent__kind="investor") \
            if action == "view" else Q(pk__in=[])

    @classmethod
    def restrict_q(cls, viewer, action):
        q = Q(cluster__finance_company_id__in=viewer.agent_ids)
        if action == "view":
            q |= Q(agent_id__in=viewer.agent_ids) | cls.restrict_anonymous_q("view")
            q |= government_prefixes_q(viewer, "cluster__region_code")
        return q
