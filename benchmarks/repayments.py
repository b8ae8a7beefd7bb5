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
import contextlib
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _repayment_load import (  # noqa: E402  (after the path is set)
    LENDERS,
    PAID_ON,
    build,
    clients_start,
    disburse_all,
    django_setup,
    money_check,
    postgres_cpu_seconds,
    recreate_database,
)

# --- the floor of the same work: a pgbench script writing exactly the rows of one repayment ----------

FLOOR_KEY = "floor"
# One repayment of ¥0.02 (¥0.01 interest, ¥0.01 principal) on a random loan, written the way a
# repayment writes it: the same tables, columns and indexes (constraints and the deferred balance
# trigger run at COMMIT). The amounts keep the books true, so ``ledger_verify`` still holds after
# the floor has run. One unlocked read (the service's first round trip: the loan's accounts and
# its oldest open instalment), then BEGIN … COMMIT in one pipeline (the service's second round trip;
# the server still runs each statement). Balances are updated per-loan accounts first, then the
# shared ones in a fixed order (lender's cash, its income, borrower's cash, its expense), so floor
# clients cannot deadlock, as ``lending_repayment_write`` orders its locks. (pgbench reads ``:name``
# as a variable even inside a string literal, hence ``'repayment:' || 'floor-'``.)
FLOOR_SCRIPT = """\\set loan random({loan_min}, {loan_max})
SELECT l.lender_id AS lender, l.borrower_id AS borrower, l.contract_no AS contract,
       (SELECT id FROM lending_account WHERE agent_id = l.lender_id AND purpose = 'cash' AND currency = 'CNY'
           AND loan_id IS NULL) AS lcash,
       (SELECT id FROM lending_account WHERE agent_id = l.lender_id AND purpose = 'interest_income'
           AND currency = 'CNY' AND loan_id IS NULL) AS linc,
       (SELECT id FROM lending_account WHERE agent_id = l.lender_id AND purpose = 'loans_receivable'
           AND loan_id = l.id) AS lrec,
       (SELECT id FROM lending_account WHERE agent_id = l.borrower_id AND purpose = 'cash' AND currency = 'CNY'
           AND loan_id IS NULL) AS bcash,
       (SELECT id FROM lending_account WHERE agent_id = l.borrower_id AND purpose = 'interest_expense'
           AND currency = 'CNY' AND loan_id IS NULL) AS bexp,
       (SELECT id FROM lending_account WHERE agent_id = l.borrower_id AND purpose = 'borrowings'
           AND loan_id = l.id) AS bbor,
       coalesce((SELECT id FROM lending_instalment WHERE loan_id = l.id AND status NOT IN ('superseded', 'paid')
           AND principal_due - principal_paid >= 0.02 AND interest_due - interest_paid >= 0.02
           ORDER BY due_date, period LIMIT 1), 0) AS inst
  FROM lending_loan l WHERE l.id = :loan \\gset
\\startpipeline
BEGIN;
SELECT 1 FROM lending_loan WHERE id = :loan FOR UPDATE;
INSERT INTO lending_journalentry (idempotency_key, fingerprint, kind, effective_date, memo, loan_id, reverses_id,
                                  created_by_id, created_at)
     VALUES ('repayment:' || '{key}-' || gen_random_uuid(), md5(random()::text) || md5(random()::text), 'repayment',
             DATE '{paid_on}', :contract, :loan, NULL, NULL, now())
ON CONFLICT (idempotency_key) DO NOTHING;
INSERT INTO lending_posting (entry_id, account_id, amount)
     VALUES (currval('lending_journalentry_id_seq'), :lcash, 0.02),
            (currval('lending_journalentry_id_seq'), :lrec, -0.01),
            (currval('lending_journalentry_id_seq'), :linc, -0.01),
            (currval('lending_journalentry_id_seq'), :bcash, -0.02),
            (currval('lending_journalentry_id_seq'), :bbor, 0.01),
            (currval('lending_journalentry_id_seq'), :bexp, 0.01);
UPDATE lending_account SET balance = balance - 0.01 WHERE id = :lrec;
UPDATE lending_account SET balance = balance + 0.01 WHERE id = :bbor;
UPDATE lending_account SET balance = balance + 0.02 WHERE id = :lcash;
UPDATE lending_account SET balance = balance - 0.01 WHERE id = :linc;
UPDATE lending_account SET balance = balance - 0.02 WHERE id = :bcash;
UPDATE lending_account SET balance = balance + 0.01 WHERE id = :bexp;
UPDATE lending_instalment
   SET principal_paid = principal_paid + 0.01, interest_paid = interest_paid + 0.01, penalty_paid = penalty_paid,
       penalty_accrued = penalty_accrued, penalty_through = penalty_through, status = status, paid_on = paid_on
 WHERE id = :inst;
INSERT INTO lending_repayment (loan_id, idempotency_key, fingerprint, amount, paid_on, kind, channel, penalty_amount,
                               interest_amount, principal_amount, prepaid_principal, entry_id, recorded_by_id,
                               created_at)
     VALUES (:loan, '{key}-' || gen_random_uuid(), md5(random()::text) || md5(random()::text), 0.02,
             DATE '{paid_on}', 'partial', 'system', 0.00, 0.01, 0.01, 0.00, currval('lending_journalentry_id_seq'),
             NULL, now());
INSERT INTO lending_repaymentallocation (repayment_id, instalment_id, penalty, interest, principal)
     VALUES (currval('lending_repayment_id_seq'), :inst, 0.00, 0.01, 0.01);
UPDATE lending_loan
   SET principal_outstanding = principal_outstanding - 0.01, status = status, closed_on = closed_on, dpd = dpd,
       bucket = bucket, loan_class = loan_class, delinquency_as_of = delinquency_as_of
 WHERE id = :loan;
INSERT INTO infocenter_event (kind, payload, created_at, dispatched_at, lease_until, attempts, last_error, actor_id,
                              actor_agent_id, subject_agent_id)
     VALUES ('loan.repaid', jsonb_build_object('dpd', 0, 'kind', 'partial', 'amount', '0.02', 'closed', false,
             'loan_id', :loan::bigint, 'paid_on', '{paid_on}', 'penalty', '0.00', 'interest', '0.01',
             'agent_ids', jsonb_build_array(:borrower::bigint), 'lender_id', :lender::bigint, 'principal', '0.01',
             'borrower_id', :borrower::bigint, 'contract_no', :contract::text, 'outstanding', '0.00',
             'repayment_id', currval('lending_repayment_id_seq')),
             now(), NULL, NULL, 0, '', NULL, :lender::bigint, :borrower::bigint);
INSERT INTO agents_auditrecord (at, actor_id, actor_label, agent_id, action, target, summary, data, ip, region_code,
                                row_hash, chain_seq, chain_hash)
     VALUES (now(), NULL, 'system', :lender::bigint, 'ledger.entry_posted',
             'entry:' || currval('lending_journalentry_id_seq'), 'repayment ¥0.02 ' || :contract::text,
             jsonb_build_object('kind', 'repayment', 'loan', :loan::bigint,
                                'agents', jsonb_build_array(:lender::bigint, :borrower::bigint),
                                'amount', '0.02', 'reference', ''), NULL, '', md5(random()::text) || md5(random()::text),
             NULL, '');
COMMIT;
\\endpipeline
"""


