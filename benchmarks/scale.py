#!/usr/bin/env python
"""Benchmark: how each cost grows with the data — 10,000 → 100,000 → 1,000,000 member firms.

Per firm the data has one loan of 10 monthly instalments, one current rating, two records
(a statement and a tax record), 50 postings (12.5 journal entries of 4 postings: the lender's
loan and cash, the firm's borrowing and cash, spread over the last 24 months) and 5 dispatched
events — so the 1,000,000-firm step holds 10,000,000 instalments, 1,000,000 ratings and
50,000,000 postings. The data is generated in SQL (``INSERT … SELECT generate_series`` with
the ledger's triggers off while generating), not through the services: the history is not what
is measured. The pool, users and scorecard go through the services.

At every step (its own database, cloned from one migrated template) the script measures

1. the nightly delinquency run (``delinquency_run``: first run, then the next night, with a
   ``VACUUM`` of the two tables between them, as autovacuum does in the day between);
2. the full re-score (``ratings_rescore(agent_ids=None, force=True)``, every member rated anew,
   after a first rating of everyone without publishing: the generated grades are arbitrary and
   each grade change is published one firm at a time) and one fixed chunk of 10,000 firms (what
   one task of a Celery chord over chunks would cost);
3. the three dashboards behind gunicorn (production settings), p50/p95 — the finance company's
   ``/finance/``, the government's ``/gov/``, the institution's ``/institution/`` — with the
   login page as the floor; the finance dashboard's loan count, PAR30 and NPL ratio must equal
   plain SQL over the loans (``benchmarks/dashboards.py``'s check);
4. the ledger before and after ``manage.py partition_by_month`` (monthly range partitions of
   postings and events): the conversion itself, one month's postings (a monthly trial balance),
   one account's statement, 200 entries posted through the service; the counts and the sum of
   all postings (zero) must be the same after the conversion.

At the end a table shows each cost per step and its growth per 10× step. Goal: no page grows
with the data; batch jobs grow at most linearly.

    .venv/bin/python benchmarks/scale.py --database-url postgres://postgres@127.0.0.1:5432/p4a1c_scale
    .venv/bin/python benchmarks/scale.py --database-url ... --steps 10000,100000
    .venv/bin/python benchmarks/scale.py --database-url ... --smoke   # 1,000 firms, 3 requests a page

Databases ``<name>_tpl`` and ``<name>_s<firms>`` are created and dropped (``--keep`` keeps the
last step's). Exit status 1 when a figure is wrong (a dashboard's figures, the postings'
count or sum after partitioning, a month's total that differs between the two layouts).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _http import Client, free_port  # noqa: E402
from dashboards import expected_figures, measure, testid  # noqa: E402  (the same page check as dashboards.py)
from rescore import insert_select  # noqa: E402

PASSWORD = "Bench-scale-2026!"  # noqa: S105 (a scratch database of the benchmark)
REGION = "339905"
CLUSTER_NAME = "基准产业集群（规模）"
CHUNK = 10_000
PAGES = {
    "login page (floor)": ("/accounts/login/", None),
    "finance dashboard /finance/": ("/finance/", "finance"),
    "government console /gov/": ("/gov/", "government"),
    "institution home /institution/": ("/institution/", "institution"),
}


def admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def with_name(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


def psql_admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        for s in statements:
            conn.execute(s)


def machine() -> str:
    import psycopg

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in meminfo if line.startswith("MemTotal")), 0)
    with psycopg.connect(admin_url(os.environ["DATABASE_URL"])) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        settings = ", ".join(f"{name} {conn.execute(f'SHOW {name}').fetchone()[0]}"
                             for name in ("shared_buffers", "max_wal_size", "work_mem", "autovacuum"))
    return (f"{os.cpu_count()} cores, {mem} GiB RAM, Python {platform.python_version()}, PostgreSQL {pg} "
            f"({settings}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


def load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def sql(query: str, params=None):
    from django.db import connection

    with connection.cursor() as c:
        c.execute(query, params or {})
        return c.fetchall() if c.description else c.rowcount


def timed(label: str, fn, results: dict, key: str):
    started = time.monotonic()
    value = fn()
    seconds = time.monotonic() - started
    results[key] = seconds
    print(f"  {label}: {seconds:.2f} s ({load()})", flush=True)
    return value


def setup_world() -> dict:
    """Cluster, finance company, government, bank, the three users, the scorecard (services)."""
    from agents.services import agent_create, cluster_create, cluster_join, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from clusterfinance.rating.services import scorecard_default_ensure

    cluster = cluster_create(name=CLUSTER_NAME, region_code=REGION, region="基准县", core_industry="C33",
                             finance_company_name="基准规模金融有限公司",
                             finance_company_credit_code=make_uscc(division=REGION, serial=97_000_001))
    fc = cluster.finance_company
    gov = agent_create(kind="government", name="基准规模县人民政府", region_code=REGION, region="基准县",
                       credit_code=make_uscc(division=REGION, serial=97_000_002))
    bank = agent_create(kind="institution", name="基准规模农商银行", region_code=REGION, region="基准县",
                        credit_code=make_uscc(division=REGION, serial=97_000_003), size_class="small")
    cluster_join(cluster=cluster, agent=bank)
    users = {}
    for role, who, key in (("fc_manager", fc, "finance"), ("gov_supervisor", gov, "government"),
                           ("inst_officer", bank, "institution")):
        user = user_get_or_create(email=f"bench-scale-{key}@example.cn", password=PASSWORD)
        membership_create(user=user, agent=who, role=role)
        users[key] = user.email
    version = scorecard_default_ensure(finance_company=fc)
    return {"cluster": cluster, "fc": fc, "bank": bank, "gov": gov, "users": users, "version": version}


def generate(firms: int, world: dict, as_of) -> dict:
    """The step's firms, loans, instalments, records, ratings, accounts, entries, postings, events."""
    from django.db import transaction

    from agents.models import Agent, ClusterMembership
    from clusterfinance.rating.models import Rating
    from infocenter.models import Event, FirmRecord
    from lending.ledger.models import Account, JournalEntry
    from lending.models import Loan
    from portals.enterprises.models import EnterpriseProfile

    fc, bank, gov = world["fc"].pk, world["bank"].pk, world["gov"].pk
    timings = {}
    entries = firms * 25 // 2

    def step(label, fn):
        started = time.monotonic()
        fn()
        timings[label] = time.monotonic() - started
        print(f"  generated {label} in {timings[label]:.1f} s", flush=True)

    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")  # no triggers while generating history
        firms_src = "FROM agents_agent a WHERE a.kind = 'enterprise' AND a.credit_code LIKE 'SC%%'"

        def agents():
            from django.db import connection
            c = connection.cursor()
            insert_select(c, Agent, {
                "kind": "'enterprise'", "name": "'规模企业' || g || '有限公司'", "region_code": f"'{REGION}'",
                "region": "'基准县'", "credit_code": "'SC' || lpad(g::text, 16, '0')",
                "industry_code": "(ARRAY['C33','C3311','C34','C38','C17','C29','F51','G54'])[1 + g %% 8]",
                "size_class": "'small'", "status": "'active'",
                "current_grade": "(ARRAY['AAA','AA','A','BBB','BBB','BB','BB','B','CCC','BB'])[1 + g %% 10]",
                "approved_at": "now()"}, "FROM generate_series(1::bigint, %(n)s::bigint) AS g", {"n": firms})
            insert_select(c, ClusterMembership, {"cluster_id": str(world["cluster"].pk), "agent_id": "a.id",
                                                 "joined_on": "date '2020-01-01' + (a.id %% 1500)::int",
                                                 "status": "'active'", "member_no": "'S' || a.id"}, firms_src)
            insert_select(c, EnterpriseProfile, {
                "agent_id": "a.id", "legal_representative": "'张三'", "founded_on": "date '2010-01-01'",
                "employees": "20 + a.id %% 200", "registered_capital": "1000000", "annual_revenue": "10000000",
                "supply_chain_position": "(ARRAY['raw_materials','components','assembly','distribution',"
                                         "'services'])[1 + a.id %% 5]"}, firms_src)
            common = {"agent_id": "a.id", "period": "'2025'", "period_type": "'year'",
                      "period_start": "date '2025-01-01'", "period_end": "date '2025-12-31'",
                      "source": "'api'", "supplied_by_id": str(gov)}
            insert_select(c, FirmRecord, {**common, "kind": "'statement'",
                                          "revenue": "5000000 + (a.id %% 97) * 100000",
                                          "net_profit": "((a.id %% 21) - 4) * 50000", "total_assets": "8000000",
                                          "total_liabilities": "round(8000000 * (0.2 + (a.id %% 80) / 100.0), 2)"},
                          firms_src)
            insert_select(c, FirmRecord, {**common, "kind": "'tax'", "tax_paid": "200000",
                                          "tax_arrears": "CASE WHEN a.id %% 40 = 0 THEN 30000 ELSE 0 END"}, firms_src)
            insert_select(c, Rating, {
                "agent_id": "a.id", "finance_company_id": str(fc), "version_id": str(world["version"].pk),
                "score": "500 + a.id %% 300", "grade": "CASE WHEN a.current_grade = '' THEN 'BB' ELSE a.current_grade END",
                "pd": "0.02", "reasons": "'[]'::jsonb", "is_current": "true", "rated_at": "now() - interval '1 day'",
                "trigger": "'nightly'"}, firms_src)

        def loans():
            from django.db import connection
            c = connection.cursor()
            insert_select(c, Loan, {
                "contract_no": "'SC-' || a.id", "lender_id": f"CASE WHEN a.id %% 5 < 3 THEN {fc} ELSE {bank} END",
                "borrower_id": "a.id", "principal": "100000 + (a.id %% 90) * 10000",
                "annual_rate": "0.06 + (a.id %% 7) * 0.005", "penalty_rate": "0.09", "periods": "10",
                "method": "'equal_principal'", "frequency": "'monthly'", "instalment_multiple": "'0.01'",
                "status": "'active'", "disbursed_on": "%(as_of)s::date - (30 + (a.id * 7919) %% 300)::int",
                "bucket": "'current'", "loan_class": "'normal'", "disbursement_key": "'bench-' || a.id"},
                firms_src, {"as_of": as_of})
            c.execute("""INSERT INTO lending_instalment (loan_id, period, period_start, due_date, accrual_periods,
                    principal_due, interest_due, principal_paid, interest_paid, penalty_accrued, penalty_paid, status,
                    paid_on, schedule_version)
                SELECT l.id, k, (l.disbursed_on + make_interval(months => k - 1))::date, s.due, 1, s.p, s.i,
                       CASE WHEN s.paid THEN s.p ELSE 0 END, CASE WHEN s.paid THEN s.i ELSE 0 END, 0, 0,
                       CASE WHEN s.paid THEN 'paid' ELSE 'pending' END, CASE WHEN s.paid THEN s.due END, 1
                  FROM lending_loan l CROSS JOIN generate_series(1, 10) AS k
                  CROSS JOIN LATERAL (SELECT (l.disbursed_on + make_interval(months => k))::date AS due,
                      CASE WHEN k < 10 THEN round(l.principal / 10, 2)
                           ELSE l.principal - round(l.principal / 10, 2) * 9 END AS p,
                      round(l.principal * l.annual_rate / 12 * (11 - k) / 10, 2) AS i) AS s0
                  CROSS JOIN LATERAL (SELECT s0.due, s0.p, s0.i, s0.due < %(as_of)s::date
                      AND (l.borrower_id %% 100 >= 15 OR k < 1 + (l.id * 37) %% 10) AS paid) AS s""",
                      {"as_of": as_of})
            c.execute("""UPDATE lending_loan l SET principal_outstanding = s.unpaid, maturity_date = s.maturity,
                       delinquency_as_of = s.start
                      FROM (SELECT loan_id, SUM(principal_due - principal_paid) AS unpaid, MAX(due_date) AS maturity,
                                   MIN(period_start) AS start FROM lending_instalment GROUP BY loan_id) s
                     WHERE s.loan_id = l.id""")

        def ledger():
            from django.db import connection
            c = connection.cursor()
            for lender in (fc, bank):
                insert_select(c, Account, {"agent_id": str(lender), "purpose": "'cash'", "type": "'asset'",
                                           "currency": "'CNY'"}, "FROM (SELECT 1) AS one")
            insert_select(c, Account, {"agent_id": "a.id", "purpose": "'cash'", "type": "'asset'",
                                       "currency": "'CNY'"}, firms_src)
            insert_select(c, Account, {"agent_id": "l.lender_id", "purpose": "'loans_receivable'", "type": "'asset'",
                                       "currency": "'CNY'", "loan_id": "l.id"}, "FROM lending_loan l")
            insert_select(c, Account, {"agent_id": "l.borrower_id", "purpose": "'borrowings'",
                                       "type": "'liability'", "currency": "'CNY'", "loan_id": "l.id"},
                          "FROM lending_loan l")
            c.execute("""CREATE TEMP TABLE scale_firm ON COMMIT DROP AS
                SELECT (row_number() OVER (ORDER BY l.id) - 1)::int AS n, l.id AS loan_id,
                       r.id AS receivable, b.id AS borrowing, fcash.id AS firm_cash, lcash.id AS lender_cash
                  FROM lending_loan l
                  JOIN lending_account r ON r.loan_id = l.id AND r.purpose = 'loans_receivable'
                  JOIN lending_account b ON b.loan_id = l.id AND b.purpose = 'borrowings'
                  JOIN lending_account fcash ON fcash.agent_id = l.borrower_id AND fcash.purpose = 'cash'
                  JOIN lending_account lcash ON lcash.agent_id = l.lender_id AND lcash.purpose = 'cash'
                                             AND lcash.loan_id IS NULL""")
            c.execute("CREATE UNIQUE INDEX ON scale_firm (n)")
            c.execute("CREATE UNIQUE INDEX ON scale_firm (loan_id)")
            c.execute("ANALYZE scale_firm")
            insert_select(c, JournalEntry, {
                "idempotency_key": "'scale-' || g", "fingerprint": "'x'", "kind": "'repayment'",
                "effective_date": "(now() - make_interval(days => ((g * 7919) %% 730)::int))::date",
                "loan_id": "f.loan_id", "memo": "'scale'",
                "created_at": "now() - make_interval(days => ((g * 7919) %% 730)::int)"},
                "FROM generate_series(0::bigint, %(e)s::bigint - 1) AS g JOIN scale_firm f ON f.n = g %% %(f)s",
                {"e": entries, "f": firms})
            c.execute("""INSERT INTO lending_posting (entry_id, account_id, amount)
                SELECT e.id, CASE leg WHEN 1 THEN f.lender_cash WHEN 2 THEN f.receivable WHEN 3 THEN f.borrowing
                                      ELSE f.firm_cash END,
                       CASE WHEN leg %% 2 = 1 THEN 1 ELSE -1 END * (100 + (e.id %% 90000) / 100.0)
                  FROM lending_journalentry e JOIN scale_firm f ON f.loan_id = e.loan_id
                  CROSS JOIN generate_series(1, 4) AS leg WHERE e.idempotency_key LIKE 'scale-%%'""", {})
            c.execute("""UPDATE lending_account a SET balance = s.total
                  FROM (SELECT account_id, sum(amount) AS total FROM lending_posting GROUP BY account_id) s
                 WHERE s.account_id = a.id""")

        def events():
            from django.db import connection
            c = connection.cursor()
            insert_select(c, Event, {
                "kind": "'report.filed'", "subject_agent_id": "a.id", "payload": "'{}'::jsonb",
                "created_at": "now() - make_interval(days => ((a.id * 31 + k * 7919) %% 730)::int)",
                "dispatched_at": "now() - make_interval(days => ((a.id * 31 + k * 7919) %% 730)::int)",
                "attempts": "1"}, firms_src.replace("FROM agents_agent a", "FROM agents_agent a "
                                                    "CROSS JOIN generate_series(1, 5) AS k"))

        step("firms, memberships, profiles, records, ratings", agents)
        step("loans and instalments", loans)
        step("accounts, entries, postings", ledger)
        step("events", events)
    started = time.monotonic()
    sql("VACUUM ANALYZE")
    timings["vacuum analyze"] = time.monotonic() - started
    counts = dict(zip(("firms", "instalments", "ratings", "entries", "postings", "events"), sql(
        "SELECT (SELECT count(*) FROM agents_agent WHERE kind = 'enterprise'), (SELECT count(*) FROM lending_instalment),"
        " (SELECT count(*) FROM clusterfinance_rating), (SELECT count(*) FROM lending_journalentry),"
        " (SELECT count(*) FROM lending_posting), (SELECT count(*) FROM infocenter_event)")[0], strict=True))
    print("  " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" (generated in {sum(timings.values()):.0f} s)",
          flush=True)
    return counts


