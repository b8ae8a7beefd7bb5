#!/usr/bin/env python
"""Load test: N simulated users of the five roles for M minutes on gunicorn + PostgreSQL + Redis
+ a real Celery worker, all on the loopback (locust, headless, bounded by ``--run-time``).

1. The scratch database (``--database-url``) is dropped, created and migrated, ``seed_demo``
   builds the demo cluster, and one account per simulated user is added to its agents (firms,
   the finance company, the government, the institutions, the investors — several accounts per
   agent where there are more users than agents), all with the same password.
2. gunicorn (``--workers``, default 5 sync workers: 2 × 2 cores + 1) and ``celery -A
   platform4a1c worker`` (solo pool) start with the production settings (``benchmarks/_http.py``;
   cookies without the Secure flag, since the loopback speaks plain HTTP to a client whose jar
   would otherwise not send them back).
3. locust runs ``benchmarks/_locustfile.py`` headless: the users log in through the form (ramp-up
   ``--spawn-rate`` a second), then work in their portals with 3–10 s of think time — homes,
   lists, detail pages, and writes that are safe to repeat (a firm publishes news and repays
   ¥100 of a loan; an investor follows or unfollows a firm).
4. Afterwards: every event the run produced must be delivered by the worker (the outbox drains),
   the worker must have raised in no task, ``manage.py ledger_check`` must pass, and the
   repayments recorded must be exactly ¥100 × the successful repayment requests.

Prints p50/p95/p99 and errors per page (exact times, from locust's request events). Exit status
1 on any failed request (≥ 400, a lost session, a write that did not redirect), a 500 in
gunicorn's log, an undelivered event, a failed task, a ledger imbalance or a cent lost.

    .venv/bin/python benchmarks/loadtest.py --database-url postgres://postgres@127.0.0.1:5432/p4a1c_loadtest
    .venv/bin/python benchmarks/loadtest.py --database-url ... --users 200 --minutes 5   # the defaults
    .venv/bin/python benchmarks/loadtest.py --database-url ... --smoke   # 10 users for 15 s
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _http import (
    ROOT,
    VENV_BIN,
    CeleryWorker,
    Gunicorn,
    OwnRedis,
    django_setup,
    ensure_database,
    percentile,
    production_env,
)

sys.path.insert(0, str(ROOT))
PASSWORD = "Bench-loadtest-2026!"  # noqa: S105 (a scratch database of the benchmark)
# Share of the simulated users per role (a cluster has many more firms than finance staff).
SHARES = {"enterprise": 4, "finance": 1, "government": 1, "institution": 2, "investor": 2}
REPAY = Decimal("100.00")


def counts_for(users: int) -> dict[str, int]:
    """``users`` split over the roles by ``SHARES``, every role at least one."""
    total = sum(SHARES.values())
    counts = {role: max(1, users * share // total) for role, share in SHARES.items()}
    counts["enterprise"] += users - sum(counts.values())
    return counts


def accounts(counts: dict[str, int]) -> dict[str, list[list[str]]]:
    """One account per simulated user on the demo cluster's agents of its role (round robin)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from agents.choices import AgentKind, Role
    from agents.models import Agent, Cluster, cluster_members_q
    from agents.services import membership_create
    from platform4a1c.demo.registry import CLUSTER_NAME

    cluster = Cluster.objects.get(name=CLUSTER_NAME)
    region = cluster.region_code
    agents = {
        "enterprise": (Role.ENTERPRISE_OWNER, Agent.objects.filter(cluster_members_q(cluster=cluster),
                                                                   kind=AgentKind.ENTERPRISE, status="active")),
        "finance": (Role.FC_ANALYST, Agent.objects.filter(pk=cluster.finance_company_id)),
        "government": (Role.GOV_SUPERVISOR, Agent.objects.filter(kind=AgentKind.GOVERNMENT, region_code=region)),
        "institution": (Role.INST_OFFICER, Agent.objects.filter(kind=AgentKind.INSTITUTION, region_code=region)),
        "investor": (Role.INVESTOR, Agent.objects.filter(kind=AgentKind.INVESTOR, region_code=region)),
    }
    User = get_user_model()
    hashed = make_password(PASSWORD)  # once: hashing 200 passwords would take a minute
    out = {}
    for role, (membership_role, queryset) in agents.items():
        targets = list(queryset.order_by("pk"))
        if not targets:
            raise SystemExit(f"the demo cluster has no agent for the {role} users")
        out[role] = []
        for i in range(counts[role]):
            email = f"loadtest-{role}-{i:03d}@example.cn"
            user = User.objects.filter(email=email).first() or User.objects.create(username=email, email=email)
            user.password = hashed
            user.save(update_fields=["password"])
            membership_create(user=user, agent=targets[i % len(targets)], role=membership_role)
            out[role].append([email, PASSWORD])
    return out


