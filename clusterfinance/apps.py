from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClusterFinanceConfig(AppConfig):
    name = "clusterfinance"
    verbose_name = _("Cluster and finance company")

    def ready(self):
        from .pool import permissions as pool_permissions
        from .pool import reconcile as pool_reconcile

        pool_permissions.declare()
        pool_reconcile.register()
        from .pool import subscriptions as pool_subscriptions

        pool_subscriptions.declare()  # investors subscribe to notes with their own money
        from .allocation import permissions as allocation_permissions

        allocation_permissions.declare()
        # the centre shows the monthly platform disclosure's data as labelled, formatted rows
        from .disclosure.monthly import display_register

        display_register()
        # an allocation run's disclosure; the staff dashboard's stored summaries of large
        # clusters (infocenter.summaries)
        from .allocation import display as allocation_display
        from .dashboard import summaries as dashboard_summaries  # noqa: F401

        allocation_display.display_register()

        from .rating import events as rating_events
        from .rating import tasks as rating_tasks  # noqa: F401  (Celery finds the rating's tasks)

        # the feedback loop: new information about a firm re-scores it; a grade change is notified
        rating_events.register()

        from .guarantees import events as guarantee_events
        from .guarantees import permissions as guarantee_permissions
        from .guarantees import reconcile as guarantee_reconcile
        from .guarantees import tasks as guarantee_tasks  # noqa: F401  (Celery finds the nightly claims)

        guarantee_permissions.declare()
        guarantee_reconcile.register()
        guarantee_events.register()  # a flagged guarantee circle alerts the government and the staff

        from .sanctions import events as sanction_events  # noqa: F401  (declares the sanction kinds)
        from .sanctions import permissions as sanction_permissions
        from .sanctions import tasks as sanction_tasks  # noqa: F401  (Celery finds the nightly run)

        sanction_permissions.declare()
        from .sanctions.rules import display_register as sanction_display_register

        sanction_display_register()  # the centre shows a reward's or penalty's data as labelled rows

        from .schemes.group_loans import events as group_events
        from .schemes.group_loans import permissions as group_permissions
        from .schemes.group_loans import reconcile as group_reconcile
        from .schemes.group_loans import tasks as group_tasks  # noqa: F401  (Celery finds the nightly calls)

        group_permissions.declare()
        group_events.register()  # a call notifies the called members
        group_reconcile.register()  # the calls paid against the ledger

        from .schemes.collective_bond import permissions as bond_permissions
        from .schemes.collective_bond import reconcile as bond_reconcile

        bond_permissions.declare()
        bond_reconcile.register()  # the bond settlements and payments against the ledger

        from .schemes.rotating_fund import permissions as rotating_permissions
        from .schemes.rotating_fund import reconcile as rotating_reconcile

        rotating_permissions.declare()
        rotating_reconcile.register()  # each fund's capital and advances against the ledger