def ledger_probes(month_start, month_end, account_id, partitioned: bool) -> dict:
    """One month's postings by account purpose (the monthly trial balance) and one account's
    statement: before partitioning through the entries' dates, after through the partition key."""
    if partitioned:
        month = ("SELECT a.purpose, count(*), sum(p.amount) FROM lending_posting p JOIN lending_account a "
                 "ON a.id = p.account_id WHERE p.posted_at >= %(s)s AND p.posted_at < %(e)s GROUP BY 1 ORDER BY 1")
    else:
        month = ("SELECT a.purpose, count(*), sum(p.amount) FROM lending_posting p JOIN lending_journalentry j "
                 "ON j.id = p.entry_id JOIN lending_account a ON a.id = p.account_id "
                 "WHERE j.created_at >= %(s)s AND j.created_at < %(e)s GROUP BY 1 ORDER BY 1")
    out = {}
    started = time.monotonic()
    out["month rows"] = sql(month, {"s": month_start, "e": month_end})
    out["month"] = time.monotonic() - started
    started = time.monotonic()
    out["statement rows"] = sql("SELECT p.id, p.amount, j.effective_date FROM lending_posting p JOIN "
                                "lending_journalentry j ON j.id = p.entry_id WHERE p.account_id = %(a)s "
                                "ORDER BY p.id DESC LIMIT 50", {"a": account_id})
    out["statement"] = time.monotonic() - started
    return out


