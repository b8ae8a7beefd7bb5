#!/usr/bin/env python
"""Benchmark: re-score 100,000 member firms end to end on PostgreSQL. Goal: ≤ 20 s, and within
3× of the bare cost of the same work.

End to end is ``clusterfinance.rating.services.ratings_rescore`` (what the nightly beat task
runs): the feature table (one query per source per chunk of 20,000 firms), the scoring as array
arithmetic, the reasons, one ``bulk_create`` of the ratings and one UPDATE of the firms' current
grade. The bare cost is the floor of the same work without Django: COPY the source rows out
(firms, statements/tax/social-insurance records, loan, instalment and delinquency aggregates,
reports, publications) into pandas, score the arrays, COPY the rating rows (with their JSON
reasons and inputs) in.

The script makes its own data in its own database (dropped and recreated) with
``generate_series``: one cluster, ``--firms`` member firms with profiles, two years of
statements, tax and social-insurance records each, loans for 60 % of them (12 monthly
instalments; 15 % stopped paying, then the nightly delinquency run), and reports about 20 %.

    .venv/bin/python benchmarks/rescore.py --database-url postgres://postgres@127.0.0.1:5432/bench_rating
    .venv/bin/python benchmarks/rescore.py --database-url ... --smoke   # 300 firms: does it still run?
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
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


def insert_select(cursor, model, values: dict, source: str, params=None) -> None:
    """INSERT INTO model's table SELECT ``values`` FROM ``source``; every other column gets its
    empty value (NULL, '', 0, false, now(), '{}')."""
    from django.db import models

    cols, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in values:
            continue
        cols.append(field.column)
        if field.column in values:
            exprs.append(values[field.column])
        elif field.null:
            exprs.append("NULL")
        elif isinstance(field, models.JSONField):
            exprs.append("'{}'::jsonb")
        elif isinstance(field, models.BooleanField):
            exprs.append("false")
        elif isinstance(field, models.DateTimeField):
            exprs.append("now()")
        elif isinstance(field, models.DateField):
            exprs.append("current_date")
        elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            exprs.append("0")
        else:
            exprs.append("''")
    cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(exprs)} {source}",
                   params or {})


LOANS = """FROM generate_series(1::bigint, %(n)s::bigint) AS g"""


def generate(args, as_of):
    from django.db import connection, transaction

    from agents.choices import AgentKind
    from agents.models import Agent, Cluster, ClusterMembership
    from agents.services import agent_create
    from agents.validators import make_uscc
    from infocenter.models import FirmRecord, Report
    from lending.models import Instalment, Loan
    from lending.services import delinquency_run
    from portals.enterprises.models import EnterpriseProfile

    serial = iter(range(80_000_000, 89_999_999))
    with transaction.atomic():
        fc = agent_create(kind=AgentKind.FINANCE_COMPANY, name="评级基准财务公司", region_code="330784",
                          region="永康市", credit_code=make_uscc(division="330784", serial=next(serial)))
        bank = agent_create(kind=AgentKind.INSTITUTION, name="评级基准银行", region_code="330784", region="永康市",
                            credit_code=make_uscc(division="330784", serial=next(serial)))
        gov = agent_create(kind=AgentKind.GOVERNMENT, name="评级基准政府", region_code="330784", region="永康市",
                           credit_code=make_uscc(division="330784", serial=next(serial)))
        cluster = Cluster.objects.create(name="评级基准集群", region_code="330784", region="永康市",
                                         core_industry="C33", finance_company=fc)
        with connection.cursor() as c:
            n = {"n": args.firms}
            insert_select(c, Agent, {"kind": "'enterprise'", "name": "'基准企业' || g", "region_code": "'330784'",
                                     "region": "'永康市'", "credit_code": "'BX' || lpad(g::text, 16, '0')",
                                     "industry_code": "(ARRAY['C33','C34','C38','C35'])[1 + g %% 4]",
                                     "size_class": "'small'", "status": "'active'"},
                          "FROM generate_series(1::bigint, %(n)s::bigint) AS g", n)
            firms = "FROM agents_agent a WHERE a.kind = 'enterprise' AND a.credit_code LIKE 'BX%%'"
            insert_select(c, ClusterMembership, {"cluster_id": str(cluster.pk), "agent_id": "a.id",
                                                 "joined_on": "current_date - (a.id %% 3000)::int",
                                                 "status": "'active'"}, firms)
            insert_select(c, EnterpriseProfile, {
                "agent_id": "a.id", "legal_representative": "'张三'", "founded_on": "date '2010-01-01'",
                "employees": "20 + a.id %% 200", "registered_capital": "1000000", "annual_revenue": "10000000",
                "supply_chain_position": "(ARRAY['raw_materials','components','assembly','distribution',"
                                         "'services'])[1 + a.id %% 5]"}, firms)
            for year in (2024, 2025):
                common = {"agent_id": "a.id", "period": f"'{year}'", "period_type": "'year'",
                          "period_start": f"date '{year}-01-01'", "period_end": f"date '{year}-12-31'",
                          "source": "'api'", "supplied_by_id": str(gov.pk)}
                grow = "1.0" if year == 2024 else "(0.8 + (a.id %% 50) / 100.0)"
                insert_select(c, FirmRecord, {**common, "kind": "'statement'",
                                              "revenue": f"round((5000000 + (a.id %% 97) * 100000) * {grow}, 2)",
                                              "net_profit": "round(((a.id %% 21) - 4) * 50000, 2)",
                                              "total_assets": "8000000",
                                              "total_liabilities": "round(8000000 * (0.2 + (a.id %% 80) / 100.0), 2)"},
                              firms)
                insert_select(c, FirmRecord, {**common, "kind": "'tax'", "tax_paid": f"round(200000 * {grow}, 2)",
                                              "tax_arrears": "CASE WHEN a.id %% 40 = 0 THEN 30000 ELSE 0 END"}, firms)
                insert_select(c, FirmRecord, {**common, "kind": "'social_insurance'",
                                              "insured_headcount": f"round(40 * {grow})::int",
                                              "contributions_paid": "100000", "contribution_arrears": "0"}, firms)
            # loans for 60 % of the firms, 12 monthly instalments, disbursed over the last year
            insert_select(c, Loan, {
                "contract_no": "'RS-' || a.id", "lender_id": str(bank.pk), "borrower_id": "a.id",
                "principal": "(ARRAY[100000, 200000, 500000])[1 + a.id %% 3]", "annual_rate": "0.06",
                "penalty_rate": "0.09", "periods": "12", "method": "'equal_principal'", "frequency": "'monthly'",
                "instalment_multiple": "'0.01'", "status": "'active'",
                "disbursed_on": "%(as_of)s::date - (30 + (a.id * 7919) %% 330)::int", "bucket": "'current'",
                "loan_class": "'normal'", "disbursement_key": "'bench'"},
                firms + " AND a.id %% 10 < 6", {"as_of": as_of})
            c.execute("""INSERT INTO lending_instalment (loan_id, period, period_start, due_date, accrual_periods,
                principal_due, interest_due, principal_paid, interest_paid, penalty_accrued, penalty_paid, status,
                schedule_version)
              SELECT l.id, k, (l.disbursed_on + make_interval(months => k - 1))::date,
                     (l.disbursed_on + make_interval(months => k))::date, 1,
                     CASE WHEN k < 12 THEN round(l.principal / 12, 2)
                          ELSE l.principal - round(l.principal / 12, 2) * 11 END,
                     round(l.principal * 0.005, 2), 0, 0, 0, 0, 'pending', 1
                FROM lending_loan l CROSS JOIN LATERAL generate_series(1, 12) AS k""")
            c.execute("""UPDATE lending_instalment i SET principal_paid = principal_due, interest_paid = interest_due,
                   status = 'paid', paid_on = due_date
                  FROM lending_loan l WHERE l.id = i.loan_id AND i.due_date < %(as_of)s::date
                   AND (l.borrower_id %% 100 >= 15 OR i.period < 1 + (l.id * 37) %% 12)""", {"as_of": as_of})
            c.execute("""UPDATE lending_loan l SET principal_outstanding = s.unpaid, maturity_date = s.maturity,
                   delinquency_as_of = s.start
                  FROM (SELECT loan_id, SUM(principal_due - principal_paid) AS unpaid, MAX(due_date) AS maturity,
                               MIN(period_start) AS start FROM lending_instalment GROUP BY loan_id) s
                 WHERE s.loan_id = l.id""")
            insert_select(c, Report, {
                "reporter_id": str(bank.pk), "subject_id": "a.id", "category": "'late_payment'",
                "report_type": "CASE WHEN a.id %% 2 = 0 THEN 'negative' ELSE 'positive' END",
                "title": "'基准报告'", "evidence": "'—'", "status": "(ARRAY['verified','unverified','disputed',"
                                                               "'rejected'])[1 + a.id %% 4]",
                "created_at": "now() - make_interval(days => (a.id %% 700)::int)"}, firms + " AND a.id %% 5 = 0")
    delinquency_run(as_of=as_of)
    with connection.cursor() as c:
        for table in ("agents_agent", "clusterfinance_clustermembership", "infocenter_firmrecord", "lending_loan",
                      "lending_instalment", "lending_bucketmove", "infocenter_report"):
            c.execute(f"VACUUM ANALYZE {table}")
    return fc, Loan.objects.count(), Instalment.objects.count(), FirmRecord.objects.count(), Report.objects.count()


BARE_SOURCES = [
    "SELECT a.id, a.current_grade, p.supply_chain_position, a.region_code, a.industry_code FROM agents_agent a "
    "LEFT JOIN enterprises_enterpriseprofile p ON p.agent_id = a.id WHERE a.kind = 'enterprise'",
    "SELECT agent_id, min(joined_on) FROM clusterfinance_clustermembership WHERE status = 'active' GROUP BY agent_id",
    "SELECT agent_id, kind, period_type, period_end, revenue, net_profit, total_assets, total_liabilities, tax_paid, "
    "tax_arrears, insured_headcount, contribution_arrears FROM infocenter_firmrecord",
    "SELECT borrower_id, count(*), max(dpd), min(disbursed_on) FROM lending_loan GROUP BY borrower_id",
    "SELECT l.borrower_id, count(*), count(*) FILTER (WHERE i.status = 'paid' AND i.paid_on <= i.due_date), "
    "sum(i.principal_due - i.principal_paid) FILTER (WHERE i.status = 'overdue') FROM lending_instalment i "
    "JOIN lending_loan l ON l.id = i.loan_id WHERE i.due_date <= current_date GROUP BY l.borrower_id",
    "SELECT l.borrower_id, max(m.dpd) FROM lending_bucketmove m JOIN lending_loan l ON l.id = m.loan_id "
    "GROUP BY l.borrower_id",
    "SELECT r.subject_id, a.kind, r.status, r.report_type, r.created_at FROM infocenter_report r "
    "JOIN agents_agent a ON a.id = r.reporter_id",
    "SELECT DISTINCT subject_id, category FROM infocenter_publication WHERE is_current AND status = 'published'",
]


def bare_cost(table, version, fc):
    """COPY the source rows out into pandas, score the arrays, COPY the rating rows in."""
    import numpy as np
    import pandas as pd
    from django.db import connection

    from clusterfinance.rating.scorecard import Calibration, model_for

    timings = {}
    started = time.monotonic()
    raw = connection.connection  # the psycopg connection
    frames = []
    with raw.cursor() as cur:
        for sql in BARE_SOURCES:
            buf = io.BytesIO()
            with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for data in copy:
                    buf.write(data)
            buf.seek(0)
            frames.append(pd.read_csv(buf, header=None) if buf.getbuffer().nbytes else pd.DataFrame())
    timings["copy out"] = time.monotonic() - started
    started = time.monotonic()
    model, calibration = model_for(version), Calibration(version.calibration)
    scores, points = model.score(table)
    grades = calibration.grades(scores)
    pds = calibration.pds(grades)
    timings["score"] = time.monotonic() - started
    started = time.monotonic()
    inputs = table[[c for c in table.columns if c not in ("previous_grade", "region_code", "industry_code",
                                                         "limited_history")]]
    records = inputs.astype(object).where(inputs.notna(), None).to_dict("records")
    reasons = json.dumps([{"code": "x", "delta": 1.0, "text_en": "bare", "text_zh": "bare"}] * 6)
    out = io.StringIO()
    ids = table.index.to_numpy()
    for i in range(len(ids)):
        out.write(f"{ids[i]}\t{fc.pk}\t{version.pk}\t{scores[i]:.2f}\t{grades[i]}\t{pds[i]:.6f}\t\t"
                  f"{reasons}\t{json.dumps(records[i])}\tf\tf\tnow\tnightly\t-1\n")
    with raw.cursor() as cur, cur.copy(
            "COPY clusterfinance_rating (agent_id, finance_company_id, version_id, score, grade, pd, previous_grade, "
            "reasons, inputs, limited_history, is_current, rated_at, trigger, source_event_id) FROM STDIN") as copy:
        copy.write(out.getvalue())
    timings["copy in"] = time.monotonic() - started
    with raw.cursor() as cur:
        cur.execute("DELETE FROM clusterfinance_rating WHERE source_event_id = -1")  # the bare rows only
    raw.commit()
    return timings, float(np.sum(list(timings.values())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (300 firms) that only checks it works")
    args = parser.parse_args()
    if args.smoke:
        args.firms = 300
    url = args.database_url.replace("postgres://", "postgresql://", 1)
    print(f"database {urlparse(url).path.lstrip('/')}: recreating and migrating …", flush=True)
    recreate_database(url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform4a1c.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from clusterfinance.rating.features import feature_table
    from clusterfinance.rating.models import Rating
    from clusterfinance.rating.services import ratings_rescore, scorecard_default_ensure

    as_of = timezone.localdate()
    started = time.monotonic()
    fc, loans, instalments, records, reports = generate(args, as_of)
    print(f"generated {args.firms:,} firms, {records:,} records, {loans:,} loans, {instalments:,} instalments, "
          f"{reports:,} reports in {time.monotonic() - started:.1f} s", flush=True)
    version = scorecard_default_ensure(finance_company=fc)

    runs = {}
    for label, force in (("first rating of everyone", False), ("nightly re-score, forced (all rows written)", True),
                         ("nightly re-score, nothing changed (idempotent)", False)):
        started = time.monotonic()
        with transaction.atomic():
            written = ratings_rescore(agent_ids=None, trigger="nightly", force=force)
        seconds = time.monotonic() - started
        runs[label] = seconds
        print(f"{label}: {seconds:.1f} s — {len(written):,} ratings written", flush=True)
    from agents.models import Agent

    table = feature_table(Agent.objects.filter(kind="enterprise"), as_of=as_of)
    timings, bare = bare_cost(table, version, fc)
    print("bare cost: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + f" = {bare:.1f} s")
    grades = dict(Agent.objects.filter(kind="enterprise").values_list("current_grade")
                  .annotate(n=django.db.models.Count("id")))
    print(f"grades: {dict(sorted(grades.items()))}; ratings stored: {Rating.objects.count():,}")
    e2e = runs["nightly re-score, forced (all rows written)"]
    ok = e2e <= 20 and e2e <= 3 * bare
    print(f"goal ≤ 20 s and ≤ 3× bare for {args.firms:,} firms: {'MET' if ok else 'MISSED'} "
          f"({e2e:.1f} s end to end, {e2e / bare:.1f}× the bare {bare:.1f} s)")
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
