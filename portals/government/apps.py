from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernmentConfig(AppConfig):
    name = "portals.government"
    label = "government"
    verbose_name = _("Government authorities")

    def ready(self):
        # support programmes and policy meetings: capabilities and the programmes' sub-ledger check
        from . import permissions_programmes, reconcile_programmes

        permissions_programmes.declare()
        reconcile_programmes.register()
        # oversight dashboard and compliance monitor: capability and the beat task
        from . import capabilities_oversight, tasks_compliance  # noqa: F401

        capabilities_oversight.declare()
        # the subsidies a firm may count on, for the adviser's cost of credit (lending.subsidies);
        # the dashboard's stored summaries of large regions (infocenter.summaries)
        from lending.subsidies import subsidy_source_register

        from . import summaries_oversight  # noqa: F401
        from .selectors_programmes import subsidy_offers

        subsidy_source_register(subsidy_offers, name="government.programmes")
