"""Convert the ledger's postings and the centre's events to monthly range partitions
(PostgreSQL only, opt-in; see ``platform4a1c.partitioning`` and docs/scaling.md).

    manage.py partition_by_month                 # convert both tables (locks them while copying)
    manage.py partition_by_month --table lending_posting
    manage.py partition_by_month --ahead 3       # on converted tables: create the next months
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from platform4a1c.partitioning import SPECS, convert, ensure_months, is_partitioned


class Command(BaseCommand):
    help = "Convert lending_posting and infocenter_event to monthly range partitions (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--table", choices=sorted(SPECS), action="append",
                            help="only this table (repeatable; default: both)")
        parser.add_argument("--ahead", type=int, default=3, help="months after the current one to create (default 3)")

    def handle(self, *args, table=None, ahead=3, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Monthly partitions need PostgreSQL; this database is "
                               f"{connection.vendor}. Nothing was changed.")
        if ahead < 0 or ahead > 36:
            raise CommandError("--ahead must be between 0 and 36.")
        for name in table or sorted(SPECS):
            if is_partitioned(name):
                made = ensure_months(name, ahead=ahead)
                self.stdout.write(f"{name}: already partitioned; months present up to {made[-1]}")
                continue
            report = convert(SPECS[name], ahead=ahead)
            self.stdout.write(f"{name}: {report.rows:,} rows into {len(report.partitions)} partitions "
                              f"in {report.seconds:.1f} s")
            for fk in report.dropped_foreign_keys:
                self.stdout.write(f"  dropped foreign key {fk} (it referenced id alone)")
            for template in report.per_partition_indexes:
                self.stdout.write(f"  per-partition unique index: {template}")