def floor_script(loan_ids: list[int]) -> str:
    lo, hi = min(loan_ids), max(loan_ids)
    if hi - lo + 1 != len(loan_ids):  # bulk_create gave consecutive ids; the script draws from the range
        raise RuntimeError(f"the benchmark's loans do not have consecutive ids ({len(loan_ids)} in {lo}..{hi})")
    return FLOOR_SCRIPT.format(loan_min=lo, loan_max=hi, key=FLOOR_KEY, paid_on=PAID_ON.isoformat())


def pg_conn_args(url: str) -> list[str]:
    parsed = urlparse(url)
    return ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]


def rows_written(url: str) -> dict:
    """Rows inserted and updated so far per table of the database (the statistics collector)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return {name: (ins, upd) for name, ins, upd in conn.execute(
            "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables")}


def rows_delta(before: dict, after: dict) -> dict:
    out = {}
    for name, (ins, upd) in after.items():
        b_ins, b_upd = before.get(name, (0, 0))
        if (ins - b_ins, upd - b_upd) != (0, 0):
            out[name] = (ins - b_ins, upd - b_upd)
    return dict(sorted(out.items()))


def capture_one_repayment(url: str, loan_id: int) -> tuple[list[str], dict]:
    """One real repayment (40 % of the loan's first instalment: interest and principal, six
    postings) through ``repayment_record``, with every SQL statement the server ran for it
    (the function's nested ones too: ``auto_explain`` with ``log_nested_statements``, sent to this
    client as notices) and the rows it inserted and updated per table. It is committed (a real
    repayment; the benchmark's money check counts only the clients' keys)."""
    import json

    from django.db import connection

    from lending.models import Instalment, Loan
    from lending.services import repayment_record

    first = Instalment.objects.get(loan_id=loan_id, period=1)
    amount = ((first.principal_due + first.interest_due) * Decimal("0.4")).quantize(Decimal("0.01"))
    statements: list[str] = []

    def on_notice(diag):
        text = diag.message_primary or ""
        if "plan:" in text:
            with contextlib.suppress(ValueError, KeyError):
                statements.append(json.loads(text[text.index("{"):])["Query Text"].strip())

    connection.close()
    before = rows_written(url)
    connection.ensure_connection()
    raw = connection.connection
    raw.add_notice_handler(on_notice)
    with connection.cursor() as cursor:
        for setting in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                        "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_format = json",
                        "SET client_min_messages = log"):
            cursor.execute(setting)
    repayment_record(loan=Loan(pk=loan_id), user=None, amount=amount, paid_on=PAID_ON,
                     idempotency_key=f"capture-{time.time():.0f}")
    raw.remove_notice_handler(on_notice)
    connection.close()  # the backend's statistics are flushed when it exits
    time.sleep(1.0)
    return statements, rows_delta(before, rows_written(url))


def floor_rows(url: str, script: Path) -> dict:
    """Rows inserted and updated per table by one transaction of the floor script."""
    name = urlparse(url).path.lstrip("/")
    before = rows_written(url)
    subprocess.run(["pgbench", *pg_conn_args(url), "-n", "-M", "prepared", "-f", str(script), "-t", "1", name],
                   check=True, capture_output=True, text=True)
    time.sleep(1.0)
    return rows_delta(before, rows_written(url))


def run_floor(url: str, script: Path, seconds: int, clients: int) -> tuple[float, int]:
    """pgbench's TPS on the floor script and how many of its transactions failed."""
    name = urlparse(url).path.lstrip("/")
    out = subprocess.run(["pgbench", *pg_conn_args(url), "-n", "-M", "prepared", "-f", str(script),
                          "-c", str(clients), "-j", "2", "-T", str(seconds), name],
                         check=True, capture_output=True, text=True).stdout
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return float(re.search(r"tps = ([0-9.]+)", out).group(1)), int(failed.group(1)) if failed else 0


