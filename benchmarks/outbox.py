#!/usr/bin/env python
"""Benchmark: the centre's outbox (the feedback loop).

One firm with F followers (people of F different institutions, each following the firm);
the firm publishes P items through ``publication_create`` (a third public, a third "platform
members", a third "given kinds: institutions" — the last kind is checked through restrict()
per follower). Then the dispatcher delivers every event (publication.published and the
rescore.requested it causes) and the script prints the time, events per second and the
number of notifications; a second dispatch must find nothing to do.

In the same run, before the dispatch, it measures the bare cost ("floor") of the rows the
delivery writes: one transaction of INSERT … SELECT of the same notifications (same table,
indexes and constraints), the same delivery rows of every handler, the rescore request and the
UPDATE that marks the events dispatched, with the foreign-key checks the commit would run
(``SET CONSTRAINTS ALL IMMEDIATE``) — rolled back, so the dispatch then starts from the
same state. ``--workers N`` dispatches with N processes at once (disjoint batches claimed with
SELECT … FOR UPDATE SKIP LOCKED); ``--batch`` is the claim size.

    .venv/bin/python benchmarks/outbox.py --database-url postgres://postgres@127.0.0.1:5432/bench_outbox
    .venv/bin/python benchmarks/outbox.py --database-url ... --publications 2000 --followers 50
    .venv/bin/python benchmarks/outbox.py --database-url ... --workers 2 --batch 200
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


def _dispatch_worker(batch: int) -> int:
    """One worker process: dispatch until nothing is left (it opens its own connection)."""
    from infocenter.services import events_dispatch

    return events_dispatch(max_batches=1_000_000, batch=batch)


FLOOR_SQL = """
INSERT INTO infocenter_notification (user_id, event_id, kind, topic, params, url, created_at, count, email_wanted,
                                     items)
SELECT s.user_id, e.id, e.kind, 'publications.' || p.category,
       jsonb_build_object('publisher', pub.name, 'title', p.title, 'version', p.version, 'category', p.category),
       '/centre/p/' || p.id || '/', now(), 1, false, '[]'::jsonb
  FROM infocenter_event e
  JOIN infocenter_publication p ON p.id = (e.payload->>'publication_id')::bigint
  JOIN agents_agent pub ON pub.id = p.publisher_id
  JOIN infocenter_subscription s ON s.agent_id = p.subject_id
 WHERE e.id = ANY(%(ids)s);
INSERT INTO infocenter_eventdelivery (event_id, handler, delivered_at)
SELECT e.id, h.name, now() FROM infocenter_event e CROSS JOIN unnest(%(handlers)s::text[]) AS h(name)
 WHERE e.id = ANY(%(ids)s);
INSERT INTO infocenter_event (kind, subject_agent_id, payload, created_at, attempts, last_error, coalesce_key)
VALUES ('rescore.requested', %(firm)s, '{}'::jsonb, now(), 0, '', 'floor:' || %(firm)s);
UPDATE infocenter_event SET dispatched_at = now(), lease_until = NULL WHERE id = ANY(%(ids)s);
"""


def floor_measure(ids: list[int], handlers: list[str], firm_id: int) -> tuple[float, int]:
    """The floor: the delivery's rows written set-based in one transaction, rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL.split(";")[0], {"ids": ids})
            notes = cursor.rowcount
            for statement in FLOOR_SQL.split(";")[1:]:
                if statement.strip():
                    cursor.execute(statement, {"ids": ids, "handlers": handlers, "firm": firm_id})
            # the foreign keys are deferred to the commit, which a rollback skips: check them now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--publications", type=int, default=1000)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="dispatching processes (PostgreSQL)")
    parser.add_argument("--batch", type=int, default=None, help="events per claimed batch (default EVENT_BATCH)")
    parser.add_argument("--profile", action="store_true", help="print where the dispatch spends its time (cProfile)")
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
    from django.db import connection, connections, transaction
    from django.urls import reverse

    call_command("migrate", verbosity=0)

    from agents.models import Agent
    from agents.services import agent_create, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from infocenter.constants import EVENT_BATCH
    from infocenter.models import Event, Notification, Publication
    from infocenter.services import events_dispatch, handlers_for, publication_create, subscription_create

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
    publish_s = time.perf_counter() - started
    pending = list(Event.objects.filter(subject_agent=firm, dispatched_at__isnull=True).order_by("pk"))
    events = len(pending)
    if connection.vendor == "postgresql":
        handler_names = sorted({name for e in pending for name, _f in handlers_for(e.kind)})
        floor_s, floor_notes = floor_measure([e.pk for e in pending], handler_names, firm.pk)
    else:
        floor_s, floor_notes = None, 0
    # A worker loads the URLconf once at start (handlers reverse() their links): not timed.
    reverse("infocenter:publication-detail", args=[1])
    batch = args.batch or EVENT_BATCH
    dispatch_started = time.perf_counter()
    if args.workers > 1 and connection.vendor == "postgresql":
        import multiprocessing

        connections.close_all()
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            delivered = sum(pool.map(_dispatch_worker, [batch] * args.workers))
    elif args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        delivered = profiler.runcall(events_dispatch, max_batches=1_000_000, batch=batch)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    else:
        delivered = events_dispatch(max_batches=1_000_000, batch=batch)
    dispatched = time.perf_counter()
    again = events_dispatch()
    notes = Notification.objects.filter(user__in=followers).count()
    expected = args.publications * args.followers
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; workers {args.workers}, batch {batch}")
    print(f"publish {args.publications:,} items: {publish_s:.1f} s "
          f"({args.publications / publish_s:,.0f}/s), {events:,} events written")
    rate = delivered / (dispatched - dispatch_started)
    print(f"dispatch: {delivered:,} events in {dispatched - dispatch_started:.2f} s "
          f"({rate:,.0f} events/s), {notes:,} notifications "
          f"(expected {expected:,}); second dispatch: {again} events")
    if floor_s is not None:
        print(f"floor (INSERT … SELECT of the same {floor_notes:,} notifications and delivery rows, one transaction): "
              f"{floor_s:.2f} s ({events / floor_s:,.0f} events/s); dispatch / floor = "
              f"{(dispatched - dispatch_started) / floor_s:.1f}")
    ok = notes == expected and again == 0 and (floor_s is None or floor_notes == expected)
    print(f"RESULT publications={args.publications} followers={args.followers} workers={args.workers} "
          f"events_per_s={rate:.0f} {'OK' if ok else 'WRONG'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
