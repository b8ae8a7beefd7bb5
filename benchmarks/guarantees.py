#!/usr/bin/env python
"""Benchmark: the guarantee network of a 10,000-firm cluster — circles (strongly connected
groups) and the contagion stress test. Goal: ≤ 5 s for the stress test. Pure Python +
networkx, no database. ``--smoke`` runs 200 firms (CI).

    .venv/bin/python benchmarks/guarantees.py [--firms 10000 --edges-per-firm 2.5 --seed 1] [--smoke]
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

from clusterfinance.guarantees.network import Guarantee, build_graph, circles, contagion  # noqa: E402


def build(n: int, per_firm: float, seed: int):
    rnd = random.Random(seed)
    firms = [f"F{i:05d}" for i in range(n)]
    capacities = {f: Decimal(rnd.randint(50, 5_000) * 1000) for f in firms}
    guarantees = []
    for _ in range(int(n * per_firm)):
        g, b = rnd.sample(firms, 2)
        # firms mostly guarantee neighbours along the supply chain: that makes chains and circles
        if rnd.random() < 0.7:
            j = firms.index(g) if n <= 1000 else int(g[1:])
            b = firms[(j + rnd.randint(1, 5)) % n]
        guarantees.append(Guarantee(g, b, Decimal(rnd.randint(100, 3_000) * 1000)))
    return guarantees, capacities


def reference_contagion(guarantees, capacities, defaults):
    """The contagion rule again, from the plain list of guarantees (no graph library), to check
    the one function the pages and the command use: each defaulter's guarantors are called for
    what they guaranteed; a firm whose calls in total exceed its capacity defaults next round."""
    owed: dict[tuple[str, str], Decimal] = {}
    for g in guarantees:
        owed[(g.guarantor, g.borrower)] = owed.get((g.guarantor, g.borrower), Decimal(0)) + g.amount
    guarantors: dict[str, list[tuple[str, Decimal]]] = {}
    for (guarantor, borrower), amount in owed.items():
        guarantors.setdefault(borrower, []).append((guarantor, amount))
    defaulted, frontier, called, total, rounds = set(defaults), set(defaults), {}, Decimal(0), [sorted(defaults)]
    while frontier:
        calls: dict[str, Decimal] = {}
        for borrower in frontier:
            for guarantor, amount in guarantors.get(borrower, ()):
                calls[guarantor] = calls.get(guarantor, Decimal(0)) + amount
                called[guarantor] = called.get(guarantor, Decimal(0)) + amount
                total += amount
        frontier = {g for g in calls if g not in defaulted and called[g] > capacities.get(g, Decimal(0))}
        defaulted |= frontier
        if frontier:
            rounds.append(sorted(frontier))
    return rounds, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--edges-per-firm", type=float, default=2.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.firms = 200
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    guarantees, capacities = build(args.firms, args.edges_per_firm, args.seed)
    # the floor: reading the guarantees into the graph, which every answer needs
    t0 = time.perf_counter()
    build_graph(guarantees)
    t_floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = build_graph(guarantees)
    found = circles(graph, capacities)
    t_circles = time.perf_counter() - t0
    largest = max((len(c.members) for c in found), default=0)
    print(f"{args.firms:,} firms, {graph.number_of_edges():,} guarantees: {len(found):,} circles "
          f"(largest {largest:,} firms) in {t_circles:.2f} s")
    hub = max(graph.nodes, key=lambda f: graph.in_degree(f))
    worst, wrong = 0.0, []
    members = {m for c in found for m in c.members}
    for c in found:  # a circle is a strongly connected group: every member reaches every other
        if len(c.members) < 2 or not set(c.members) <= set(graph.nodes):
            wrong.append(f"circle {c.members[:3]}… is not a group of two or more firms of the network")
    for defaults in ([hub], sorted(capacities, key=capacities.get)[:10]):
        t0 = time.perf_counter()
        result = contagion(graph, capacities, defaults)
        elapsed = time.perf_counter() - t0
        worst = max(worst, elapsed + t_circles)
        print(f"stress test, {len(defaults)} initial defaults: {len(result.rounds) - 1} rounds, "
              f"{len(result.defaulted):,} firms fail, ¥{result.total_called:,} called, "
              f"¥{result.uncovered:,} uncovered, {elapsed:.2f} s")
        rounds, total = reference_contagion(guarantees, capacities, defaults)
        if [sorted(r.defaults) for r in result.rounds] != rounds or result.total_called != total:
            wrong.append(f"stress test from {defaults[:3]}: rounds or total called differ from the rule")
    import networkx as nx

    if sum(1 for c in nx.strongly_connected_components(graph) if len(c) > 1) != len(found) or \
            len(members) != sum(len(c.members) for c in found):
        wrong.append("the circles are not the strongly connected groups of the network")
    print(f"floor (reading the guarantees into a graph): {t_floor:.2f} s")
    if not args.smoke:
        print(f"goal ≤ 5 s (network + stress test): {'MET' if worst <= 5 else 'MISSED'} ({worst:.2f} s)")
    for line in wrong:
        print(f"WRONG: {line}")
    print("checks: circles are the strongly connected groups; each stress test matches the rule recomputed "
          "from the plain list of guarantees" if not wrong else f"checks: {len(wrong)} failed")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
