"""The register of government authorities that oversee the platform in their region."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.restrict import RestrictedManager

from .choices import GovernmentLevel


class GovernmentProfile(models.Model):
    """A local authority (e.g. the county's financial work office): its level and the office
    that acts for it on the platform. Its region is the ``Agent``'s region."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="government_profile",
                                 limit_choices_to={"kind": "government"})
    authority = models.CharField(_("authority"), max_length=200)
    department = models.CharField(_("department"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=GovernmentLevel.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("government profile")
        verbose_name_plural = _("government profiles")

    def __str__(self) -> str:
        return self.authority

    @classmethod
    def restrict_anonymous_q(cls, action):
        return Q(agent__status="active") if action == "view" else Q(pk__in=[])

    @classmethod
    def restrict_q(cls, viewer, action):
        return Q(agent__status="active") if action == "view" else Q(agent_id__in=viewer.agent_ids)


from .models_oversight import (  # noqa: E402,F401  the oversight dashboard's LPR and the compliance monitor
    ComplianceAlert,
    ComplianceAlertEvent,
    ComplianceSettings,
    LoanPrimeRate,
)
from .models_programmes import (  # noqa: E402,F401  support programmes and policy meetings
    MeetingInvitation,
    PolicyMeeting,
    ProgrammeFunding,
    SupportApplication,
    SupportProgramme,
)
