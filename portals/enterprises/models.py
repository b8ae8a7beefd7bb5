"""The register of member firms (profile beside the shared ``Agent`` facts)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager

from .choices import SupplyChainPosition


class EnterpriseProfile(models.Model):
    """What the business register holds about a member firm: founding, people, capital,
    revenue (which with the industry decides the official size class) and its place in the
    cluster's supply chain."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, related_name="enterprise_profile",
                                 limit_choices_to={"kind": "enterprise"})
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    founded_on = models.DateField(_("founded on"))
    employees = models.PositiveIntegerField(_("employees"))
    registered_capital = models.DecimalField(_("registered capital (yuan)"), **MONEY_FIELD,
                                             validators=[MinValueValidator(0)])
    annual_revenue = models.DecimalField(_("annual operating revenue (yuan)"), **MONEY_FIELD,
                                         validators=[MinValueValidator(0)])
    supply_chain_position = models.CharField(_("supply-chain position"), max_length=20,
                                             choices=SupplyChainPosition.choices)
    main_products = models.CharField(_("main products"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("enterprise profile")
        verbose_name_plural = _("enterprise profiles")

    def __str__(self) -> str:
        return str(self.agent)

    @classmethod
    def restrict_anonymous_q(cls, action):
        from agents.models import Agent

        return Q(agent__in=Agent.objects.restrict(None, action).values("pk"))

    @classmethod
    def restrict_q(cls, viewer, action):
        from agents.models import Agent

        if action != "view":
            return Q(agent_id__in=viewer.agent_ids)
        return Q(agent__in=Agent.objects.restrict(viewer.user, "view").values("pk"))
