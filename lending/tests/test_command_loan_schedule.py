"""``manage.py loan_schedule`` for staff: table and CSV, clear errors."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> str:
    out = io.StringIO()
    call_command("loan_schedule", *args, stdout=out)
    return out.getvalue()


def test_csv_has_the_documented_header_and_exact_rows():
    text = run("--principal", "5000", "--rate", "0.12", "--periods", "18", "--method", "equal_instalment",
               "--start", "2026-01-01", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["period", "due_date", "principal", "interest", "total", "balance"]
    assert rows[1] == ["1", "2026-02-01", "254.91", "50.00", "304.91", "4745.09"]
    assert rows[-1][0] == "18" and rows[-1][4] == "304.94" and rows[-1][5] == "0.00"
    assert len(rows) == 19


def test_instalment_multiple_and_quarterly():
    text = run("--principal", "5000", "--rate", "0.12", "--periods", "18", "--method", "equal_instalment",
               "--instalment-multiple", "1", "--start", "2026-01-01", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert {r[4] for r in rows[1:-1]} == {"305.00"} and rows[-1][4] == "303.22"
    text = run("--principal", "100000", "--rate", "0.0435", "--periods", "4", "--method", "interest_only",
               "--frequency", "quarterly", "--start", "2026-01-01", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["1", "2026-04-01", "0.00", "1087.50", "1087.50", "100000.00"]


def test_table_shows_totals():
    text = run("--principal", "100000", "--rate", "0.0435", "--periods", "12", "--method", "equal_instalment",
               "--start", "2026-01-01")
    assert "¥8,530.99" in text  # the monthly instalment
    assert "total" in text and "¥100,000.00" in text


@pytest.mark.parametrize("args", [
    ("--principal", "-5", "--rate", "0.1", "--periods", "12", "--method", "bullet"),
    ("--principal", "abc", "--rate", "0.1", "--periods", "12", "--method", "bullet"),
    ("--principal", "1000", "--rate", "12", "--periods", "12", "--method", "bullet"),
    ("--principal", "1000", "--rate", "0.1", "--periods", "0", "--method", "bullet"),
    ("--principal", "1000", "--rate", "0.1", "--periods", "12", "--method", "bullet", "--start", "2026-02-30"),
])
def test_bad_input_is_a_clear_command_error(args):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert "--" in str(caught.value)  # names the option at fault