def run_pgbench(url: str, seconds: int, clients: int, scale: int = 10) -> float:
    name = urlparse(url).path.lstrip("/") + "_pgbench"
    recreate_database(url, name)
    conn = pg_conn_args(url)
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
    parser.add_argument("--no-tpcb", action="store_true", help="skip pgbench's tpcb-like (the custom floor still runs)")
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny run (40 loans, 10 firms, 2 clients, 2 s) that only checks it works")
    args = parser.parse_args()
    scale = 10
    if args.smoke:
        args.loans, args.firms, args.clients, args.seconds, scale = 40, 10, 2, 2, 1
    url = args.database_url.replace("postgres://", "postgresql://", 1)
    name = urlparse(url).path.lstrip("/")
    mp.set_start_method("spawn")
    have_pgbench = shutil.which("pgbench") is not None

    if args.reuse:
        django_setup(args.database_url)
        from django.core.management import call_command
        from django.db import connections

        from lending.choices import LoanStatus
        from lending.models import Loan

        call_command("migrate", verbosity=0)
        data = {"loan_ids": sorted(Loan.objects.filter(status=LoanStatus.ACTIVE, contract_no__startswith="BENCH-")
                                   .values_list("pk", flat=True))}
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
        disbursed, disburse_seconds = disburse_all(args.database_url, data, args.clients)
        print(f"disbursed {disbursed} loans through loan_disburse with {args.clients} clients in "
              f"{disburse_seconds:.1f} s ({disbursed / disburse_seconds:.0f}/s)", flush=True)

    from lending.ledger.models import JournalEntry, Posting

    # The floor's script, and the proof that it writes what a repayment writes: one real repayment
    # (its statements captured) and one floor transaction must insert and update the same number of
    # rows in the same tables.
    workdir = Path(tempfile.mkdtemp(prefix="bench_repayments_"))
    script = workdir / "repayment_floor.sql"
    script.write_text(floor_script(data["loan_ids"]))
    statements, real_rows = capture_one_repayment(url, data["loan_ids"][0])
    (workdir / "repayment_statements.sql").write_text(";\n\n".join(statements) + ";\n")
    print(f"one real repayment ran {len(statements)} statements on the server (captured with auto_explain in "
          f"{workdir / 'repayment_statements.sql'}); rows (inserted, updated): {real_rows}", flush=True)
    faithful = None
    if have_pgbench:
        floor_one = floor_rows(url, script)
        faithful = floor_one == real_rows
        print(f"one floor transaction ({script}): {floor_one} — "
              f"{'the same rows' if faithful else 'NOT THE SAME ROWS as a repayment'}", flush=True)

    before_postings = Posting.objects.count()
    connections.close_all()
    clients = clients_start(args.database_url, args.clients, data["loan_ids"], args.seconds)
    server_cpu = postgres_cpu_seconds()
    clients["go"]()  # every client has loaded Django before the clock starts
    results = clients["results"]()
    server_cpu = postgres_cpu_seconds() - server_cpu
    accepted = sum(r["accepted"] for r in results)
    sent = sum(Decimal(r["paid"]) for r in results)
    rate = accepted / args.seconds
    print(f"repayments: {accepted} accepted ({sum(r['refused'] for r in results)} refused as more than owed) in "
          f"{args.seconds} s by {args.clients} clients = {rate:.0f} repayments/s "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    client_cpu = sum(r["cpu"] for r in results)
    print(f"CPU per repayment: clients {client_cpu / max(accepted, 1) * 1000:.2f} ms, PostgreSQL server "
          f"{server_cpu / max(accepted, 1) * 1000:.2f} ms ({os.cpu_count()} cores)", flush=True)

    check = money_check("bench", clients["stamp"], sent)
    postings = Posting.objects.count() - before_postings
    print(f"postings written: {postings} ({postings / args.seconds:.0f}/s); entries: {JournalEntry.objects.count()}")
    print(f"money: clients sent {check['sent']:,.2f}, repayments stored {check['stored']:,.2f}, "
          f"difference {check['lost']:,.2f}")
    print(f"ledger_verify: {'OK' if check['report'].ok else 'FAILED'} (ledger total {check['report'].ledger_total})")
    connections.close_all()
    ok = check["ok"] and accepted > 0

    if not have_pgbench:
        print("pgbench: skipped — pgbench is not installed (Debian: apt-get install postgresql-contrib); "
              "no floor and no share of pgbench's TPS computed", flush=True)
    else:
        print(f"floor: pgbench -M prepared -f repayment_floor.sql -c {args.clients} -j 2 -T {args.seconds} "
              f"(the rows of one repayment, same database and tables) …", flush=True)
        floor_cpu = postgres_cpu_seconds()
        floor_tps, floor_failed = run_floor(url, script, args.seconds, args.clients)
        floor_cpu = postgres_cpu_seconds() - floor_cpu
        print(f"floor: {floor_tps:.0f} TPS, {floor_failed} failed, server CPU per transaction "
              f"{floor_cpu / max(floor_tps * args.seconds, 1) * 1000:.2f} ms (load average {os.getloadavg()[0]:.1f})",
              flush=True)
        floor_check = ledger_after_floor()
        print(f"ledger_verify after the floor: {'OK' if floor_check else 'FAILED'}", flush=True)
        ratio = rate / floor_tps * 100
        print(f"service / floor: {ratio:.1f} % (goal ≥ 60 %): {'MET' if ratio >= 60 else 'MISSED'}"
              f"{'' if faithful else ' — but the floor did not write the same rows as a repayment'}", flush=True)
        ok = ok and bool(faithful) and floor_check
        if not args.no_tpcb:
            print(f"pgbench -b tpcb-like -c {args.clients} -j 2 -T {args.seconds} (scale {scale}) …", flush=True)
            tps = run_pgbench(url, args.seconds, args.clients, scale)
            print(f"pgbench tpcb-like: {tps:.0f} TPS (load average {os.getloadavg()[0]:.1f})", flush=True)
            share = rate / tps * 100
            print(f"repayments reach {share:.1f} % of tpcb-like's TPS (the earlier goal for this ratio: ≥ 25 %): "
                  f"{'MET' if share >= 25 else 'MISSED'}")
    print(f"zero lost cents: {'yes' if check['ok'] else 'NO'}")
    return 0 if ok else 1


def ledger_after_floor() -> bool:
    from lending.ledger.checks import ledger_verify

    return ledger_verify().ok


if __name__ == "__main__":
    sys.exit(main())
