#!/usr/bin/env python
"""Benchmark: sustained repayment postings per second on PostgreSQL.

Goal: with 8 concurrent clients over 10,000 loans, at least 25 % of the TPS that
``pgbench -b tpcb-like`` reaches on the same machine in the same run — with zero lost cents.

The script makes its own data in its own database (dropped and recreated on every run):

1. 8 lenders (the finance company and 7 institutions) and 1,000 borrowing firms;
2. 10,000 contracts (bulk-inserted), then **disbursed through ``loan_disburse``** by 8 client
   processes (each disbursement posts a 4-line entry and creates 12 instalments);
3. the measured phase: 8 client processes call ``repayment_record`` on random loans for
   ``--seconds`` seconds (amounts between half and the whole of the first instalment, paid on
   its due date: regular and partial repayments, each one a journal entry of 6–8 postings);
4. checks: the sum of accepted repayments equals what the clients sent, every loan equals its
   postings, the ledger sums to zero (``ledger_verify``);
5. ``pgbench -i -s 10`` and ``pgbench -b tpcb-like -c 8 -j 2 -T <seconds>`` on a scratch
   database ``<name>_pgbench``.

    .venv/bin/python benchmarks/repayments.py --database-url postgres://postgres@127.0.0.1:5432/bench_lending

``--smoke`` is a tiny run (40 loans, 10 firms, 2 clients for 2 s, pgbench at scale 1 for 2 s) that
only checks the script still works (CI runs it); without ``pgbench`` on the PATH step 5 is
skipped with the reason printed (Debian: ``apt-get install postgresql-contrib``).

``--reuse`` skips steps 1–2 when the database already holds the disbursed loans of an earlier run
(for measuring a change quickly; the first instalments are then partly paid already). Besides
the rates, the script prints where the CPU went: the clients' own CPU time and the PostgreSQL
server's (every ``postgres`` process of the machine, from ``/proc``) per repayment.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DISBURSED_ON = date(2026, 9, 25)
PAID_ON = date(2026, 10, 25)  # the first due date
LENDERS = 8


def recreate_database(url: str, name: str) -> None:
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform4a1c.settings.test"
    import django

    django.setup()
    # The test settings run Celery tasks eagerly: each disbursement would dispatch the centre's
    # events inline. The benchmark measures the ledger, so tasks only go to the in-memory broker.
    from platform4a1c.celery import app

    app.conf.task_always_eager = False


def build(n_loans: int, n_firms: int) -> dict:
    """Lenders, firms, staff and contracted loans (bulk); returns what the clients need."""
    from agents.choices import AgentKind, Role
    from agents.services import agent_create, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from lending.choices import Frequency, LoanStatus, RepaymentMethod
    from lending.models import Loan

    serial = iter(range(90_000_000, 99_999_999))

    def code():
        return make_uscc(division="330784", serial=next(serial))

    lenders = [agent_create(kind=AgentKind.FINANCE_COMPANY, name="基准财务公司", region_code="330784",
                            region="永康市", credit_code=code())]
    lenders += [agent_create(kind=AgentKind.INSTITUTION, name=f"基准银行{i}", region_code="330784", region="永康市",
                             credit_code=code()) for i in range(LENDERS - 1)]
    firms = [agent_create(kind=AgentKind.ENTERPRISE, name=f"基准企业{i}", region_code="330784", region="永康市",
                          credit_code=code()) for i in range(n_firms)]
    staff = {}
    for lender in lenders:
        role = Role.FC_ANALYST if lender.kind == AgentKind.FINANCE_COMPANY else Role.INST_OFFICER
        user = user_get_or_create(email=f"officer{lender.pk}@bench.4a1c.cn")
        membership_create(user=user, agent=lender, role=role)
        staff[lender.pk] = user.pk
    rng = random.Random(3)
    loans = [Loan(contract_no=f"BENCH-{i:06d}", lender=lenders[i % LENDERS], borrower=firms[rng.randrange(n_firms)],
                  principal=Decimal(rng.choice([50_000, 100_000, 200_000, 300_000, 500_000])),
                  annual_rate=Decimal("0.0435") + Decimal(rng.randrange(0, 400)) / Decimal(10_000),
                  penalty_rate=Decimal("0.09"), periods=12, method=RepaymentMethod.EQUAL_INSTALMENT,
                  frequency=Frequency.MONTHLY, status=LoanStatus.CONTRACTED)
             for i in range(n_loans)]
    Loan.objects.bulk_create(loans, batch_size=2000)
    return {"loan_ids": list(Loan.objects.values_list("pk", flat=True)), "staff": staff}


def disburse_worker(url: str, loan_ids: list[int], staff: dict) -> int:
    django_setup(url)
    from django.contrib.auth import get_user_model

    from lending.models import Loan
    from lending.services import loan_disburse

    users = {pk: get_user_model().objects.get(pk=pk) for pk in set(staff.values())}
    done = 0
    for loan in Loan.objects.filter(pk__in=loan_ids).only("pk", "lender_id"):
        loan_disburse(loan=loan, user=users[staff[loan.lender_id]], disbursed_on=DISBURSED_ON,
                      idempotency_key=f"disburse-{loan.pk}")
        done += 1
    return done


def postgres_cpu_seconds() -> float:
    """CPU time (user + system) of every ``postgres`` process now running, from ``/proc``."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if name.startswith("postgres"):
            total += int(fields[11]) + int(fields[12])
    return total / tick


