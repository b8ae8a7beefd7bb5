#!/usr/bin/env python
"""Benchmark: the feedback loop's latency with a live worker, from a report's commit to the
firm's new rating. Goal: p95 ≤ 2 s over 1,000 events under a background load of repayments (the
first version's goal: p95 ≤ 5 s over 200 events on an idle loop).

Each event is a bank officer filing a late-payment report about a rated member firm
(``infocenter.services.reports.report_file``), one after the other: its commit kicks the outbox
dispatcher on the broker (``transaction.on_commit`` → ``infocenter.tasks.events_dispatch``), a
real Celery worker (``celery -A platform4a1c worker``, solo pool, concurrency 1, on Redis)
delivers ``report.filed``, whose ``rescore.requested`` enqueues
``clusterfinance.rating.tasks.ratings_rescore_agents``, and the worker writes the firm's new
rating. As docker-compose.yml runs them (``--workers per-loop``, the default), one worker
listens to the loop's queue (``events``) and a second to the batch queues, where the re-scores
the background's repayments ask for go (``ratings_rescore_agents_routine``); ``--workers one``
runs a single worker on every queue (the demo's set-up). The latency is from the commit of the report to the moment the new rating row is
committed and visible (polled every 10 ms from this process). Each report is about another firm
and the next one is filed when the previous one's rating has arrived (the latency of one event
on an idle loop, not of a queue under load).

The floor, in the same run and on the same data: ``ratings_rescore`` called directly in this
process for one firm (features read, scored, rating written), and the whole chain run in this
process without a broker (report filed, events dispatched, firm re-scored), each the median
of ``--floor-runs`` firms.

    .venv/bin/python benchmarks/loop_latency.py --database-url postgres://postgres@127.0.0.1:5432/bench_loop
    .venv/bin/python benchmarks/loop_latency.py --database-url ... --events 200 --background-repayments 0   # idle loop
    .venv/bin/python benchmarks/loop_latency.py --database-url ... --smoke   # 5 events: does it still run?

**Background load** (``--background-repayments N``, default 2): before the first event, the
repayment benchmark's set-up (``benchmarks/_repayment_load.py``) builds ``--background-loans``
loans of 8 lenders to ``--background-firms`` borrowing firms outside the measured cluster and
disburses them through ``loan_disburse`` (their ``loan.disbursed`` events are then marked
delivered: the set-up is not what is measured); during the whole measurement N client processes
keep calling ``repayment_record`` on random loans, their Celery tasks going to the same Redis
broker and worker (as in production). Every repayment writes a ``loan.repaid`` outbox event that
the worker's dispatcher delivers with the reports' events, and asks for a re-score of its borrower
(a firm outside the cluster: the request reaches the rating, which finds no member to rate). The
script prints the repayments per second the clients achieved and checks afterwards that no cent
was lost (what the clients sent equals the repayments stored, and ``ledger_verify``).

The broker is the Redis in REDIS_URL (database 7 of it, emptied first) or, without REDIS_URL, a
``redis-server`` of its own on a free port. Exits non-zero when a rating never arrives (within
``--timeout`` seconds of its report), and, outside ``--smoke``, when the goal is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _repayment_load as load  # noqa: E402  (after the path is set)

GOAL_P95 = 2.0
REPORTS_PER_REPORTER = 20  # the centre's daily limit per reporting organisation


def recreate_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def build(n_firms: int) -> dict:
    """A cluster with its finance company, ``n_firms`` member firms with two years of good
    statements and government records, enough banks (each with an officer) to file one report
    about each firm within the daily limits, and everyone's first rating."""
    from agents.choices import AgentKind, Role
    from agents.models import Cluster, ClusterMembership
    from agents.services import agent_create, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from clusterfinance.rating.services import ratings_rescore
    from infocenter.models import FirmRecord
    from infocenter.services.events import events_dispatch

    serial = iter(range(70_000_000, 79_999_999))

    def agent(kind, name):
        return agent_create(kind=kind, name=name, region_code="330784", region="永康市",
                            credit_code=make_uscc(division="330784", serial=next(serial)))

    fc = agent(AgentKind.FINANCE_COMPANY, "闭环基准财务公司")
    gov = agent(AgentKind.GOVERNMENT, "闭环基准政府")
    cluster = Cluster.objects.create(name="闭环基准集群", region_code="330784", region="永康市", core_industry="C33",
                                     finance_company=fc)
    firms = [agent(AgentKind.ENTERPRISE, f"闭环基准企业{i:03d}") for i in range(n_firms)]
    banks, officers = [], []
    for i in range(-(-n_firms // REPORTS_PER_REPORTER)):
        bank = agent(AgentKind.INSTITUTION, f"闭环基准银行{i}")
        ClusterMembership.objects.create(cluster=cluster, agent=bank, joined_on=date(2020, 1, 1))
        user = user_get_or_create(email=f"officer{i}@loop.bench.4a1c.cn")
        membership_create(user=user, agent=bank, role=Role.INST_OFFICER)
        banks.append(bank)
        officers.append(user)
    ClusterMembership.objects.bulk_create([ClusterMembership(cluster=cluster, agent=f, joined_on=date(2020, 1, 1))
                                           for f in firms])
    records = []
    for f in firms:
        for year, revenue, tax, heads in ((2024, "9000000", "280000", 48), (2025, "10000000", "300000", 50)):
            period = {"agent": f, "period": str(year), "period_type": "year", "period_start": date(year, 1, 1),
                      "period_end": date(year, 12, 31), "source": "api", "supplied_by": gov}
            records += [
                FirmRecord(kind="statement", revenue=Decimal(revenue), net_profit=Decimal("800000"),
                           total_assets=Decimal("8000000"), total_liabilities=Decimal("4000000"), **period),
                FirmRecord(kind="tax", tax_paid=Decimal(tax), tax_arrears=Decimal("0"), **period),
                FirmRecord(kind="social_insurance", insured_headcount=heads, contributions_paid=Decimal("100000"),
                           contribution_arrears=Decimal("0"), **period)]
    FirmRecord.objects.bulk_create(records, batch_size=2000)
    ratings_rescore(agent_ids=[f.pk for f in firms])
    while events_dispatch():  # the setup's own events, before anything is measured
        pass
    return {"fc": fc, "firms": firms, "banks": banks, "officers": officers}


def file_report(world: dict, firm):
    """The next report (about ``firm``), filed by the bank whose turn it is; returns the
    monotonic time of its commit (taken by the first on_commit callback, before the kick)."""
    from django.db import transaction

    from infocenter.services.reports import report_file

    committed = []
    i = world["filed"] = world.get("filed", -1) + 1
    bank = world["banks"][i // REPORTS_PER_REPORTER]
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        report_file(reporter=bank, subject=firm, author=world["officers"][i // REPORTS_PER_REPORTER],
                    category="late_payment", title=f"第 {i + 1} 笔还款逾期", evidence="逾期 30 天，已催收",
                    report_type="negative")
    return committed[0]


def new_rating_since(firm_id: int, current_id: int):
    from clusterfinance.rating.models import Rating

    return (Rating.objects.filter(agent_id=firm_id, is_current=True).exclude(pk=current_id)
            .values_list("pk", "rated_at").first())


def floor_costs(world: dict, firms: list, runs: int) -> dict:
    """The same work without the broker, in this process: one firm re-scored by the service
    (forced, so a rating is written), and the whole chain (report filed, its events dispatched,
    the firm re-scored) with eager Celery."""
    from clusterfinance.rating.models import Rating
    from clusterfinance.rating.services import ratings_rescore
    from platform4a1c.celery import app

    service, chain = [], []
    for firm in firms[:runs]:
        started = time.monotonic()
        ratings_rescore(agent_ids=[firm.pk], force=True)
        service.append(time.monotonic() - started)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        for firm in firms[runs:2 * runs]:
            current = Rating.objects.get(agent=firm, is_current=True).pk
            started = time.monotonic()
            file_report(world, firm)  # its kick dispatches and re-scores inline
            if new_rating_since(firm.pk, current) is None:
                raise RuntimeError(f"the in-process chain wrote no rating for firm {firm.pk}")
            chain.append(time.monotonic() - started)
    finally:
        app.conf.task_always_eager = eager
    return {"service": statistics.median(service), "chain": statistics.median(chain)}


def background_build(args) -> dict:
    """The repayment benchmark's lenders, firms (outside the cluster) and loans, disbursed."""
    from django.db import connections

    from infocenter.models import Event

    started = time.monotonic()
    data = load.build(args.background_loans, args.background_firms, serial_start=80_000_000, prefix="LOOPBG")
    connections.close_all()
    disbursed, seconds = load.disburse_all(os.environ["DATABASE_URL"], data, max(args.background_repayments, 2))
    # the disbursements' outbox events belong to the set-up, not to the measured loop
    marked = Event.objects.filter(dispatched_at__isnull=True).update(dispatched_at=timezone_now())
    print(f"background: {disbursed} loans of {load.LENDERS} lenders to {args.background_firms} firms disbursed in "
          f"{time.monotonic() - started:.1f} s ({marked} set-up events marked delivered)", flush=True)
    return {"data": data}


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def background_start(background: dict, args, broker: str) -> None:
    """N clients repaying until ``background_stop``; their tasks go to the live worker's broker."""
    import multiprocessing as mp

    from django.db import connections

    connections.close_all()
    stop = mp.get_context("spawn").Event()
    clients = load.clients_start(os.environ["DATABASE_URL"], args.background_repayments,
                                 background["data"]["loan_ids"], None, key_prefix="loopbg", stop=stop, broker=broker)
    clients["go"]()
    background.update(stop=stop, clients=clients, stamp=clients["stamp"])
    print(f"background: {args.background_repayments} clients repaying through repayment_record", flush=True)


def background_stop(background: dict) -> None:
    background["stop"].set()
    background["results"] = background["clients"]["results"]()
    background["clients"] = None


def background_report(background: dict) -> bool:
    """The repayments per second the clients reached, and zero lost cents."""
    from decimal import Decimal as D

    results = background["results"]
    accepted = sum(r["accepted"] for r in results)
    refused = sum(r["refused"] for r in results)
    seconds = max(r["seconds"] for r in results)
    sent = sum((D(r["paid"]) for r in results), D("0"))
    check = load.money_check("loopbg", background["stamp"], sent)
    rate = accepted / seconds if seconds else 0.0
    print(f"background: {accepted} repayments accepted ({refused} refused as more than owed) in {seconds:.0f} s "
          f"by {len(results)} clients = {rate:.0f} repayments/s", flush=True)
    print(f"background money: clients sent {check['sent']:,.2f}, repayments stored {check['stored']:,.2f}, "
          f"difference {check['lost']:,.2f}; ledger_verify {'OK' if check['report'].ok else 'FAILED'} "
          f"(ledger total {check['report'].ledger_total})", flush=True)
    return check["ok"] and accepted > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a scratch PostgreSQL database (dropped and recreated)")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--background-repayments", type=int, default=2, metavar="N",
                        help="client processes posting repayments during the measurement (0: an idle loop)")
    parser.add_argument("--background-loans", type=int, default=10_000)
    parser.add_argument("--background-firms", type=int, default=1_000)
    parser.add_argument("--floor-runs", type=int, default=10, help="firms timed for each floor figure (median)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for one event's rating")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                        help="file no new report after this many seconds of measuring (a shared machine's time box;"
                             " the events measured are then fewer than --events, and the run says so)")
    parser.add_argument("--worker-log", type=Path, help="keep the Celery worker's log in this file")
    parser.add_argument("--workers", choices=["per-loop", "one"], default="per-loop",
                        help="per-loop (default): two workers as docker-compose.yml runs them, one on the loop's "
                             "queue (events), one on the batch queues; one: a single worker on every queue")
    parser.add_argument("--autovacuum", choices=["as-is", "on"], default="as-is",
                        help="as-is (default): the server's setting; on: switch PostgreSQL's autovacuum on for the "
                             "run if the server has it off (ALTER SYSTEM, reset afterwards), as a production "
                             "server runs it (PostgreSQL's default, the compose file's database)")
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny run (5 events; 1 background client repaying 40 loans for 2 s before them) "
                             "that only checks it works")
    args = parser.parse_args()
    if args.smoke:
        args.events, args.floor_runs = 5, 2
        args.background_repayments = min(args.background_repayments, 1)
        args.background_loans, args.background_firms = 40, 10
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("loop_latency needs PostgreSQL: --database-url postgres://...", file=sys.stderr)
        return 2
    url = args.database_url.replace("postgres://", "postgresql://", 1)

    redis_server = None
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        if not shutil.which("redis-server"):
            print("no REDIS_URL and no redis-server on the PATH: the live worker needs a Redis broker", file=sys.stderr)
            return 2
        port = free_port()
        redis_server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port),  # noqa: S603,S607
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        redis_url = f"redis://127.0.0.1:{port}/0"
        time.sleep(0.5)

    print(f"database {urlparse(url).path.lstrip('/')}: recreating and migrating …", flush=True)
    recreate_database(url)
    switched_on = args.autovacuum == "on" and autovacuum_switch(url, on=True)
    try:
        return measure(args, url, redis_url, redis_server)
    finally:
        if switched_on:
            autovacuum_switch(url, on=False)


