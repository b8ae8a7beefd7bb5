#!/usr/bin/env python
"""Benchmark: import a 100,000-row financial-statement file ("bulk data in").

Goal: ≤ 60 s on PostgreSQL with bounded memory (the file is read in chunks of 5,000 rows).
The script makes its own database content: one government authority, N firms in its region
and a GBK-encoded CSV of N × M statement rows; then it runs the same service the Celery task
runs (``import_job_run``) twice — the first import creates every record, the second replaces
every record (a corrected file) — and prints time and peak RSS.

    .venv/bin/python benchmarks/import.py --database-url postgres://postgres@127.0.0.1:5432/bench_import
    .venv/bin/python benchmarks/import.py --database-url ... --rows 200000   # memory stays flat
    .venv/bin/python benchmarks/import.py --database-url ... --smoke         # 200 rows: does it still run?

The database is created when missing and migrated; rows from earlier runs are deleted first.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    # ru_maxrss is in KiB on Linux: the peak resident set of this process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--firms", type=int, default=2_000)
    parser.add_argument("--no-replace", action="store_true", help="skip the second (replacing) import")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (200 rows, 20 firms) that only checks it works")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.firms = 200, 20
    periods = -(-args.rows // args.firms)
    if periods > 100:
        parser.error("at most 100 monthly periods per firm: raise --firms")

    if args.database_url.startswith("postgres"):
        ensure_database(args.database_url)
    media = tempfile.mkdtemp(prefix="bench-import-media-")
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="platform4a1c.settings.local",
                      DJANGO_MEDIA_ROOT=media, DJANGO_LOG_LEVEL="WARNING", CELERY_BROKER_URL="memory://")
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from agents.models import Agent, Membership
    from agents.services import agent_create, user_get_or_create
    from agents.validators import make_uscc
    from infocenter.imports.services import import_job_create, import_job_run
    from infocenter.models import FirmRecord, ImportJob

    region = "339901"
    gov_code = make_uscc(authority="1", division=region, serial=90_000_000)
    gov = Agent.objects.filter(credit_code=gov_code).first() or agent_create(
        kind="government", name="基准测试政府办公室", region_code=region, region="基准市", credit_code=gov_code)
    user = user_get_or_create(email="bench-import@example.cn")
    Membership.objects.get_or_create(user=user, agent=gov, defaults={"role": "gov_supervisor"})
    codes = [make_uscc(division=region, serial=91_000_000 + i) for i in range(args.firms)]
    existing = set(Agent.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
    Agent.objects.bulk_create([
        Agent(kind="enterprise", name=f"基准企业{i:05d}有限公司", region_code=region, region="基准市", credit_code=code,
              industry_code="C33", size_class="small")
        for i, code in enumerate(codes) if code not in existing], batch_size=2000)
    FirmRecord.objects.filter(agent__credit_code__in=codes).delete()
    ImportJob.objects.filter(agent=gov).delete()

    months = [f"{2018 + i // 12}-{i % 12 + 1:02d}" for i in range(periods)]
    path = Path(media) / "statements-gbk.csv"
    written = 0
    with path.open("w", encoding="gbk", newline="") as handle:
        handle.write("统一社会信用代码,企业名称,期间,营业收入,净利润,资产总额,负债总额\r\n")
        for f, code in enumerate(codes):
            for m, month in enumerate(months):
                if written == args.rows:
                    break
                handle.write(f"{code},基准企业{f:05d}有限公司,{month},{1_000_000 + f * 37 + m}.{m % 100:02d},"
                             f"-{m % 9}.50,{5_000_000 + f}.00,{2_000_000 + m}.00\r\n")
                written += 1
    size_mib = path.stat().st_size / 2**20
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"file: {written:,} rows, {args.firms:,} firms, {size_mib:.1f} MiB, GBK")
    print(f"peak RSS before importing: {rss_mib():.0f} MiB")

    results = []
    for label in ("create", "replace")[: 1 if args.no_replace else 2]:
        started = time.perf_counter()
        with path.open("rb") as handle:
            job = import_job_create(user=user, agent=gov, kind="statement", file=File(handle, name=path.name))
        checked = time.perf_counter()
        job = import_job_run(job_id=job.pk)
        done = time.perf_counter()
        job.refresh_from_db()
        assert job.status == "succeeded", (job.status, job.message, job.error_preview[:3])
        results.append((label, done - started, checked - started, job.created_rows, job.updated_rows))
        print(f"{label}: {done - started:.1f} s (upload check {checked - started:.1f} s), "
              f"{job.created_rows:,} created, {job.updated_rows:,} replaced, "
              f"{written / (done - started):,.0f} rows/s; peak RSS so far {rss_mib():.0f} MiB")
    assert FirmRecord.objects.filter(agent__credit_code__in=codes).count() == written
    worst = max(r[1] for r in results)
    print(f"RESULT rows={written} worst={worst:.1f}s goal=60s {'OK' if worst <= 60 else 'SLOW'} "
          f"peak_rss={rss_mib():.0f}MiB")
    return 0 if worst <= 60 else 1


if __name__ == "__main__":
    raise SystemExit(main())
