"""The register of financial institutions serving the cluster."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager

from .choices import InstitutionType


class InstitutionProfile(models.Model):
    """A bank, rural credit co-operative, village bank, microcredit or guarantee company. Its
    size class (large/medium/small) is on the ``Agent``: the model asks that at least half the
    institutions be small or medium, since they hold the cluster's soft information."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="institution_profile",
                                 limit_choices_to={"kind": "institution"})
    institution_type = models.CharField(_("type"), max_length=20, choices=InstitutionType.choices)
    licence_no = models.CharField(_("financial licence number"), max_length=40, blank=True)
    total_assets = models.DecimalField(_("total assets (yuan)"), **MONEY_FIELD, null=True, blank=True)
    branch = models.CharField(_("serving branch"), max_length=200, blank=True)
    accepts_platform_payments = models.BooleanField(_("accepts repayments through the platform"), default=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("institution profile")
        verbose_name_plural = _("institution profiles")

    def __str__(self) -> str:
        return str(self.agent)

    @classmethod
    def restrict_anonymous_q(cls, action):
        return Q(agent__status="active") if action == "view" else Q(pk__in=[])

    @classmethod
    def restrict_q(cls, viewer, action):
        return Q(agent__status="active") if action == "view" else Q(agent_id__in=viewer.agent_ids)
