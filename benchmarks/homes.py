#!/usr/bin/env python
"""Benchmark: the portal homes of the finance company, an institution and an investor behind
gunicorn, in a cluster of N member firms.

The cluster is built with ``bulk_create`` (not the services: the data is not what is measured):
N firms with their profile and membership, three publications and one government record per
firm, a report about every second firm. Then the script starts
gunicorn with the production settings (static files without the manifest) on 127.0.0.1 and a free port (a local Redis for the cache;
requests carry ``X-Forwarded-Proto: https`` as the TLS proxy would), logs in through the login
form as the finance analyst, the institution officer and the investor, and measures p50/p95 of

- the login page (the floor: a page that reads nothing of the cluster),
- ``/finance/``, ``/institution/``, ``/investor/`` (first page of the register),
- each home with a search and a sort (``?q=C33&sort=-joined_on``) and a later page.

    .venv/bin/python benchmarks/homes.py --database-url postgres://postgres@127.0.0.1:5432/p4a1c_homes
    .venv/bin/python benchmarks/homes.py --database-url ... --members 5000 --requests 100
    .venv/bin/python benchmarks/homes.py --database-url ... --smoke   # 50 members, 5 requests: does it still run?

The database is created when missing and migrated; the benchmark's own cluster is rebuilt when
its size differs. Exit status 1 when a page does not answer 200 with the expected firm count.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _http import ROOT, Client, Gunicorn, OwnRedis, django_setup, ensure_database, percentile, production_env

sys.path.insert(0, str(ROOT))
PASSWORD = "Bench-homes-2026!"  # noqa: S105 (a scratch database of the benchmark)
REGION = "339903"
CLUSTER_NAME = "基准产业集群（主页）"


def build(members: int) -> dict:
    """The cluster with ``members`` firms and the three users; returns their e-mails."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from agents.models import Agent, Cluster, ClusterMembership, cluster_members_q
    from agents.services import agent_create, cluster_create, cluster_join, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from infocenter.choices import CATEGORY_MODULE
    from infocenter.models import FirmRecord, Publication, Report
    from portals.enterprises.models import EnterpriseProfile

    def agent(kind, name, serial, **extra):
        code = make_uscc(division=REGION, serial=serial)
        return Agent.objects.filter(credit_code=code).first() or agent_create(
            kind=kind, name=name, region_code=REGION, region="基准县", credit_code=code, **extra)

    cluster = Cluster.objects.filter(name=CLUSTER_NAME).first() or cluster_create(
        name=CLUSTER_NAME, region_code=REGION, region="基准县", core_industry="C33",
        finance_company_name="基准集群金融有限公司", finance_company_credit_code=make_uscc(division=REGION, serial=93_000_001))
    gov = agent("government", "基准县人民政府", 93_000_002)
    bank = agent("institution", "基准农村商业银行", 93_000_003, size_class="small")
    investor = agent("investor", "基准投资有限公司", 93_000_004)
    for member in (bank, investor):
        cluster_join(cluster=cluster, agent=member)
    users = {}
    for role, who, key in (("fc_analyst", cluster.finance_company, "finance"), ("inst_officer", bank, "institution"),
                           ("investor", investor, "investor")):
        user = user_get_or_create(email=f"bench-homes-{key}@example.cn", password=PASSWORD)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        membership_create(user=user, agent=who, role=role)
        users[key] = user.email

    have = Agent.objects.filter(cluster_members_q(cluster=cluster), kind="enterprise").count()
    if have == members:
        print(f"cluster of {members:,} members already built")
        return users
    started = time.perf_counter()
    firms = Agent.objects.filter(kind="enterprise", region_code=REGION)
    with transaction.atomic():
        Report.objects.filter(subject__in=firms).delete()
        FirmRecord.objects.filter(agent__in=firms).delete()
        Publication.objects.filter(subject__in=firms).update(previous=None)
        Publication.objects.filter(subject__in=firms).delete()
        ClusterMembership.objects.filter(agent__in=firms).delete()
        EnterpriseProfile.objects.filter(agent__in=firms).delete()
        firms.delete()
    now = timezone.now()
    industries = ["C33", "C3311", "C34", "C38", "C17", "C29", "F51", "G54"]
    sizes = ["micro", "small", "small", "medium", "large"]
    categories = ["financial_statements", "tax_paid", "social_insurance", "orders_capacity", "certifications",
                  "major_events"]
    batch = 2000
    for start in range(0, members, batch):
        n = range(start, min(start + batch, members))
        with transaction.atomic():
            agents = Agent.objects.bulk_create([
                Agent(kind="enterprise", name=f"基准企业{i:05d}有限公司", region_code=REGION, region="基准县",
                      credit_code=make_uscc(division=REGION, serial=94_000_000 + i),
                      industry_code=industries[i % len(industries)], size_class=sizes[i % len(sizes)],
                      status="active", created_at=now, approved_at=now)
                for i in n])
            EnterpriseProfile.objects.bulk_create([
                EnterpriseProfile(agent=a, legal_representative="张三", founded_on=date(2000 + i % 24, 1, 1),
                                  employees=10 + i % 300, registered_capital=Decimal("1000000.00"),
                                  annual_revenue=Decimal(1_000_000 + 1000 * (i % 5000)))
                for i, a in zip(n, agents, strict=True)])
            ClusterMembership.objects.bulk_create([
                ClusterMembership(cluster=cluster, agent=a, joined_on=date(2020, 1, 1) + timedelta(days=i % 1800),
                                  member_no=f"M{i:05d}")
                for i, a in zip(n, agents, strict=True)])
            publications = []
            for i, a in zip(n, agents, strict=True):
                for k in range(3):
                    category = categories[(i + k) % len(categories)]
                    when = now - timedelta(days=(i * 7 + k * 170) % 900)
                    publications.append(Publication(
                        module=CATEGORY_MODULE[category], category=category, subject=a, publisher=a,
                        title=f"{category} {i}", visibility="public", status="published", created_at=when,
                        published_at=when))
            Publication.objects.bulk_create(publications)
            FirmRecord.objects.bulk_create([
                FirmRecord(agent=a, kind="tax", period="2025", period_type="year", period_start=date(2025, 1, 1),
                           period_end=date(2025, 12, 31), supplied_by=gov, created_at=now,
                           updated_at=now - timedelta(days=i % 600))
                for i, a in zip(n, agents, strict=True)])
            Report.objects.bulk_create([
                Report(reporter=bank, subject=a, category="late_payment", report_type="negative",
                       title="逾期", evidence="基准", status=("verified", "unverified", "rejected")[i % 3])
                for i, a in zip(n, agents, strict=True) if i % 2 == 0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {members:,} members in {time.perf_counter() - started:.1f} s")
    return users


def measure(client: Client, path: str, requests: int, check) -> tuple[float, float, str]:
    client.request("GET", path)  # warm the worker (templates, connections)
    times, problem = [], ""
    for _ in range(requests):
        status, page, elapsed = client.request("GET", path)
        times.append(elapsed * 1000)
        if status != 200:
            problem = f"HTTP {status}"
        elif check and not check(page):
            problem = "unexpected content"
    times.sort()
    return statistics.median(times), percentile(times, 0.95), problem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the Dockerfile's 3)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (50 members, 5 requests)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("needs --database-url postgres://... (or DATABASE_URL)")
    if args.smoke:
        args.members, args.requests = 50, 5
    ensure_database(args.database_url, fresh=False)
    # a SIGTERM (CI's time limit, timeout) still stops the servers this script started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with OwnRedis() as redis, tempfile.TemporaryDirectory(prefix="bench-homes-") as tmp:
        if not redis.url:
            print("no REDIS_URL and no redis-server on the PATH: the production settings need a Redis; skipped")
            return 0
        env = production_env(Path(tmp), name="homes", database_url=args.database_url, redis_url=redis.url)
        return run(args, env)


def run(args, env: dict) -> int:
    django_setup(env)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    users = build(args.members)
    connection.close()

    ok = True
    with Gunicorn(env, workers=args.workers) as server:
        port = server.port
        anonymous = Client(port)
        has_count = lambda page: 'data-testid="firm-table"' in page  # noqa: E731
        pages = [("login page (floor)", anonymous, "/accounts/login/", lambda page: "csrfmiddlewaretoken" in page)]
        for key, path in (("finance", "/finance/members/"), ("institution", "/institution/"), ("investor", "/investor/")):
            client = Client(port)
            client.login(users[key], PASSWORD)
            status, page, _ = client.request("GET", path)
            shown = re.search(r'data-testid="firm-total">\s*([\d,]+)', page)
            if status != 200 or not shown or shown.group(1).replace(",", "") != str(args.members):
                print(f"{path}: HTTP {status}, register shows {shown.group(1) if shown else 'nothing'} firms, "
                      f"expected {args.members}")
                ok = False
            pages.append((f"{path} (page 1)", client, path, has_count))
            pages.append((f"{path}?q=C33&sort=-joined_on&page=3", client, f"{path}?q=C33&sort=-joined_on&page=3",
                          has_count))
        print(f"members: {args.members:,}; {args.requests} timed requests per page, one client, "
              f"gunicorn {args.workers} workers, production settings")
        print(f"{'page':<45} {'p50 ms':>8} {'p95 ms':>8}")
        for label, client, path, check in pages:
            p50, p95, problem = measure(client, path, args.requests, check)
            print(f"{label:<45} {p50:8.1f} {p95:8.1f} {problem}")
            ok = ok and not problem
    print(f"RESULT members={args.members} {'OK' if ok else 'WRONG'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
