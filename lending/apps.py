from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending and ledger")

    def ready(self):
        from .services.delinquency import register_sqlite_functions

        # SQLite's arithmetic is floating point: the nightly penalty SQL calls an exact function
        connection_created.connect(register_sqlite_functions, dispatch_uid="lending-sqlite-functions")
