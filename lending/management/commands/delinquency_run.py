"""Run the nightly delinquency job by hand: ``manage.py delinquency_run [--as-of YYYY-MM-DD]``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lending.services import delinquency_run


class Command(BaseCommand):
    help = ("Mark overdue instalments, accrue penalty interest, update days past due, buckets and the five-category "
            "classification (what the nightly task does). Idempotent for a given date.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="business date YYYY-MM-DD (default: today)")
        parser.add_argument("--timings", action="store_true", help="also print each statement's wall time")

    def handle(self, *args, **options):
        try:
            report = delinquency_run(as_of=options["as_of"])
        except ValidationError as error:
            raise CommandError(" ".join(str(m) for m in error.messages))
        self.stdout.write(
            f"as of {report.as_of}: {report.newly_overdue} instalments newly overdue, {report.penalty_accruals} "
            f"penalty accruals, {report.dpd_changes} loans with new days past due, {report.moves} bucket moves")
        if options["timings"]:
            for name, seconds in report.seconds.items():
                self.stdout.write(f"  {name}: {seconds:.3f} s")
