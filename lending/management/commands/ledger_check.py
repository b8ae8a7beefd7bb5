"""Verify the ledger: every entry balances, the ledger sums to zero, every cached balance equals
its postings and every loan agrees with its accounts. Exits with status 1 (and records an alert)
when anything is wrong."""

import sys

from django.core.management.base import BaseCommand

from lending.ledger.checks import ledger_check_run


class Command(BaseCommand):
    help = "Reconcile the ledger; exit status 1 and a LedgerAlert when a check fails."

    def handle(self, *args, **options):
        report = ledger_check_run()
        for line in report.lines():
            self.stdout.write(line)
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ledger_check: OK"))
            return
        self.stderr.write(self.style.ERROR("ledger_check: FAILED (see the lines above; a ledger alert was recorded)"))
        sys.exit(1)
