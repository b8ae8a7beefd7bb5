"""The guarantee network (担保圈/担保链) of a cluster: pure, no Django models.

Firms guarantee each other's loans (互保, 连环担保). An edge ``guarantor → borrower`` carries the
amount guaranteed. This module finds

* **circles** — every strongly connected group of two or more firms (a cycle of guarantees or
  several cycles sharing firms), with the exposure inside it (the sum of the guarantees between
  its members) against its members' capacity;
* **chains** — every weakly connected group of three or more firms that is not a single circle
  (guarantees passed along a supply chain);
* **contagion** — the stress test. The rule, applied by ``contagion`` and nowhere else: when a
  borrower defaults, each of its guarantors is called for the amount it guaranteed; a firm whose
  calls in total exceed its capacity (from its statements: equity, or the figure the finance
  company sets) defaults in the next round; repeat until no new default.

Amounts are ``Decimal`` yuan; the graph is held by networkx.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Guarantee:
    guarantor: str
    borrower: str
    amount: Decimal


@dataclass
class Circle:
    members: list[str]
    exposure: Decimal  # guarantees between members
    capacity: Decimal | None  # the members' capacity, when known for every member

    @property
    def exposure_ratio(self) -> Decimal | None:
        if not self.capacity:
            return None
        return (self.exposure / self.capacity).quantize(Decimal("0.0001"))


@dataclass
class Round:
    number: int
    defaults: list[str]  # firms that default in this round
    calls: dict[str, Decimal] = field(default_factory=dict)  # guarantor → called in this round


@dataclass
class StressTest:
    initial: list[str]
    rounds: list[Round]
    total_called: Decimal
    uncovered: Decimal  # called from guarantors that then defaulted themselves

    @property
    def defaulted(self) -> list[str]:
        return [firm for r in self.rounds for firm in r.defaults]


def build_graph(guarantees: Iterable[Guarantee]) -> nx.DiGraph:
    """One edge per guarantor and borrower, amounts of repeated guarantees added up."""
    graph = nx.DiGraph()
    for g in guarantees:
        if g.guarantor == g.borrower:
            continue  # a firm cannot guarantee itself; the services refuse it
        if graph.has_edge(g.guarantor, g.borrower):
            graph[g.guarantor][g.borrower]["amount"] += g.amount
        else:
            graph.add_edge(g.guarantor, g.borrower, amount=g.amount)
    return graph


def circles(graph: nx.DiGraph, capacities: Mapping[str, Decimal] | None = None) -> list[Circle]:
    """Every strongly connected group of two or more firms, largest exposure first."""
    capacities = capacities or {}
    found = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        members = sorted(component)
        exposure = sum((d["amount"] for _u, _v, d in graph.subgraph(members).edges(data=True)), ZERO)
        known = all(m in capacities for m in members)
        capacity = sum((capacities[m] for m in members), ZERO) if known else None
        found.append(Circle(members=members, exposure=exposure, capacity=capacity))
    return sorted(found, key=lambda c: (-c.exposure, c.members))


def chains(graph: nx.DiGraph) -> list[dict]:
    """Weakly connected groups of three or more firms that are not one single circle."""
    found = []
    strong = {frozenset(c) for c in nx.strongly_connected_components(graph)}
    for component in nx.weakly_connected_components(graph):
        if len(component) < 3 or frozenset(component) in strong:
            continue
        members = sorted(component)
        sub = graph.subgraph(members)
        found.append({"members": members,
                      "exposure": sum((d["amount"] for _u, _v, d in sub.edges(data=True)), ZERO),
                      "longest": nx.dag_longest_path_length(nx.condensation(sub)) + 1})
    return sorted(found, key=lambda c: (-c["exposure"], c["members"]))


def closes_circle(graph: nx.DiGraph, guarantor: str, borrower: str) -> bool:
    """Would a new guarantee ``guarantor → borrower`` close a circle? (a path borrower → guarantor)"""
    return guarantor != borrower and borrower in graph and guarantor in graph and nx.has_path(graph, borrower,
                                                                                              guarantor)


def contagion(graph: nx.DiGraph, capacities: Mapping[str, Decimal], defaults: Iterable[str]) -> StressTest:
    """The rounds of failures that follow the default of ``defaults`` (the rule in the module
    docstring). A firm without a known capacity is taken to have none."""
    initial = sorted(set(defaults))
    defaulted = set(initial)
    called: dict[str, Decimal] = defaultdict(lambda: ZERO)
    rounds = [Round(number=0, defaults=initial)]
    frontier = initial
    total = ZERO
    while frontier:
        calls: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for borrower in frontier:
            if borrower not in graph:
                continue
            for guarantor in graph.predecessors(borrower):
                amount = graph[guarantor][borrower]["amount"]
                calls[guarantor] += amount
                called[guarantor] += amount
                total += amount
        rounds[-1].calls = dict(sorted(calls.items()))
        new = sorted(g for g in calls if g not in defaulted and called[g] > capacities.get(g, ZERO))
        if not new:
            break
        defaulted.update(new)
        rounds.append(Round(number=len(rounds), defaults=new))
        frontier = new
    uncovered = sum((called[g] for g in defaulted if g in called), ZERO)
    return StressTest(initial=initial, rounds=rounds, total_called=total, uncovered=uncovered)


def as_dict(circle_list: list[Circle], stress: StressTest | None = None) -> dict:
    def money(v):
        return format(v.quantize(Decimal("0.01")), "f")

    out: dict = {"circles": [{"members": c.members, "exposure": money(c.exposure),
                              "capacity": money(c.capacity) if c.capacity is not None else None,
                              "exposure_ratio": str(c.exposure_ratio) if c.exposure_ratio is not None else None}
                             for c in circle_list]}
    if stress is not None:
        out["stress_test"] = {
            "defaults": stress.initial,
            "rounds": [{"round": r.number, "defaults": r.defaults,
                        "calls": {k: money(v) for k, v in r.calls.items()}} for r in stress.rounds],
            "defaulted": stress.defaulted, "total_called": money(stress.total_called),
            "uncovered": money(stress.uncovered)}
    return out
