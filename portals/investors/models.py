"""Private investors: residents and investor groups who lend or invest under supervision."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import cluster_members_q, government_prefixes_q
from agents.restrict import RestrictedManager

from .choices import InvestorType, Suitability


class InvestorProfile(models.Model):
    """Suitability profile (C1–C5) of a private investor or group; what products it may buy
    depends on it. Individuals are private: only themselves, the finance company and the
    government of their region see this profile."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="investor_profile",
                                 limit_choices_to={"kind": "investor"})
    investor_type = models.CharField(_("type"), max_length=12, choices=InvestorType.choices)
    suitability = models.CharField(_("suitability"), max_length=2, choices=Suitability.choices)
    assessed_on = models.DateField(_("suitability assessed on"))
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("investor profile")
        verbose_name_plural = _("investor profiles")

    def __str__(self) -> str:
        return str(self.agent)

    @classmethod
    def restrict_q(cls, viewer, action):
        q = Q(agent_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "agent__region_code")
            if viewer.ids_of("finance_company"):
                q |= cluster_members_q(finance_company=viewer.ids_of("finance_company"), field="agent_id")
        return q
