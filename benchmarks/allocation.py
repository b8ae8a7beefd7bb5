#!/usr/bin/env python
"""Benchmark: the pool's allocation solver on 5,000 queued applications × 50 sources.

Goal: the optimal allocation (HiGHS MILP + LP for the shadow prices) in ≤ 10 s, shown beside
the greedy fill of the same queue (objective and time), so the value of optimising is visible.
Pure Python and scipy: no database. ``--smoke`` runs a tiny queue (CI).

    .venv/bin/python benchmarks/allocation.py [--applications 5000 --sources 50 --seed 1] [--smoke]
"""

import argparse
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform4a1c.settings.test")

from clusterfinance.allocation.solver import GRADES, greedy, problem_from_dict, solve  # noqa: E402


def build(n_apps: int, n_sources: int, seed: int) -> dict:
    rnd = random.Random(seed)
    sources = [{"id": f"s{i}", "amount": f"{rnd.randint(2_000, 60_000) * 100}.00",
                "cost_rate": f"{rnd.uniform(0.015, 0.06):.4f}", "months_left": rnd.choice([3, 6, 12, 24, 36, 60])}
               for i in range(n_sources)]
    firms = max(1, n_apps // 3)
    apps = []
    for i in range(n_apps):
        grade = rnd.choices(GRADES, weights=[2, 5, 10, 15, 15, 10, 5, 2, 1])[0]
        pd = (GRADES.index(grade) + 1) ** 2 / 400
        apps.append({"id": f"a{i}", "firm": f"f{rnd.randrange(firms)}", "industry": f"C{rnd.randint(30, 39)}",
                     "amount": f"{rnd.randint(500, 20_000) * 100}.00", "rate": f"{rnd.uniform(0.04, 0.12):.4f}",
                     "term_months": rnd.choice([3, 6, 12, 12, 24, 36]), "pd": f"{pd:.4f}", "lgd": "0.45",
                     "grade": grade, "policy_weight": rnd.choice(["0", "0", "0", "0.01"]),
                     "partial": rnd.random() < 0.6})
    return {"sources": sources, "applications": apps,
            "constraints": {"reserve_floor": "0.10", "single_borrower_cap": "0.02", "industry_cap": "0.25",
                            "min_grade": "CCC"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="a tiny queue, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.applications, args.sources = 40, 5
    problem = problem_from_dict(build(args.applications, args.sources, args.seed))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"{args.applications:,} applications × {args.sources} sources, pool ¥{problem.pool:,}")
    t0 = time.perf_counter()
    optimal = solve(problem)
    t_opt = time.perf_counter() - t0
    t0 = time.perf_counter()
    simple = greedy(problem)
    t_greedy = time.perf_counter() - t0
    funded = sum(1 for o in optimal.outcomes if o.funded)
    print(f"optimal: {optimal.status}, objective ¥{optimal.objective:,.2f}/year, lent ¥{optimal.lent:,}, "
          f"{funded:,} funded, {len(optimal.binding)} binding constraints, {t_opt:.2f} s")
    funded_g = sum(1 for o in simple.outcomes if o.funded)
    print(f"greedy:  objective ¥{simple.objective:,.2f}/year, lent ¥{simple.lent:,}, {funded_g:,} funded, "
          f"{t_greedy:.2f} s")
    gain = optimal.objective - simple.objective
    print(f"optimising adds ¥{gain:,.2f}/year ({(gain / simple.objective * 100) if simple.objective else Decimal(0):.2f} %)")
    if not args.smoke:
        print(f"goal ≤ 10 s: {'MET' if t_opt <= 10 else 'MISSED'} ({t_opt:.2f} s)")
    return 0 if optimal.status == "optimal" else 1


if __name__ == "__main__":
    sys.exit(main())
