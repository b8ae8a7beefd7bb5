"""Publish the finance company's disclosures by hand (beat does it every morning)."""

import re

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents.models import Cluster
from clusterfinance import disclosure


class Command(BaseCommand):
    help = ("Publish the continuous disclosure of the finance companies' records and, with --month, the monthly "
            "platform disclosure of that month. Idempotent: what is already published is not published again.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM: publish the monthly platform disclosure of this month")
        parser.add_argument("--cluster", type=int, help="only this cluster (id); default all")

    def handle(self, *args, month=None, cluster=None, **options):
        if month and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise CommandError(f"--month must look like 2026-10, not {month!r}")
        today = timezone.localdate()
        if month and month >= f"{today.year:04d}-{today.month:02d}":
            raise CommandError(f"{month} is not over yet: a month is disclosed after it ends")
        clusters = Cluster.objects.select_related("finance_company")
        if cluster:
            clusters = clusters.filter(pk=cluster)
        for c in clusters:
            n = disclosure.records_disclose(cluster=c, today=today)
            self.stdout.write(f"{c.name}: {n} new record disclosures")
            if month:
                pub = disclosure.monthly_disclosure_publish(cluster=c, period=month)
                self.stdout.write(f"{c.name}: monthly platform disclosure {month} → publication {pub.pk}")