def repay_worker(url: str, client: int, loan_ids: list[int], seconds: float, start_at: float, queue) -> None:
    django_setup(url)
    from django.core.exceptions import ValidationError

    from lending.models import Instalment, Loan
    from lending.services import repayment_record

    first = dict(Instalment.objects.filter(loan_id__in=loan_ids, period=1)
                 .values_list("loan_id", "principal_due"))
    interest = dict(Instalment.objects.filter(loan_id__in=loan_ids, period=1)
                    .values_list("loan_id", "interest_due"))
    rng = random.Random(client)
    accepted, refused, paid = 0, 0, Decimal("0.00")
    while time.time() < start_at:
        time.sleep(0.01)
    deadline = start_at + seconds
    cpu = time.process_time()
    i = 0
    while time.time() < deadline:
        loan_id = rng.choice(loan_ids)
        due = first[loan_id] + interest[loan_id]
        amount = (due * Decimal(rng.randint(20, 60)) / Decimal(100)).quantize(Decimal("0.01"))
        i += 1
        try:
            repayment_record(loan=Loan(pk=loan_id), user=None, amount=amount, paid_on=PAID_ON,
                             idempotency_key=f"bench-{start_at:.0f}-{client}-{i}")
            accepted += 1
            paid += amount
        except ValidationError:
            refused += 1  # more than is owed (the loan's first instalment is already paid off)
    queue.put({"client": client, "accepted": accepted, "refused": refused, "paid": str(paid),
               "cpu": time.process_time() - cpu})