def post_entries(world, n: int, tag: str) -> float:
    """``n`` entries through the ledger's service, each in its own transaction (commit included)."""
    from datetime import date

    from lending.ledger.services import capital_contribute

    started = time.monotonic()
    for i in range(n):
        capital_contribute(agent=world["fc"], amount=f"{1 + i % 50}.01", on=date(2026, 1, 1),
                           idempotency_key=f"scale-{tag}-{i}")
    return time.monotonic() - started


def pages(args, env: dict, users: dict, results: dict) -> bool:
    from django.db import connection

    expected = expected_figures(CLUSTER_NAME)
    connection.close()
    port = free_port()
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "platform4a1c.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--timeout", "600", "--log-level", "warning"], cwd=ROOT, env=env)
    ok = True
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        clients = {None: Client(port)}
        for role in ("finance", "government", "institution"):
            clients[role] = Client(port)
            clients[role].login(users[role], PASSWORD)
        status, page, _ = clients["finance"].request("GET", "/finance/")
        shown = {"count": testid(page, "fig-count"), "par30": testid(page, "fig-par30"), "npl": testid(page, "fig-npl")}
        want = {"count": str(expected["count"]), "par30": expected["par30"], "npl": expected["npl"]}
        if status != 200 or shown != want:
            print(f"  WRONG /finance/: HTTP {status}, shows {shown}, the loans table gives {want}")
            ok = False
        for label, (path, role) in PAGES.items():
            p50, p95, problem = measure(clients[role], path, args.requests)
            results[f"p95 {label}"] = p95 / 1000
            results[f"p50 {label}"] = p50 / 1000
            print(f"  {label}: p50 {p50:,.0f} ms, p95 {p95:,.0f} ms {problem} ({load()})", flush=True)
            ok = ok and not problem
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)
    return ok


