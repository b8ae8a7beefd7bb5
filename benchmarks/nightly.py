#!/usr/bin/env python
"""Benchmark: the nightly delinquency run over 100,000 loans. Goal: ≤ 30 s.

``lending.services.delinquency_run`` is set-based SQL: a handful of UPDATE / INSERT … SELECT
statements whatever the number of loans (no per-loan Python loop). This script makes its own
data in its own database (dropped and recreated): 8 lenders, 1,000 firms and ``--loans`` active
loans disbursed over the last 24 months (12 or 24 monthly instalments, 1.4 million instalment
rows for 100,000 loans), generated with ``generate_series`` because the loan book's history is
not what is measured. 85 % of the loans have paid every instalment due; 15 % stopped paying at
some instalment, so they spread over every delinquency bucket. Then it times:

1. the first run (``as_of`` = today): every late instalment is marked overdue, penalty accrues
   from its due date, days past due / buckets / classes are set, moves recorded;
2. the next night (``as_of`` + 1): the steady state, one more day of penalty for every overdue
   instalment and the day's bucket moves;
3. the same night again (idempotent: nothing accrues, nothing moves).

    .venv/bin/python benchmarks/nightly.py --database-url postgres://postgres@127.0.0.1:5432/bench_lending
    .venv/bin/python benchmarks/nightly.py --database-url ... --smoke   # 200 loans: does it still run?
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def recreate_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


LOANS_SQL = """
INSERT INTO lending_loan (contract_no, lender_id, borrower_id, principal, annual_rate, penalty_rate, periods, method,
    frequency, instalment_multiple, fee, status, disbursed_on, maturity_date, principal_outstanding, dpd, bucket,
    loan_class, judged_class, judged_reason, delinquency_as_of, disbursement_key, written_off_amount,
    write_off_reason, created_at)
SELECT 'NIGHT-' || g,
       (%(lenders)s)[1 + g %% array_length(%(lenders)s, 1)],
       (%(firms)s)[1 + (g * 7919) %% array_length(%(firms)s, 1)],
       (ARRAY[50000, 100000, 200000, 300000, 500000, 1000000])[1 + (g * 31) %% 6],
       0.0435 + ((g * 13) %% 400) / 10000.0,
       (0.0435 + ((g * 13) %% 400) / 10000.0) * 1.5,
       CASE WHEN g %% 10 < 3 THEN 24 ELSE 12 END,
       'equal_principal', 'monthly', '0.01', 0, 'active',
       %(as_of)s::date - (1 + (g * 104729) %% (CASE WHEN g %% 10 < 3 THEN 719 ELSE 359 END))::int,
       NULL, 0, 0, 'current', 'normal', '', '', NULL, 'bench', 0, '', now()
  FROM generate_series(1::bigint, %(n)s::bigint) AS g
"""

INSTALMENTS_SQL = """
INSERT INTO lending_instalment (loan_id, period, period_start, due_date, accrual_periods, principal_due, interest_due,
    principal_paid, interest_paid, penalty_accrued, penalty_paid, penalty_through, status, paid_on, schedule_version)
SELECT l.id, k,
       (l.disbursed_on + make_interval(months => k - 1))::date,
       (l.disbursed_on + make_interval(months => k))::date,
       1,
       CASE WHEN k < l.periods THEN round(l.principal / l.periods, 2)
            ELSE l.principal - round(l.principal / l.periods, 2) * (l.periods - 1) END,
       round((l.principal - round(l.principal / l.periods, 2) * (k - 1)) * l.annual_rate / 12, 2),
       0, 0, 0, 0, NULL, 'pending', NULL, 1
  FROM lending_loan l CROSS JOIN LATERAL generate_series(1, l.periods) AS k
"""

# 85 % of the loans paid every instalment due on time; the others stopped at some instalment
PAID_SQL = """
UPDATE lending_instalment i
   SET principal_paid = principal_due, interest_paid = interest_due, status = 'paid', paid_on = due_date
  FROM lending_loan l
 WHERE l.id = i.loan_id AND i.due_date < %(as_of)s::date
   AND (l.id %% 100 >= 15 OR i.period < 1 + (l.id * 37) %% l.periods)
"""

OUTSTANDING_SQL = """
UPDATE lending_loan l SET principal_outstanding = s.unpaid, maturity_date = s.maturity, delinquency_as_of = s.start
  FROM (SELECT loan_id, SUM(principal_due - principal_paid) AS unpaid, MAX(due_date) AS maturity,
               MIN(period_start) AS start
          FROM lending_instalment GROUP BY loan_id) s
 WHERE s.loan_id = l.id
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--firms", type=int, default=1_000)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (200 loans, 20 firms) that only checks it works")
    args = parser.parse_args()
    if args.smoke:
        args.loans, args.firms = 200, 20
    url = args.database_url.replace("postgres://", "postgresql://", 1)
    print(f"database {urlparse(url).path.lstrip('/')}: recreating and migrating …", flush=True)
    recreate_database(url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform4a1c.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from agents.choices import AgentKind
    from agents.services import agent_create
    from agents.validators import make_uscc
    from lending.models import BucketMove, Instalment, Loan
    from lending.services import delinquency_run

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    as_of = timezone.localdate()
    started = time.monotonic()
    serial = iter(range(90_000_000, 99_999_999))
    with transaction.atomic():
        lenders = [agent_create(kind=AgentKind.INSTITUTION, name=f"夜间银行{i}", region_code="330784", region="永康市",
                                credit_code=make_uscc(division="330784", serial=next(serial))).pk for i in range(8)]
        firms = [agent_create(kind=AgentKind.ENTERPRISE, name=f"夜间企业{i}", region_code="330784", region="永康市",
                              credit_code=make_uscc(division="330784", serial=next(serial))).pk
                 for i in range(args.firms)]
        with connection.cursor() as cursor:
            params = {"lenders": lenders, "firms": firms, "n": args.loans, "as_of": as_of}
            cursor.execute(LOANS_SQL, params)
            cursor.execute(INSTALMENTS_SQL)
            cursor.execute(PAID_SQL, params)
            cursor.execute(OUTSTANDING_SQL)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE lending_loan")
        cursor.execute("VACUUM ANALYZE lending_instalment")
    print(f"generated {Loan.objects.count():,} loans and {Instalment.objects.count():,} instalments "
          f"in {time.monotonic() - started:.1f} s", flush=True)

    ok = True
    for label, day in (("first run", as_of), ("next night", as_of + timedelta(days=1)),
                       ("same night again", as_of + timedelta(days=1))):
        started = time.monotonic()
        report = delinquency_run(as_of=day)
        seconds = time.monotonic() - started
        print(f"{label} (as of {day}): {seconds:.1f} s — {report.newly_overdue:,} instalments newly overdue, "
              f"{report.penalty_accruals:,} penalty accruals, {report.moves:,} bucket moves, "
              f"{report.dpd_changes:,} loans with new days past due, {report.reclassified:,} reclassified", flush=True)
        if label == "first run":
            ok = seconds <= 30
            first = seconds
    buckets = dict(Loan.objects.values_list("bucket").annotate(n=__import__("django").db.models.Count("id")))
    classes = dict(Loan.objects.values_list("loan_class").annotate(n=__import__("django").db.models.Count("id")))
    print(f"buckets: {buckets}")
    print(f"classes: {classes}")
    print(f"bucket moves recorded: {BucketMove.objects.count():,}")
    print(f"goal ≤ 30 s for {args.loans:,} loans: {'MET' if ok else 'MISSED'} ({first:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