def run_pgbench(url: str, seconds: int, clients: int, scale: int = 10) -> float:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + "_pgbench"
    recreate_database(url, name)
    conn = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    subprocess.run(["pgbench", *conn, "-i", "-s", str(scale), "-q", name], check=True, capture_output=True)
    out = subprocess.run(["pgbench", *conn, "-b", "tpcb-like", "-c", str(clients), "-j", "2", "-T", str(seconds),
                          name], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--firms", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep the loans of an earlier run (skip steps 1-2)")
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny run (40 loans, 10 firms, 2 clients, 2 s) that only checks it works")
    args = parser.parse_args()
    scale = 10
    if args.smoke:
        args.loans, args.firms, args.clients, args.seconds, scale = 40, 10, 2, 2, 1
    url = args.database_url.replace("postgres://", "postgresql://", 1)
    name = urlparse(url).path.lstrip("/")
    mp.set_start_method("spawn")

    if args.reuse:
        django_setup(args.database_url)
        from django.core.management import call_command
        from django.db import connections

        from lending.choices import LoanStatus
        from lending.models import Loan

        call_command("migrate", verbosity=0)
        data = {"loan_ids": list(Loan.objects.filter(status=LoanStatus.ACTIVE).values_list("pk", flat=True))}
        print(f"database {name}: reusing {len(data['loan_ids'])} active loans", flush=True)
    else:
        print(f"database {name}: recreating and migrating …", flush=True)
        recreate_database(url, name)
        django_setup(args.database_url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        data = build(args.loans, args.firms)
        print(f"built {LENDERS} lenders, {args.firms} firms, {args.loans} contracts in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        connections.close_all()

        chunks = [data["loan_ids"][i::args.clients] for i in range(args.clients)]
        started = time.monotonic()
        with mp.Pool(args.clients) as pool:
            disbursed = sum(pool.starmap(disburse_worker, [(args.database_url, c, data["staff"]) for c in chunks]))
        disburse_seconds = time.monotonic() - started
        print(f"disbursed {disbursed} loans through loan_disburse with {args.clients} clients in "
              f"{disburse_seconds:.1f} s ({disbursed / disburse_seconds:.0f}/s)", flush=True)

    from lending.ledger.models import JournalEntry, Posting
    from lending.models import Repayment

    before_postings = Posting.objects.count()
    connections.close_all()
    queue = mp.Queue()
    start_at = time.time() + (4 if args.smoke else 8)  # every client has loaded Django before the clock starts
    procs = [mp.Process(target=repay_worker, args=(args.database_url, c, data["loan_ids"], args.seconds, start_at,
                                                   queue)) for c in range(args.clients)]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.01)
    server_cpu = postgres_cpu_seconds()
    results = [queue.get() for _ in procs]
    server_cpu = postgres_cpu_seconds() - server_cpu
    for p in procs:
        p.join()
    accepted = sum(r["accepted"] for r in results)
    sent = sum(Decimal(r["paid"]) for r in results)
    rate = accepted / args.seconds
    print(f"repayments: {accepted} accepted ({sum(r['refused'] for r in results)} refused as more than owed) in "
          f"{args.seconds} s by {args.clients} clients = {rate:.0f} repayments/s "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    client_cpu = sum(r["cpu"] for r in results)
    print(f"CPU per repayment: clients {client_cpu / accepted * 1000:.2f} ms, PostgreSQL server "
          f"{server_cpu / accepted * 1000:.2f} ms ({os.cpu_count()} cores)", flush=True)

    from django.db.models import Sum

    from lending.ledger.checks import ledger_verify

    stored = (Repayment.objects.filter(idempotency_key__startswith=f"bench-{start_at:.0f}-")
              .aggregate(s=Sum("amount"))["s"] or Decimal("0"))
    postings = Posting.objects.count() - before_postings
    report = ledger_verify()
    lost = sent - stored
    print(f"postings written: {postings} ({postings / args.seconds:.0f}/s); entries: {JournalEntry.objects.count()}")
    print(f"money: clients sent {sent:,.2f}, repayments stored {stored:,.2f}, difference {lost:,.2f}")
    print(f"ledger_verify: {'OK' if report.ok else 'FAILED'} (ledger total {report.ledger_total})")
    connections.close_all()

    if shutil.which("pgbench") is None:
        print("pgbench: skipped — pgbench is not installed (Debian: apt-get install postgresql-contrib); "
              "no share of pgbench's TPS computed", flush=True)
    else:
        print(f"pgbench -b tpcb-like -c {args.clients} -j 2 -T {args.seconds} (scale {scale}) …", flush=True)
        tps = run_pgbench(url, args.seconds, args.clients, scale)
        print(f"pgbench: {tps:.0f} TPS (load average {os.getloadavg()[0]:.1f})", flush=True)
        share = rate / tps * 100
        print(f"repayments reach {share:.1f} % of pgbench's TPS (goal ≥ 25 %): {'MET' if share >= 25 else 'MISSED'}")
    ok = report.ok and lost == 0
    print(f"zero lost cents: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