def run_step(args, env: dict, firms: int, template: str) -> tuple[dict, bool]:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from agents.models import Agent
    from clusterfinance.rating.services import ratings_rescore
    from lending.services import delinquency_run
    from platform4a1c.partitioning import SPECS, convert

    name = f"{urlparse(args.database_url).path.lstrip('/')}_s{firms}"
    connection.close()
    psql_admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
               f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    connection.settings_dict["NAME"] = name
    env = {**env, "DATABASE_URL": with_name(args.database_url, name)}
    print(f"\n== step: {firms:,} firms (database {name}; {load()})", flush=True)
    results, ok = {}, True

    def finish(results, ok):
        connection.close()
        if not args.keep:
            psql_admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return results, ok

    as_of = timezone.localdate()
    world = setup_world()
    counts = generate(firms, world, as_of)
    results.update({f"rows {k}": v for k, v in counts.items()})

    def per_statement(report):
        return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.seconds.items())

    report = timed("nightly delinquency run, first night", lambda: delinquency_run(as_of=as_of), results,
                   "nightly, first night")
    print(f"    {report.newly_overdue:,} instalments newly overdue, {report.penalty_accruals:,} penalty accruals, "
          f"{report.moves:,} bucket moves; {per_statement(report)}", flush=True)
    # the day between two nights: autovacuum clears the first night's old row versions (a server
    # without autovacuum leaves them to the next night's statements to prune)
    sql("VACUUM lending_instalment, lending_loan")
    report = timed("nightly delinquency run, next night", lambda: delinquency_run(as_of=as_of + timedelta(days=1)),
                   results, "nightly, next night")
    print(f"    {report.newly_overdue:,} instalments newly overdue, {report.penalty_accruals:,} penalty accruals; "
          f"{per_statement(report)}", flush=True)
    if args.only == "nightly":
        return finish(results, ok)

    # what the beat does every minute: the stored summaries of the large scopes (all of them here)
    from infocenter.summaries import summaries_refresh

    refresh = timed("stored summaries refresh (every large scope, forced)", lambda: summaries_refresh(force=True),
                    results, "summaries refresh")
    print(f"    {refresh.computed} summaries computed", flush=True)

    ok = pages(args, env, world["users"], results) and ok

    # the ledger before and after monthly partitions
    month_end = as_of.replace(day=1)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    from datetime import datetime
    bounds = [datetime.combine(d, datetime.min.time(), tzinfo=tz) for d in (month_start, month_end)]
    account = sql("SELECT id FROM lending_account WHERE purpose = 'cash' AND loan_id IS NULL ORDER BY id LIMIT 1 "
                  "OFFSET 2")[0][0]
    before = ledger_probes(*bounds, account, partitioned=False)
    results["ledger: one month's postings"] = before["month"]
    results["ledger: one account's statement"] = before["statement"]
    results["ledger: entries posted"] = post_entries(world, args.entries, "before")
    totals = sql("SELECT count(*), coalesce(sum(amount), 0) FROM lending_posting")[0]
    events = sql("SELECT count(*) FROM infocenter_event")[0][0]
    for table in ("lending_posting", "infocenter_event"):
        rep = convert(SPECS[table], ahead=3)
        results[f"partition {table}"] = rep.seconds
        print(f"  converted {table}: {rep.rows:,} rows into {len(rep.partitions)} partitions in {rep.seconds:.1f} s "
              f"({load()})", flush=True)
    sql("ANALYZE lending_posting")
    after = ledger_probes(*bounds, account, partitioned=True)
    results["ledger (partitioned): one month's postings"] = after["month"]
    results["ledger (partitioned): one account's statement"] = after["statement"]
    results["ledger (partitioned): entries posted"] = post_entries(world, args.entries, "after")
    for k in ("month", "statement"):
        print(f"  ledger probe {k}: {before[k] * 1000:,.0f} ms → partitioned {after[k] * 1000:,.0f} ms")
    print(f"  {args.entries} entries posted: {results['ledger: entries posted']:.2f} s → partitioned "
          f"{results['ledger (partitioned): entries posted']:.2f} s", flush=True)
    if sql("SELECT count(*), coalesce(sum(amount), 0) FROM lending_posting")[0] != (totals[0] + 2 * args.entries,
                                                                                    totals[1]):
        print("  WRONG: the postings' count or sum changed in the conversion")
        ok = False
    if sql("SELECT count(*) FROM infocenter_event")[0][0] != events:
        print("  WRONG: the events' count changed in the conversion")
        ok = False
    # the month's trial balance, counted without the entries posted today, is the same both ways
    if before["month rows"] != after["month rows"]:
        print(f"  WRONG: one month's postings differ: {before['month rows']} vs {after['month rows']}")
        ok = False
    if before["statement rows"] != after["statement rows"]:
        print("  WRONG: one account's statement differs after the conversion")
        ok = False
    # the re-score last: the longest batch job (pages and the ledger do not depend on it)
    # The generated ratings' grades are arbitrary, so a first re-score changes almost every grade;
    # each change is published to the centre one firm at a time (a publication and an event per
    # firm), which is not what a night costs. So: a first rating of everyone without publishing,
    # then the measured nightly run (forced: every rating written again, the grades unchanged).
    def rescore_first():
        with transaction.atomic():
            return ratings_rescore(agent_ids=None, trigger="nightly", publish=False)
    timed("first rating of everyone (not published)", rescore_first, results, "first rating (unpublished)")

    def rescore_all():
        with transaction.atomic():
            return ratings_rescore(agent_ids=None, trigger="nightly", force=True)
    written = timed("full re-score (nightly, forced)", rescore_all, results, "full re-score")
    print(f"    {len(written):,} ratings written", flush=True)
    chunk = list(Agent.objects.filter(kind="enterprise", credit_code__startswith="SC").order_by("pk")
                 .values_list("pk", flat=True)[:CHUNK])

    def rescore_chunk():
        with transaction.atomic():
            return ratings_rescore(agent_ids=chunk, trigger="nightly", force=True)
    timed(f"re-score of one chunk of {len(chunk):,} firms", rescore_chunk, results, "re-score, one chunk")
    if len(written) != firms:
        print(f"  WRONG: the full re-score wrote {len(written):,} ratings for {firms:,} firms")
        ok = False

    return finish(results, ok)


