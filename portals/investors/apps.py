from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestorsConfig(AppConfig):
    name = "portals.investors"
    label = "investors"
    verbose_name = _("Private investors")

    def ready(self):
        from agents.oversight import finding_source_register

        from .oversight import suitability_breaches

        finding_source_register("suitability", suitability_breaches, name="investors.suitability")

        from .bond_suitability import register as bond_suitability_register

        bond_suitability_register()  # a collective bond above the investor's level is refused
