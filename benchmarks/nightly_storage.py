#!/usr/bin/env python
"""Benchmark: the nightly delinquency run on a large book, with the instalments' and loans' pages
full (PostgreSQL's default fillfactor 100) and with room left on each page (``--fillfactor``).

Every night the penalty accrual rewrites each overdue instalment (``penalty_accrued``,
``penalty_through``) and the DPD statement each delinquent loan (``dpd``). None of those columns is
indexed, so PostgreSQL can write the new row version on the same page without touching an index
(a HOT update) — if the page has room. A table filled by COPY or bulk INSERTs has none: every
such update then inserts an entry into each of the table's indexes (six on the instalments) at a
random place of a 10,000,000-row table.

On an existing database (``benchmarks/scale.py --keep`` leaves ``<name>_s<firms>``) the script

1. runs the next night ``--nights`` times, each in a transaction rolled back after a plain
   ``VACUUM`` of both tables (what autovacuum does between two nights, not timed: the rolled-back
   row versions would otherwise fill the room), and prints the time of each statement and the
   share of HOT updates (``pg_stat_xact_user_tables``);
2. sets ``fillfactor`` on ``lending_instalment`` and ``lending_loan`` and rewrites both
   (``VACUUM FULL``: what the migration's new pages get, compacted as after generation), then
   runs the same night as often again.

    .venv/bin/python benchmarks/nightly_storage.py --database-url postgres://postgres@127.0.0.1:5432/p4a1c_scale_s1000000
    .venv/bin/python benchmarks/nightly_storage.py --database-url ... --fillfactor 0 --floor   # the night and its floor
    .venv/bin/python benchmarks/nightly_storage.py --database-url postgres://.../scratch --smoke   # does it still run?

``--floor`` measures after each night the bare cost of the same writes: the rows the night marks
overdue, accrues and moves a day on, rewritten without any rule (no join to the loans, a constant
instead of the penalty formula, no moves or events), in a transaction rolled back. Run on the
databases of each step of ``scale.py --keep``, it tells how much of the night's growth is the
machine's price for writing rows in a larger table.

``--smoke`` drops and recreates the database, migrates it and builds a small book (the repayment
benchmark's set-up: 60 loans disbursed in September, overdue since October), then measures one
night per layout.

Since migration ``lending 0017`` new databases already have ``fillfactor`` 80: the comparison with
full pages needs a database from before it, or ``ALTER TABLE … RESET (fillfactor)`` and
``VACUUM FULL`` first. It changes the tables' storage (not their data) and leaves them so; exit 1 when a run's counts
differ between the two layouts (the same night must do the same work).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TABLES = ("lending_instalment", "lending_loan")


class Rollback(Exception):
    pass


def stats(cursor) -> dict:
    cursor.execute("SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
                   [list(TABLES)])
    return {name: (upd, hot) for name, upd, hot in cursor.fetchall()}


def night(as_of) -> tuple[float, object, dict]:
    from django.db import connection, transaction

    from lending.services import delinquency_run

    out = {}
    try:
        with transaction.atomic():
            with connection.cursor() as c:
                before = stats(c)
            started = time.perf_counter()
            out["report"] = delinquency_run(as_of=as_of)
            out["seconds"] = time.perf_counter() - started
            with connection.cursor() as c:
                after = stats(c)
            out["hot"] = {t: (after.get(t, (0, 0))[0] - before.get(t, (0, 0))[0],
                              after.get(t, (0, 0))[1] - before.get(t, (0, 0))[1]) for t in TABLES}
            raise Rollback
    except Rollback:
        pass
    return out["seconds"], out["report"], out["hot"]


# The floor: the same rows rewritten with no rule at all — the instalments the night marks
# overdue (status, through its index), those it accrues (a constant added to the two penalty
# columns), the delinquent loans it moves a day on (dpd + 1) — no join to the loans, no
# arithmetic, no moves, no events. What the machine charges for writing those rows.
FLOOR = {
    "mark": "UPDATE lending_instalment SET status = 'overdue' WHERE status = 'pending' AND due_date < %(as_of)s",
    "accrue": "UPDATE lending_instalment SET penalty_accrued = penalty_accrued + 0.01, penalty_through = %(as_of)s "
              "WHERE status = 'overdue' AND due_date < %(as_of)s AND (penalty_through IS NULL OR "
              "penalty_through < %(as_of)s)",
    "dpd": "UPDATE lending_loan SET dpd = dpd + 1 WHERE status = 'active' AND id IN (SELECT loan_id FROM "
           "lending_instalment WHERE status = 'overdue' AND due_date < %(as_of)s)",
}


def floor(as_of) -> tuple[float, dict]:
    from django.db import connection, transaction

    out = {}
    try:
        with transaction.atomic(), connection.cursor() as c:
            started = time.perf_counter()
            for name, statement in FLOOR.items():
                if name == "mark":
                    c.execute("SET LOCAL enable_seqscan = off")
                c.execute(statement, {"as_of": as_of})
                out[name] = c.rowcount
                if name == "mark":
                    c.execute("SET LOCAL enable_seqscan = on")
            out["seconds"] = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return out.pop("seconds"), out


def runs(label: str, as_of, n: int, with_floor: bool = False) -> list[tuple]:
    from django.db import connection

    results = []
    for i in range(n):
        with connection.cursor() as c:  # what autovacuum does between two nights (not timed)
            c.execute(f"VACUUM {', '.join(TABLES)}")
        seconds, report, hot = night(as_of)
        per = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
        hots = ", ".join(f"{t}: {h:,} of {u:,} updates HOT" for t, (u, h) in hot.items())
        print(f"  {label}, run {i + 1}: {seconds:.2f} s — {per}\n    {report.penalty_accruals:,} penalty accruals, "
              f"{report.dpd_changes:,} DPD changes, {report.moves:,} moves; {hots}", flush=True)
        bare = None
        if with_floor:
            with connection.cursor() as c:
                c.execute(f"VACUUM {', '.join(TABLES)}")
            bare, rows = floor(as_of)
            print(f"    floor (the same rows rewritten, no rules): {bare:.2f} s — "
                  + ", ".join(f"{k} {v:,} rows" for k, v in rows.items())
                  + f"; night / floor {seconds / bare:.2f}", flush=True)
        results.append((seconds, report, bare))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="an existing large database (scale.py --keep)")
    parser.add_argument("--fillfactor", type=int, default=80, help="0: only measure the pages as they are")
    parser.add_argument("--nights", type=int, default=2, help="runs of the same night per layout")
    parser.add_argument("--floor", action="store_true",
                        help="after each night, the floor: the same rows rewritten without the rules (rolled back)")
    parser.add_argument("--smoke", action="store_true", help="a scratch database with a small book, one night each")
    args = parser.parse_args()
    if args.smoke:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from urllib.parse import urlparse

        import _repayment_load as load

        load.recreate_database(args.database_url, urlparse(args.database_url).path.lstrip("/"))
        load.django_setup(args.database_url)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        data = load.build(60, 12)
        connection.close()
        load.disburse_all(args.database_url, data, 1)
        args.nights, args.floor = 1, True
    else:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform4a1c.settings.local")
        import django

        django.setup()
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as c:
        c.execute("SELECT max(penalty_through) FROM lending_instalment")
        last = c.fetchone()[0]
        c.execute("SELECT count(*) FROM lending_instalment")
        rows = c.fetchone()[0]
        c.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)])
        options = dict(c.fetchall())
    as_of = last + timedelta(days=1) if last else timezone.localdate()  # the first night ever: today
    print(f"machine: {platform.node()}, {os.cpu_count()} cores; {rows:,} instalments; night {as_of}; "
          f"storage now {options}; load {os.getloadavg()[0]:.1f}", flush=True)
    before = runs("pages as they are", as_of, args.nights, args.floor)
    if not args.fillfactor:
        floors = f", floor {min(f for *_, f in before):.2f} s" if args.floor else ""
        print(f"\nRESULT night {as_of}: best of {args.nights} {min(s for s, *_ in before):.2f} s with the pages as "
              f"they are{floors} (load {os.getloadavg()[0]:.1f})")
        return 0
    started = time.perf_counter()
    with connection.cursor() as c:
        for table in TABLES:
            c.execute(f"ALTER TABLE {table} SET (fillfactor = {int(args.fillfactor)})")
            c.execute(f"VACUUM (FULL, ANALYZE) {table}")
    print(f"  fillfactor {args.fillfactor} set and both tables rewritten in {time.perf_counter() - started:.0f} s "
          f"(load {os.getloadavg()[0]:.1f})", flush=True)
    after = runs(f"fillfactor {args.fillfactor}", as_of, args.nights, args.floor)
    same = all((a.penalty_accruals, a.dpd_changes, a.moves) == (b.penalty_accruals, b.dpd_changes, b.moves)
               for (_, a, _), (_, b, _) in zip(before, after, strict=True))
    best = min(s for s, *_ in before), min(s for s, *_ in after)
    print(f"\nRESULT night {as_of}: best of {args.nights} {best[0]:.1f} s with the pages as they were "
          f"({options['lending_instalment'] or 'fillfactor 100'}), {best[1]:.1f} s with "
          f"fillfactor {args.fillfactor} ({best[0] / best[1]:.1f}×); same work: {'yes' if same else 'NO'} "
          f"(load {os.getloadavg()[0]:.1f})")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
