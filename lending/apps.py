from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending and ledger")

    def ready(self):
        from infocenter.services.events import rescore_trigger_add

        from . import permissions, reconcile
        from .events import RESCORE_KINDS
        from .services.delinquency import register_sqlite_functions

        # every disbursement, repayment and write-off re-scores the borrower (feedback loop)
        for kind in RESCORE_KINDS:
            rescore_trigger_add(kind)
        # who may do what in lending: declared in the core's capability registry
        permissions.declare()
        # the loans are a sub-ledger that ledger_check reconciles (the ledger knows no loan)
        reconcile.register()
        # SQLite's arithmetic is floating point: the nightly penalty SQL calls an exact function
        connection_created.connect(register_sqlite_functions, dispatch_uid="lending-sqlite-functions")