def autovacuum_switch(url: str, *, on: bool) -> bool:
    """Switch the server's autovacuum on (True when it was off and now is on) or back to its
    configured value."""
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if on:
            if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
                return False
            conn.execute("ALTER SYSTEM SET autovacuum = on")
        else:
            conn.execute("ALTER SYSTEM RESET autovacuum")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        print(f"autovacuum switched {'on for this run' if on else 'back to the server setting'}: "
              f"now {conn.execute('SHOW autovacuum').fetchone()[0]}", flush=True)
    return True


def outbox_state() -> str:
    """The outbox table's dead rows, vacuums and the pending index's size (the queue's upkeep)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT n_live_tup, n_dead_tup, vacuum_count + autovacuum_count, pg_size_pretty("
                  "pg_relation_size('event_pending_idx')) FROM pg_stat_user_tables WHERE relname = 'infocenter_event'")
        live, dead, vacuums, pending = c.fetchone()
        c.execute("SHOW autovacuum")
        autovacuum = c.fetchone()[0]
    return (f"outbox: {live:,} live rows, {dead:,} dead, {vacuums} vacuums so far, pending index {pending} "
            f"(autovacuum {autovacuum})")


def measure(args, url: str, redis_url: str, redis_server) -> int:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform4a1c.settings.test"
    os.environ.setdefault("REDIS_URL", redis_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from clusterfinance.rating.models import Rating
    from platform4a1c import queues
    from tests.live_worker import Worker, broker_purge, broker_url, live_celery

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    n_floor = 2 * args.floor_runs
    world = build(args.events + n_floor)
    firms, floor_firms = world["firms"][:args.events], world["firms"][args.events:]
    print(f"built {len(world['firms'])} rated firms and {len(world['banks'])} banks in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    background = None
    if args.background_repayments:
        background = background_build(args)

    floor = floor_costs(world, floor_firms, args.floor_runs)
    print(f"floor (in process, median of {args.floor_runs}): rating service for one firm {floor['service'] * 1000:.0f} ms;"
          f" report → dispatch → re-score without a broker {floor['chain'] * 1000:.0f} ms", flush=True)

    broker = broker_url(redis_url)
    broker_purge(broker)
    latencies, missing = [], []
    with tempfile.TemporaryDirectory() as tmp:
        log = args.worker_log or Path(tmp) / "worker.log"
        if args.workers == "one":
            workers = [Worker(database_url=args.database_url, broker_url=broker, log_path=log, name="loop-latency")]
        else:  # docker-compose.yml's pair: the loop's queue has a worker of its own
            workers = [Worker(database_url=args.database_url, broker_url=broker, log_path=log, name="loop-events",
                              queues=queues.EVENTS),
                       Worker(database_url=args.database_url, broker_url=broker, log_path=log.with_suffix(".batch.log"),
                              name="loop-batch", queues=",".join((queues.RESCORE, queues.NIGHTLY, queues.DEFAULT)))]
        worker = workers[0]  # the one whose death fails an event
        with live_celery(broker):
            for w in workers:
                w.start()
            try:
                if background:
                    background_start(background, args, broker)
                    if args.smoke:  # the background's code runs, but briefly: a smoke run stays fast
                        time.sleep(2)
                        background_stop(background)
                print(outbox_state(), flush=True)
                measuring = time.monotonic()
                for i, firm in enumerate(firms):
                    if args.time_budget and time.monotonic() - measuring > args.time_budget:
                        print(f"  time budget of {args.time_budget:.0f} s spent after {i} of {args.events} events",
                              flush=True)
                        break
                    current = Rating.objects.get(agent=firm, is_current=True).pk
                    committed = file_report(world, firm)
                    deadline = committed + args.timeout
                    while True:
                        arrived = new_rating_since(firm.pk, current)
                        now = time.monotonic()
                        if arrived:
                            latencies.append(now - committed)
                            break
                        if now > deadline or worker.process.poll() is not None:
                            missing.append(firm.pk)
                            break
                        time.sleep(0.01)
                    if len(latencies) % 50 == 0 and arrived:
                        print(f"  {i + 1} events, last {latencies[-1] * 1000:.0f} ms", flush=True)
            finally:
                if background and background.get("clients"):
                    background_stop(background)
                code = [w.stop() for w in workers][0]
        if missing:
            print(f"worker log (exit {code}):\n{worker.log()[-3000:]}", file=sys.stderr)
    money_ok = True
    if background and background.get("results"):
        money_ok = background_report(background)
    print(outbox_state(), flush=True)
    connection.close()
    if not args.keep:
        drop_database(url)
    if redis_server:
        redis_server.terminate()
        redis_server.wait(10)

    if latencies:
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print(f"report committed → rating visible, {len(latencies)} events: p50 {p50 * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
              f"({p50 / floor['service']:.1f}× the rating service's {floor['service'] * 1000:.0f} ms at p50)")
        tenth = max(len(latencies) // 10, 1)
        print("p95 by tenth of the run (ms): " + ", ".join(
            f"{percentile(latencies[k:k + tenth], 0.95) * 1000:.0f}" for k in range(0, len(latencies), tenth)))
    if missing:
        print(f"FAILED: no new rating within {args.timeout:.0f} s for {len(missing)} of {args.events} events "
              f"(firms {missing[:10]})", file=sys.stderr)
        return 1
    if not money_ok:
        print("FAILED: the background repayments lost or created money (see above)", file=sys.stderr)
        return 1
    ok = percentile(latencies, 0.95) <= GOAL_P95 and len(latencies) >= args.events
    under = (f"under {args.background_repayments} background repayment clients" if args.background_repayments
             else "on an idle loop")
    print(f"goal p95 ≤ {GOAL_P95:.0f} s over {args.events} events {under}: {'MET' if ok else 'MISSED'} "
          f"({len(latencies)} events measured) "
          f"(load average {os.getloadavg()[0]:.1f} at the end)")
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
