#!/usr/bin/env python
"""Benchmark: the dashboards behind gunicorn with 10,000 member firms and 100,000 loans.

The data is built in bulk, not through the services (the data is not what is measured): the
firms, their profiles and memberships with ``bulk_create``; the 100,000 loans and their
1,200,000 instalments with ``INSERT … SELECT generate_series`` (three in five lent by the
finance company, two by a bank; days past due spread so that every bucket and every
five-category class has loans; each loan's outstanding principal = its principal less the
principal of its paid instalments). The pool's sources and money, the guarantee fund's capital
go through the real services (a handful of ledger entries); 1,000 firm-to-firm guarantees
(200 three-firm circles and 400 chain links) are bulk-inserted.

Then gunicorn starts with the production settings (static files without the manifest, a local
Redis, ``X-Forwarded-Proto: https`` as the TLS proxy would send) and one client per role logs in
through the login form (session cookie) and measures p50/p95 of every page in ``PAGES`` — the
login page is the floor, measured in the same run by the same server.

    .venv/bin/python benchmarks/dashboards.py --database-url postgres://postgres@127.0.0.1:5432/p4a1c_dashboards
    .venv/bin/python benchmarks/dashboards.py --database-url ... --requests 200
    .venv/bin/python benchmarks/dashboards.py --database-url ... --smoke   # 50 firms, 500 loans, 5 requests

The database is dropped, created and migrated (``--reuse`` keeps one that holds data of the same
size). Exit status 1 when a page does not answer 200, or the dashboard's PAR30, NPL ratio
or loan count, or the PAR30 drill-down's count, differ from the same figures computed here in
plain SQL from the loans table.
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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from _http import ROOT, Client, Gunicorn, OwnRedis, django_setup, ensure_database, percentile, production_env

sys.path.insert(0, str(ROOT))
PASSWORD = "Bench-dashboards-2026!"  # noqa: S105 (a scratch database of the benchmark)
REGION = "339904"
CLUSTER_NAME = "基准产业集群（仪表盘）"
GOAL_MS = 150

# What is measured: label → (path, role). The role's user logs in first (None: anonymous). The
# government's dashboard is its portal home (/gov/); a new page of either portal is one line here.
PAGES = {
    "login page (floor)": ("/accounts/login/", None),
    "finance dashboard": ("/finance/", "finance"),
    "finance dashboard, filtered": ("/finance/?scope=own&grade=BBB&industry=C33", "finance"),
    "PAR30 drill-down (page 1)": ("/finance/dashboard/loans/?figure=par30", "finance"),
    "government dashboard": ("/gov/", "government"),
}
GOAL_PAGE = "finance dashboard"


def build(firms: int, loans: int) -> dict:
    """The cluster, its firms, loans and instalments, the pool, the fund and the network; the
    users' e-mails by role."""
    from datetime import date, timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from agents.models import Agent, Cluster, ClusterMembership, cluster_members_q
    from agents.services import agent_create, cluster_create, cluster_join, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from clusterfinance.guarantees.models import FirmGuarantee
    from clusterfinance.guarantees.services import fund_for, guarantee_contribution_record
    from clusterfinance.pool.models import FundSource
    from clusterfinance.pool.services import fund_money_in, fund_source_open
    from lending.choices import BUCKET_BOUNDS, CLASS_BOUNDS, case_sql
    from portals.enterprises.models import EnterpriseProfile

    def agent(kind, name, serial, **extra):
        code = make_uscc(division=REGION, serial=serial)
        return Agent.objects.filter(credit_code=code).first() or agent_create(
            kind=kind, name=name, region_code=REGION, region="基准县", credit_code=code, **extra)

    cluster = Cluster.objects.filter(name=CLUSTER_NAME).first() or cluster_create(
        name=CLUSTER_NAME, region_code=REGION, region="基准县", core_industry="C33",
        finance_company_name="基准仪表盘金融有限公司", finance_company_credit_code=make_uscc(division=REGION,
                                                                                      serial=95_000_001))
    fc = cluster.finance_company
    gov = agent("government", "基准仪表盘县人民政府", 95_000_002)
    bank = agent("institution", "基准仪表盘农商银行", 95_000_003, size_class="small")
    cluster_join(cluster=cluster, agent=bank)
    users = {}
    for role, who, key in (("fc_manager", fc, "finance"), ("gov_supervisor", gov, "government")):
        user = user_get_or_create(email=f"bench-dashboards-{key}@example.cn", password=PASSWORD)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        membership_create(user=user, agent=who, role=role)
        users[key] = user

    members = Agent.objects.filter(cluster_members_q(cluster=cluster), kind="enterprise")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM lending_loan WHERE contract_no LIKE 'DB-%%'")
        have_loans = cursor.fetchone()[0]
    if members.count() == firms and have_loans == loans:
        print(f"{firms:,} firms and {loans:,} loans already built")
        return {k: u.email for k, u in users.items()}

    if members.exists() or have_loans:
        raise SystemExit("the database holds another size of the benchmark's data: run without --reuse")
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    industries = ["C33", "C3311", "C34", "C38", "C17", "C29", "F51", "G54"]
    grades = ["AAA", "AA", "A", "BBB", "BBB", "BB", "BB", "B", "CCC", ""]
    batch = 2000
    for start in range(0, firms, batch):
        n = range(start, min(start + batch, firms))
        with transaction.atomic():
            agents = Agent.objects.bulk_create([
                Agent(kind="enterprise", name=f"仪表盘企业{i:05d}有限公司", region_code=REGION, region="基准县",
                      credit_code=make_uscc(division=REGION, serial=96_000_000 + i),
                      industry_code=industries[i % len(industries)], size_class="small", status="active",
                      current_grade=grades[i % len(grades)], created_at=now, approved_at=now)
                for i in n])
            EnterpriseProfile.objects.bulk_create([
                EnterpriseProfile(agent=a, legal_representative="李四", founded_on=date(2005, 1, 1), employees=50,
                                  registered_capital=Decimal("1000000.00"), annual_revenue=Decimal("5000000.00"))
                for a in agents])
            ClusterMembership.objects.bulk_create([
                ClusterMembership(cluster=cluster, agent=a, joined_on=date(2020, 1, 1), member_no=f"D{i:05d}")
                for i, a in zip(n, agents, strict=True)])
    firm_ids = list(Agent.objects.filter(kind="enterprise", region_code=REGION).order_by("pk")
                    .values_list("pk", flat=True))
    print(f"built {firms:,} firms in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    dpd = ("CASE WHEN h < 85 THEN 0 WHEN h < 92 THEN 1 + g %% 30 WHEN h < 96 THEN 31 + g %% 60 "
           "WHEN h < 98 THEN 91 + g %% 90 ELSE 181 + g %% 400 END")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_firm (n int PRIMARY KEY, id bigint) ON COMMIT DROP")
        cursor.execute("INSERT INTO bench_firm SELECT ord - 1, id FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, ord)",
                       [firm_ids])
        cursor.execute(f"""
            INSERT INTO lending_loan (contract_no, lender_id, borrower_id, principal, annual_rate, penalty_rate,
                periods, method, frequency, instalment_multiple, fee, status, disbursed_on, maturity_date,
                principal_outstanding, dpd, bucket, loan_class, delinquency_as_of, judged_class, judged_reason,
                disbursement_key, written_off_amount, write_off_reason, created_at)
            SELECT 'DB-' || lpad(g::text, 7, '0'), CASE WHEN g %% 5 < 3 THEN %(fc)s ELSE %(bank)s END, f.id,
                   100000 + (g %% 90) * 10000, 0.06 + (g %% 7) * 0.005, 0.09, 12, 'equal_principal', 'monthly',
                   '0.01', 0, 'active', %(today)s::date - (g %% 330), %(today)s::date - (g %% 330) + interval '12 months',
                   100000 + (g %% 90) * 10000, d.dpd, {case_sql('d.dpd', BUCKET_BOUNDS)}, {case_sql('d.dpd', CLASS_BOUNDS)},
                   %(today)s, '', '', 'bench-' || g, 0, '', now()
            FROM generate_series(0, %(loans)s - 1) AS g
            CROSS JOIN LATERAL (SELECT (g * 7919) %% 100 AS h) AS hh
            CROSS JOIN LATERAL (SELECT {dpd} AS dpd) AS d
            JOIN bench_firm f ON f.n = g %% %(firms)s""",
                       {"fc": fc.pk, "bank": bank.pk, "today": today, "loans": loans, "firms": firms})
        # 12 monthly instalments, equal principal; paid when due more than dpd days ago, overdue
        # when due since, pending after today
        cursor.execute("""
            INSERT INTO lending_instalment (loan_id, period, period_start, due_date, accrual_periods, principal_due,
                interest_due, principal_paid, interest_paid, penalty_accrued, penalty_paid, status, paid_on,
                schedule_version)
            SELECT l.id, k, (l.disbursed_on + (k - 1) * interval '1 month')::date, s.due, 1, s.p, s.i,
                   CASE WHEN s.paid THEN s.p ELSE 0 END, CASE WHEN s.paid THEN s.i ELSE 0 END, 0, 0,
                   CASE WHEN s.paid THEN 'paid' WHEN s.due <= %(today)s THEN 'overdue' ELSE 'pending' END,
                   CASE WHEN s.paid THEN s.due END, 1
            FROM lending_loan l CROSS JOIN generate_series(1, 12) AS k
            CROSS JOIN LATERAL (SELECT (l.disbursed_on + k * interval '1 month')::date AS due,
                CASE WHEN k < 12 THEN round(l.principal / 12, 2) ELSE l.principal - 11 * round(l.principal / 12, 2) END AS p,
                round(l.principal * l.annual_rate / 12 * (13 - k) / 12, 2) AS i) AS s0
            CROSS JOIN LATERAL (SELECT s0.due, s0.p, s0.i, s0.due < %(today)s::date - l.dpd AS paid) AS s
            WHERE l.contract_no LIKE 'DB-%%'""", {"today": today})
        cursor.execute("""
            UPDATE lending_loan l SET principal_outstanding = l.principal - paid.p
            FROM (SELECT loan_id, sum(principal_paid) AS p FROM lending_instalment GROUP BY loan_id) AS paid
            WHERE paid.loan_id = l.id AND l.contract_no LIKE 'DB-%%'""")
    print(f"built {loans:,} loans with {loans * 12:,} instalments in {time.perf_counter() - started:.1f} s")

    fm = users["finance"]
    if not FundSource.objects.filter(cluster=cluster).exists():
        first = Agent.objects.get(pk=firm_ids[0])
        opened = today - timedelta(days=400)
        for kind, who, rate, amount, maturity in (
                ("member_deposit", first, "0.0200", "80000000.00", None),
                ("credit_line", bank, "0.0450", "300000000.00", today + timedelta(days=200)),
                ("government_fund", gov, "0", "50000000.00", None)):
            source = fund_source_open(user=fm, cluster=cluster, kind=kind, counterparty=who, annual_rate=rate,
                                      opened_on=opened.isoformat(),
                                      maturity_date=maturity.isoformat() if maturity else None,
                                      limit="500000000.00" if kind == "credit_line" else None,
                                      fund_purpose="risk_compensation" if kind == "government_fund" else "")
            fund_money_in(user=fm, source=source, amount=amount, on=opened.isoformat(),
                          idempotency_key=f"bench-in-{kind}")
        guarantee_contribution_record(user=fm, fund=fund_for(cluster), contributor=gov, amount="20000000.00",
                                      on=opened.isoformat(), idempotency_key="bench-fund-gov")
    edges = []
    for c in range(min(200, firms // 3)):  # three-firm circles
        a, b, d = firm_ids[3 * c], firm_ids[3 * c + 1], firm_ids[3 * c + 2]
        edges += [(a, b), (b, d), (d, a)]
    for c in range(600, min(1000, firms - 1)):  # chain links
        edges.append((firm_ids[c], firm_ids[c + 1]))
    FirmGuarantee.objects.bulk_create([FirmGuarantee(cluster=cluster, guarantor_id=g, borrower_id=b,
                                                     amount=Decimal(500000 + 1000 * (n % 300)), created_by=fm)
                                       for n, (g, b) in enumerate(edges)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {k: u.email for k, u in users.items()}


def expected_figures(cluster_name: str) -> dict:
    """PAR30, the NPL ratio and the counts straight from the loans table (plain SQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*), coalesce(sum(l.principal_outstanding), 0),
                   coalesce(sum(l.principal_outstanding) FILTER (WHERE l.dpd > 30), 0),
                   coalesce(sum(l.principal_outstanding) FILTER (WHERE l.loan_class IN ('substandard', 'doubtful', 'loss')), 0),
                   count(*) FILTER (WHERE l.dpd > 30)
            FROM lending_loan l
            JOIN clusterfinance_clustermembership m ON m.agent_id = l.borrower_id
            JOIN clusterfinance_cluster c ON c.id = m.cluster_id AND c.name = %s
            JOIN agents_agent a ON a.id = l.borrower_id AND a.kind = 'enterprise'
            WHERE l.status = 'active' AND m.status = 'active' AND (m.left_on IS NULL OR m.left_on > current_date)""", [cluster_name])
        n, gross, par30, npl, n30 = cursor.fetchone()

    def pct(part):
        share = (Decimal(part) / Decimal(gross)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if gross else Decimal(0)
        return f"{share * 100:.2f}%"

    return {"count": n, "par30": pct(par30), "npl": pct(npl), "par30_count": n30}


def measure(client: Client, path: str, requests: int) -> tuple[float, float, str]:
    client.request("GET", path)  # warm the worker (templates, connections)
    times, problem = [], ""
    for _ in range(requests):
        status, _page, elapsed = client.request("GET", path)
        times.append(elapsed * 1000)
        if status != 200:
            problem = f"HTTP {status}"
    times.sort()
    return statistics.median(times), percentile(times, 0.95), problem


def testid(page: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}">\s*([^<]*)<', page)
    return found.group(1).strip() if found else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the Dockerfile's 3)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (50 firms, 500 loans, 5 requests)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database when it holds data of the same size (default: drop and rebuild)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("needs --database-url postgres://... (or DATABASE_URL)")
    if args.smoke:
        args.firms, args.loans, args.requests = 50, 500, 5
    ensure_database(args.database_url, fresh=not args.reuse)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with OwnRedis() as redis, tempfile.TemporaryDirectory(prefix="bench-dashboards-") as tmp:
        if not redis.url:
            print("no REDIS_URL and no redis-server on the PATH: the production settings need a Redis; skipped")
            return 0
        env = production_env(Path(tmp), name="dashboards", database_url=args.database_url, redis_url=redis.url)
        return run(args, env)


def run(args, env: dict) -> int:
    django_setup(env)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    users = build(args.firms, args.loans)
    expected = expected_figures(CLUSTER_NAME)
    # what the beat does every minute: the stored summaries of the large scopes
    import time

    from infocenter.summaries import summaries_refresh

    started = time.monotonic()
    refresh = summaries_refresh(force=True)
    print(f"stored summaries refresh: {refresh.computed} computed in {time.monotonic() - started:.2f} s")
    connection.close()

    ok = True
    results = {}
    with Gunicorn(env, workers=args.workers) as server:
        port = server.port
        clients = {None: Client(port)}
        for role in {role for _path, role in PAGES.values() if role}:
            clients[role] = Client(port)
            clients[role].login(users[role], PASSWORD)
        # the figures on the page equal the loans table's
        status, page, _ = clients["finance"].request("GET", "/finance/")
        shown = {"count": testid(page, "fig-count"), "par30": testid(page, "fig-par30"), "npl": testid(page, "fig-npl")}
        want = {"count": str(expected["count"]), "par30": expected["par30"], "npl": expected["npl"]}
        if status != 200 or shown != want:
            print(f"/finance/: HTTP {status}, shows {shown}, the loans table gives {want}")
            ok = False
        status, page, _ = clients["finance"].request("GET", "/finance/dashboard/loans/?figure=par30")
        if status != 200 or testid(page, "list-count") != str(expected["par30_count"]):
            print(f"PAR30 drill-down: HTTP {status}, lists {testid(page, 'list-count')}, "
                  f"expected {expected['par30_count']}")
            ok = False
        print(f"firms: {args.firms:,}; loans: {args.loans:,}; {args.requests} timed requests per page, one client "
              f"per role, gunicorn {args.workers} workers, production settings")
        print(f"{'page':<34} {'p50 ms':>8} {'p95 ms':>8}")
        for label, (path, role) in PAGES.items():
            p50, p95, problem = measure(clients[role], path, args.requests)
            results[label] = p95
            print(f"{label:<34} {p50:8.1f} {p95:8.1f} {problem}")
            ok = ok and not problem
    goal = results.get(GOAL_PAGE, 0) <= GOAL_MS
    print(f"RESULT firms={args.firms} loans={args.loans} {'OK' if ok else 'WRONG'}; "
          f"{GOAL_PAGE} p95 {results.get(GOAL_PAGE, 0):.0f} ms, goal ≤ {GOAL_MS} ms {'met' if goal else 'missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
