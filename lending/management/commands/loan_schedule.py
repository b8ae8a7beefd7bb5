"""Print a repayment schedule (还款计划) for staff: ``manage.py loan_schedule --principal 100000
--rate 0.0435 --periods 12 --method equal_instalment [--frequency monthly|quarterly]
[--instalment-multiple 1] [--start 2026-01-01] [--format table|csv]``."""

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents.money import format_yuan
from lending.choices import Frequency, RepaymentMethod
from lending.schedules import build_schedule

CSV_HEADER = ["period", "due_date", "principal", "interest", "total", "balance"]


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"--{field.replace('_', '-')}: {' '.join(str(m) for m in errors.messages)}"
                         for field, errors in ((f, ValidationError(e)) for f, e in error.error_dict.items()))
    return " ".join(str(m) for m in error.messages)


class Command(BaseCommand):
    help = "Print the repayment schedule of a loan (interest per period on the outstanding balance, half-up to the fen)."

    def add_arguments(self, parser):
        parser.add_argument("--principal", required=True, help="loan amount in yuan, e.g. 100000")
        parser.add_argument("--rate", required=True, help="annual rate as a fraction, e.g. 0.0435 (or 4.35%%)")
        parser.add_argument("--periods", required=True, help="number of instalments")
        parser.add_argument("--method", required=True, choices=RepaymentMethod.values)
        parser.add_argument("--frequency", default=Frequency.MONTHLY, choices=Frequency.values)
        parser.add_argument("--instalment-multiple", default=None,
                            help="round the instalment to multiples of 0.01 (default), 1, 10 or 100 yuan")
        parser.add_argument("--start", default=None, help="disbursement date YYYY-MM-DD (default: today)")
        parser.add_argument("--format", default="table", choices=["table", "csv"])

    def handle(self, *args, **options):
        try:
            schedule = build_schedule(
                principal=options["principal"], annual_rate=options["rate"], periods=options["periods"],
                method=options["method"], frequency=options["frequency"],
                instalment_multiple=options["instalment_multiple"],
                start=options["start"] or timezone.localdate(),
            )
        except ValidationError as error:
            raise CommandError(_messages(error))
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            for row in schedule:
                writer.writerow([row.period, row.due_date.isoformat(), row.principal, row.interest, row.total,
                                 row.balance])
            return
        self._table(schedule)

    def _table(self, schedule):
        method = RepaymentMethod(schedule.method).label
        self.stdout.write(f"{method} · {schedule.periods} × {Frequency(schedule.frequency).label} · "
                          f"{format_yuan(schedule.principal)} @ {schedule.annual_rate * 100:.4f}% · "
                          f"start {schedule.start.isoformat()}")
        header = f"{'period':>6}  {'due date':10}  {'principal':>16}  {'interest':>14}  {'total':>16}  {'balance':>16}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in schedule:
            self.stdout.write(f"{row.period:>6}  {row.due_date.isoformat():10}  {format_yuan(row.principal):>16}  "
                              f"{format_yuan(row.interest):>14}  {format_yuan(row.total):>16}  "
                              f"{format_yuan(row.balance):>16}")
        self.stdout.write("-" * len(header))
        self.stdout.write(f"{'total':>6}  {'':10}  {format_yuan(schedule.total_principal):>16}  "
                          f"{format_yuan(schedule.total_interest):>14}  {format_yuan(schedule.total_payment):>16}")