def ledger_ok() -> bool:
    from django.core.management import call_command

    try:
        call_command("ledger_check")
    except SystemExit as exc:
        return not exc.code
    return True


def pending_events() -> int:
    from infocenter.models import Event

    return Event.objects.filter(dispatched_at__isnull=True).count()


def load() -> str:
    """The load averages over 1, 5 and 15 minutes (the machine is shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--users", type=int, default=200, help="simulated users (default 200)")
    parser.add_argument("--minutes", type=float, default=5, help="run time including the ramp-up (default 5)")
    parser.add_argument("--spawn-rate", type=float, default=4, help="users started a second (default 4)")
    parser.add_argument("--wait", default="3,10", help="think time between two tasks, min,max seconds")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (default 5 = 2 × 2 cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread)")
    parser.add_argument("--smoke", action="store_true", help="10 users for 15 s, 1-2 s think time")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("needs --database-url postgres://... (or DATABASE_URL)")
    if args.smoke:
        args.users, args.minutes, args.spawn_rate, args.wait = 10, 0.25, 10, "1,2"
    ensure_database(args.database_url, fresh=True)
    # a SIGTERM (CI's time limit, timeout) still stops the servers this script started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with OwnRedis() as redis, tempfile.TemporaryDirectory(prefix="bench-loadtest-") as tmp:
        if not redis.url:
            print("no REDIS_URL and no redis-server on the PATH: the production settings need a Redis; skipped")
            return 0
        env = production_env(Path(tmp), name="loadtest", database_url=args.database_url, redis_url=redis.url,
                             extra_settings="SESSION_COOKIE_SECURE = False\nCSRF_COOKIE_SECURE = False\n")
        return run(args, env, Path(tmp))


def run(args, env: dict, tmp: Path) -> int:
    django_setup(env)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max, Sum

    from lending.models import Repayment

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    counts = counts_for(args.users)
    config = {**accounts(counts), "counts": counts}
    print(f"database migrated and seeded, {args.users} accounts in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{role} {n}" for role, n in counts.items()))
    if not ledger_ok():
        print("the ledger does not balance BEFORE the load test (seed_demo): see above")
        return 1
    last_repayment = Repayment.objects.aggregate(m=Max("pk"))["m"] or 0
    connection.close()
    (tmp / "accounts.json").write_text(json.dumps(config))
    out = tmp / "requests.json"

    ok = True
    seconds = max(5, round(args.minutes * 60))
    with CeleryWorker(env, log_path=tmp / "worker.log", name="loadtest") as worker, \
            Gunicorn(env, workers=args.workers, threads=args.threads, log_path=tmp / "gunicorn.log") as server:
        server.warm()
        load_before = load()
        print(f"gunicorn {args.workers} workers × {args.threads} threads on 127.0.0.1:{server.port}, Celery worker "
              f"(solo) on Redis; locust: {args.users} users, {args.spawn_rate}/s, {seconds} s, think time {args.wait} s; "
              f"load average {load_before}")
        locust = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [str(VENV_BIN / "locust"), "-f", str(ROOT / "benchmarks" / "_locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{seconds}s",
             "--host", f"http://127.0.0.1:{server.port}", "--only-summary", "--stop-timeout", "30",
             "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "LOADTEST_ACCOUNTS": str(tmp / "accounts.json"), "LOADTEST_OUT": str(out),
                           "LOADTEST_WAIT": args.wait},
            capture_output=True, text=True, timeout=seconds + 300)
        load_after = load()
        if not out.exists():
            print(f"locust wrote no results (exit {locust.returncode}):\n{locust.stdout[-3000:]}\n{locust.stderr[-3000:]}")
            return 1
        # the worker delivers every event the run produced
        deadline = time.monotonic() + (60 if args.smoke else 300)
        while (pending := pending_events()) and time.monotonic() < deadline:
            time.sleep(1)
        connection.close()
        drained_in = time.monotonic() - deadline + (60 if args.smoke else 300)
    results = json.loads(out.read_text())
    server_log, failed_tasks = server.log(), worker.failures()

    print("\n| page | requests | errors | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|")
    total = errors = 0
    for name in sorted(results["times"]):
        times = sorted(results["times"][name])
        failed = len(results["failures"].get(name, []))
        total, errors = total + len(times), errors + failed
        print(f"| `{name}` | {len(times):,} | {failed} | {percentile(times, .5):,.0f} | {percentile(times, .95):,.0f} "
              f"| {percentile(times, .99):,.0f} |")
    every = sorted(t for times in results["times"].values() for t in times)
    print(f"| **all** | {total:,} | {errors} | {percentile(every, .5):,.0f} | {percentile(every, .95):,.0f} "
          f"| {percentile(every, .99):,.0f} |")
    print(f"\n{total:,} requests in {seconds} s ({total / seconds:.1f} a second); load average before {load_before}, "
          f"after {load_after}")
    for name, messages in results["failures"].items():
        print(f"FAILED {name}: {len(messages)}× e.g. {messages[0]}")
    ok = ok and errors == 0
    logins = len(results["times"].get("POST login (POST)", []))
    if logins != args.users:
        print(f"{logins} of the {args.users} simulated users logged in")
        ok = False
    if "Traceback" in locust.stderr:  # an exception in a task (the locustfile's own defect)
        print(f"locust's log has errors (exit {locust.returncode}):\n{locust.stderr[-4000:]}")
        ok = False
    if "Internal Server Error" in server_log or "Traceback" in server_log:
        print(f"gunicorn's log has errors:\n{server_log[-4000:]}")
        ok = False
    if pending:
        print(f"{pending} events still undelivered by the worker")
        ok = False
    else:
        print(f"the worker delivered every event ({drained_in:.0f} s after the run)")
    if failed_tasks:
        print(f"{len(failed_tasks)} tasks raised in the worker, e.g. {failed_tasks[0][:500]}")
        ok = False

    # the ledger afterwards, and no cent lost or created by the repayments
    repaid = len(results["times"].get("POST repay ¥100 (POST)", [])) - len(
        results["failures"].get("POST repay ¥100 (POST)", []))
    new = Repayment.objects.filter(pk__gt=last_repayment)
    got = new.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if new.count() != repaid or got != REPAY * repaid:
        print(f"repayments: {repaid} accepted requests of ¥{REPAY}, but {new.count()} recorded for ¥{got}")
        ok = False
    else:
        print(f"repayments: {repaid} of ¥{REPAY} recorded, ¥{got} in all")
    ledger = ledger_ok()
    ok = ok and ledger
    print(f"RESULT users={args.users} seconds={seconds} requests={total} errors={errors} "
          f"ledger={'OK' if ledger else 'FAILED'} {'OK' if ok else 'WRONG'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
