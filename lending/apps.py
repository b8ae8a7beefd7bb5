from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending and ledger")

    def ready(self):
        from . import permissions, reconcile
        from .services.delinquency import register_sqlite_functions

        # The loan kinds (each re-scores the borrower) are declared in ``lending.events``, which
        # the centre imports at start-up with every app's ``events`` module.
        # who may do what in lending: declared in the core's capability registry
        permissions.declare()
        # the loans are a sub-ledger that ledger_check reconciles (the ledger knows no loan)
        reconcile.register()
        # the stored summaries of large lenders' figures (infocenter.summaries)
        from . import summaries  # noqa: F401
        # SQLite's arithmetic is floating point: the nightly penalty SQL calls an exact function
        connection_created.connect(register_sqlite_functions, dispatch_uid="lending-sqlite-functions")