BATCH = ("nightly, first night", "nightly, next night", "summaries refresh", "first rating (unpublished)", "full re-score",
         "re-score, one chunk",
         "partition lending_posting", "partition infocenter_event")
PAGE_KEYS = tuple(f"p95 {label}" for label in PAGES)
LEDGER = ("ledger: one month's postings", "ledger (partitioned): one month's postings",
          "ledger: one account's statement", "ledger (partitioned): one account's statement",
          "ledger: entries posted", "ledger (partitioned): entries posted")


def table(steps: list[int], all_results: dict) -> None:
    def fmt(v):
        return f"{v * 1000:,.0f} ms" if v < 10 else f"{v:,.1f} s"

    head = ["cost"] + [f"{s:,} firms" for s in steps] + [f"× per 10× ({steps[i]:,}→{steps[i + 1]:,})"
                                                          for i in range(len(steps) - 1)] + ["verdict"]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for key in (*BATCH, *PAGE_KEYS, *LEDGER):
        values = [all_results[s].get(key) for s in steps]
        if any(v is None for v in values):
            continue
        growth = [values[i + 1] / values[i] * 10 / (steps[i + 1] / steps[i]) if values[i] else float("nan")
                  for i in range(len(steps) - 1)]
        if not growth:
            verdict = "–"
        elif key in PAGE_KEYS and "floor" not in key:
            verdict = "flat" if max(growth) <= 2 else "GROWS with the data"
        elif key in BATCH:
            verdict = "≤ linear" if max(growth) <= 13 else "WORSE than linear"
        else:
            verdict = ""
        print("| " + " | ".join([key] + [fmt(v) for v in values] + [f"{g:.1f}×" for g in growth] + [verdict]) + " |")
    print("| rows: " + " / ".join(f"{all_results[s].get('rows postings', 0):,} postings" for s in steps) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--steps", default="10000,100000,1000000", help="firms per step, comma-separated")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page (5 from 1,000,000 firms)")
    parser.add_argument("--entries", type=int, default=200, help="entries posted through the service per probe")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the Dockerfile's 3)")
    parser.add_argument("--keep", action="store_true", help="keep the template and the step databases")
    parser.add_argument("--smoke", action="store_true", help="one tiny step (1,000 firms, 3 requests a page)")
    parser.add_argument("--only", choices=["nightly"], default=None,
                        help="measure only the nightly delinquency run (after generating the data)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("needs --database-url postgres://... (or DATABASE_URL)")
    steps = [int(s.replace("_", "")) for s in args.steps.split(",") if s.strip()]
    if args.smoke:
        steps, args.requests, args.entries = [1000], 3, 20
    args.database_url = args.database_url.replace("postgresql://", "postgres://", 1)
    base = urlparse(args.database_url).path.lstrip("/")
    template = f"{base}_tpl"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    redis, redis_url = None, os.environ.get("REDIS_URL", "")
    if not redis_url:
        if not shutil.which("redis-server"):
            print("no REDIS_URL and no redis-server on the PATH: the production settings need a Redis; skipped")
            return 0
        redis_port = free_port()
        redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
                                  "--appendonly", "no"], stdout=subprocess.DEVNULL)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    (tmp / "bench_scale_settings.py").write_text(
        "from platform4a1c.settings.production import *  # noqa: F401,F403\n"
        "from platform4a1c.settings.production import STORAGES\n"
        'STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}\n')
    (tmp / "static").mkdir()
    env = {**os.environ, "DATABASE_URL": with_name(args.database_url, template),
           "DJANGO_SETTINGS_MODULE": "bench_scale_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "DJANGO_SECRET_KEY": "bench-scale-" + os.urandom(24).hex(), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
           "REDIS_URL": redis_url, "DJANGO_STATIC_ROOT": str(tmp / "static"), "DJANGO_MEDIA_ROOT": str(tmp / "media"),
           "PLATFORM_VAR_DIR": str(tmp), "DJANGO_LOG_LEVEL": "WARNING", "PLATFORM_REQUIRE_MFA": "false",
           "ACCOUNT_EMAIL_VERIFICATION": "none", "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    try:
        os.environ.update(env)
        sys.path.insert(0, str(tmp))
        print(f"machine: {machine()}; {load()}", flush=True)
        import psycopg

        with psycopg.connect(admin_url(args.database_url), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone():
                conn.execute(f'CREATE DATABASE "{template}"')  # kept by --keep: migrate is then quick
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        connection.close()
        print(f"template {template} migrated in {time.monotonic() - started:.0f} s", flush=True)
        all_results, ok = {}, True
        requests = args.requests
        for firms in steps:
            args.requests = requests if firms < 1_000_000 else min(requests, 5)
            all_results[firms], step_ok = run_step(args, env, firms, template)
            ok = ok and step_ok
        table(steps, all_results)
        print(f"\nRESULT steps={','.join(map(str, steps))} {'OK' if ok else 'WRONG'} ({load()})")
        return 0 if ok else 1
    finally:
        try:
            if not args.keep:
                psql_admin(args.database_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001 - report, keep the real error
            print(f"could not drop {template}: {exc}")
        if redis:
            redis.terminate()
            redis.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
