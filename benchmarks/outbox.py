#!/usr/bin/env python
"""Benchmark: the centre's outbox (the feedback loop).

One firm with F followers (people of F different institutions, each following the firm);
the firm publishes P items through ``publication_create`` (a third public, a third "platform
members", a third "given kinds: institutions" — the last kind is checked through restrict()
per follower). Then the dispatcher delivers every event (publication.published and the
rescore.requested it causes) and the script prints the time, events per second and the
number of notifications; a second dispatch must find nothing to do.

    .venv/bin/python benchmarks/outbox.py --database-url postgres://postgres@127.0.0.1:5432/bench_outbox
    .venv/bin/python benchmarks/outbox.py --database-url ... --publications 2000 --followers 50
    .venv/bin/python benchmarks/outbox.py --database-url ... --smoke   # 9 items × 3 followers: does it still run?

The database is created when missing and migrated; the benchmark's own rows are replaced.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
    parser.add_argument("--publications", type=int, default=1000)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (9 publications, 3 followers)")
    args = parser.parse_args()
    if args.smoke:
        args.publications, args.followers = 9, 3
    if args.database_url.startswith("postgres"):
        ensure_database(args.database_url)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="platform4a1c.settings.local",
                      DJANGO_LOG_LEVEL="WARNING", CELERY_BROKER_URL="memory://")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)

    from agents.models import Agent
    from agents.services import agent_create, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from infocenter.models import Event, Notification, Publication
    from infocenter.services import events_dispatch, publication_create, subscription_create

    region = "339902"

    def agent(kind, name, serial):
        code = make_uscc(division=region, serial=serial)
        return Agent.objects.filter(credit_code=code).first() or agent_create(
            kind=kind, name=name, region_code=region, region="基准市", credit_code=code)

    firm = agent("enterprise", "基准出版企业有限公司", 92_000_000)
    Notification.objects.filter(event__subject_agent=firm).delete()
    Event.objects.filter(subject_agent=firm).delete()
    Publication.objects.filter(subject=firm).delete()
    followers = []
    for i in range(args.followers):
        bank = agent("institution", f"基准银行{i:03d}", 92_100_000 + i)
        user = user_get_or_create(email=f"bench-outbox-{i}@example.cn")
        membership_create(user=user, agent=bank, role="inst_officer")
        subscription_create(user=user, target="agent", agent=firm)
        followers.append(user)

    visibilities = [("public", ()), ("members", ()), ("kinds", ("institution",))]
    started = time.perf_counter()
    with transaction.atomic():
        for i in range(args.publications):
            visibility, kinds = visibilities[i % 3]
            publication_create(subject=firm, category="major_events", title=f"基准事件 {i}", body="正文",
                               visibility=visibility, audience_kinds=kinds)
    published = time.perf_counter()
    events = Event.objects.filter(subject_agent=firm, dispatched_at__isnull=True).count()
    delivered = events_dispatch(max_batches=10_000)
    dispatched = time.perf_counter()
    again = events_dispatch()
    notes = Notification.objects.filter(user__in=followers).count()
    expected = args.publications * args.followers
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"publish {args.publications:,} items: {published - started:.1f} s "
          f"({args.publications / (published - started):,.0f}/s), {events:,} events written")
    print(f"dispatch: {delivered:,} events in {dispatched - published:.1f} s "
          f"({delivered / (dispatched - published):,.0f} events/s), {notes:,} notifications "
          f"(expected {expected:,}); second dispatch: {again} events")
    ok = notes == expected and again == 0
    print(f"RESULT publications={args.publications} followers={args.followers} "
          f"dispatch={dispatched - published:.1f}s {'OK' if ok else 'WRONG'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
