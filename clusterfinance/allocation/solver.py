"""The allocation solver of the fund pool (资金再分配): pure, no Django models.

The problem (documented for users in docs/finance-company.md, "The allocation problem file"):

* ``sources`` — money of the pool: ``id``, ``amount``, ``cost_rate`` (a year), ``months_left``;
* ``applications`` — approved applications waiting for money: ``id``, ``firm``, ``industry``,
  ``amount``, ``rate``, ``term_months``, ``pd``, ``lgd``, ``grade``, ``policy_weight``,
  ``partial`` (may it be funded in part?);
* ``constraints`` — ``reserve_floor``, ``single_borrower_cap``, ``industry_cap`` (shares of the
  pool's total) and ``min_grade``.

It maximises Σ x(a,s) × (rate(a) − pd(a)·lgd(a) − cost_rate(s) + policy_weight(a)) over the
yuan x(a,s) that source s lends to application a, where s may fund a only if
term_months(a) ≤ months_left(s); Σ x ≤ (1 − reserve_floor) × pool; each firm ≤
single_borrower_cap × pool; each industry ≤ industry_cap × pool; each source ≤ its amount;
no application below min_grade; an application with ``partial: false`` is funded whole or not
at all (a binary variable). A pair whose return is not positive is never funded.

It is solved with HiGHS through scipy: ``milp`` decides which whole-or-nothing applications
are funded, then ``linprog`` re-solves the amounts with those decisions fixed, which gives the
shadow prices (duals) of the binding constraints. Amounts come back in fen, exact: every
application's sources sum to its funded amount to the fen and no source lends more than it has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array

from agents.choices import GRADE_ORDER

GRADES = GRADE_ORDER  # best first: the rating's scale, defined once in the core
FEN = Decimal("0.01")
EPS = 1e-7


class ProblemError(ValueError):
    """The problem file is not valid; ``errors`` lists every problem found (path: message)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Source:
    id: str
    amount: Decimal
    cost_rate: Decimal
    months_left: int


@dataclass(frozen=True)
class Application:
    id: str
    firm: str
    industry: str
    amount: Decimal
    rate: Decimal
    term_months: int
    pd: Decimal
    lgd: Decimal
    grade: str
    policy_weight: Decimal = Decimal(0)
    partial: bool = True


@dataclass(frozen=True)
class Constraints:
    reserve_floor: Decimal = Decimal(0)
    single_borrower_cap: Decimal = Decimal(1)
    industry_cap: Decimal = Decimal(1)
    min_grade: str | None = None


@dataclass(frozen=True)
class Problem:
    sources: tuple[Source, ...]
    applications: tuple[Application, ...]
    constraints: Constraints

    @property
    def pool(self) -> Decimal:
        return sum((s.amount for s in self.sources), Decimal(0))


@dataclass
class Outcome:
    """One application's result: ``status`` is funded / partial / waiting; ``reason`` a code
    (see ``REASONS``) with ``detail`` for the explanation; ``by_source`` amounts in yuan."""

    id: str
    status: str
    funded: Decimal = Decimal("0.00")
    by_source: dict[str, Decimal] = field(default_factory=dict)
    reason: str = ""
    detail: dict = field(default_factory=dict)


@dataclass
class Binding:
    """A constraint the optimum presses against, and what one more yuan of room would earn a year."""

    constraint: str  # reserve_floor / single_borrower_cap / industry_cap / source
    subject: str  # the firm, industry or source; "" for the pool
    shadow_price: Decimal  # expected risk-adjusted return per extra yuan of room, a year


@dataclass
class Allocation:
    status: str  # optimal / infeasible / error
    objective: Decimal
    outcomes: list[Outcome]
    binding: list[Binding]
    lent: Decimal
    pool: Decimal

    def as_dict(self) -> dict:
        def money(v: Decimal) -> str:
            return format(v.quantize(FEN), "f")

        return {
            "status": self.status,
            "objective": format(self.objective.quantize(FEN), "f"),
            "pool": money(self.pool), "lent": money(self.lent),
            "applications": [
                {"id": o.id, "status": o.status, "funded": money(o.funded),
                 "by_source": {k: money(v) for k, v in o.by_source.items()},
                 **({"reason": o.reason} if o.reason else {}), **({"detail": o.detail} if o.detail else {})}
                for o in self.outcomes],
            "binding_constraints": [{"constraint": b.constraint, "subject": b.subject,
                                     "shadow_price": format(b.shadow_price.quantize(Decimal("0.000001")), "f")}
                                    for b in self.binding],
        }


REASONS = {
    "below_min_grade": "its grade is below the minimum grade of the run",
    "no_matching_source": "no source has money for as long as its term",
    "not_profitable": "its risk-adjusted return does not cover the cost of any source that could fund it",
    "reserve_floor": "the reserve floor of the pool is reached",
    "single_borrower_cap": "its firm has reached the single-borrower cap",
    "industry_cap": "its industry has reached the industry cap",
    "sources_exhausted": "the sources that can fund its term are used up",
    "whole_only": "it must be funded whole and the room left is smaller than its amount",
    "better_uses": "the money earns more on other applications",
}


# --- parsing ------------------------------------------------------------------------------------

def _decimal(raw, path: str, errors: list[str], *, minimum=None, maximum=None) -> Decimal:
    if isinstance(raw, bool | float) or raw is None:
        errors.append(f"{path}: give a decimal string such as \"1000.00\"")
        return Decimal(0)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        errors.append(f"{path}: “{raw}” is not a number")
        return Decimal(0)
    if not value.is_finite() or abs(value) > Decimal("1e15"):
        errors.append(f"{path}: “{raw}” is not a usable number")
        return Decimal(0)
    if minimum is not None and value < minimum:
        errors.append(f"{path}: must be at least {minimum}")
    if maximum is not None and value > maximum:
        errors.append(f"{path}: must be at most {maximum}")
    return value


def _money(raw, path, errors) -> Decimal:
    value = _decimal(raw, path, errors, minimum=Decimal(0))
    if value != value.quantize(FEN):
        errors.append(f"{path}: amounts are exact to the fen (two decimals)")
    return value


def _int(raw, path, errors, *, minimum=0) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        errors.append(f"{path}: give a whole number of months")
        return 0
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors.append(f"{path}: “{raw}” is not a whole number")
        return 0
    if value < minimum or value > 1200:
        errors.append(f"{path}: must be between {minimum} and 1200")
    return value


def _text(raw, path, errors) -> str:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or str(raw).strip() == "":
        errors.append(f"{path}: required")
        return ""
    return str(raw).strip()


def _grade(raw, path, errors) -> str:
    grade = str(raw or "").strip().upper()
    if grade not in GRADES:
        errors.append(f"{path}: “{raw}” is not a grade ({', '.join(GRADES)})")
    return grade


def problem_from_dict(data) -> Problem:
    """Parse a problem document (amounts as decimal strings); raise ``ProblemError`` listing
    every problem at once."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ProblemError(["the problem must be a JSON object with sources, applications and constraints"])
    raw_sources, raw_apps = data.get("sources"), data.get("applications")
    raw_cons = data.get("constraints") or {}
    if not isinstance(raw_sources, list) or not raw_sources:
        errors.append("sources: a non-empty list is required")
        raw_sources = []
    if not isinstance(raw_apps, list):
        errors.append("applications: a list is required")
        raw_apps = []
    if not isinstance(raw_cons, dict):
        errors.append("constraints: an object is required")
        raw_cons = {}
    sources, apps = [], []
    for i, s in enumerate(raw_sources):
        p = f"sources[{i}]"
        if not isinstance(s, dict):
            errors.append(f"{p}: an object is required")
            continue
        sources.append(Source(id=_text(s.get("id"), f"{p}.id", errors), amount=_money(s.get("amount"), f"{p}.amount", errors),
                              cost_rate=_decimal(s.get("cost_rate"), f"{p}.cost_rate", errors, minimum=Decimal(0),
                                                 maximum=Decimal(1)),
                              months_left=_int(s.get("months_left"), f"{p}.months_left", errors)))
    for i, a in enumerate(raw_apps):
        p = f"applications[{i}]"
        if not isinstance(a, dict):
            errors.append(f"{p}: an object is required")
            continue
        partial = a.get("partial", True)
        if not isinstance(partial, bool):
            errors.append(f"{p}.partial: true or false")
            partial = True
        apps.append(Application(
            id=_text(a.get("id"), f"{p}.id", errors), firm=_text(a.get("firm"), f"{p}.firm", errors),
            industry=_text(a.get("industry"), f"{p}.industry", errors),
            amount=_money(a.get("amount"), f"{p}.amount", errors),
            rate=_decimal(a.get("rate"), f"{p}.rate", errors, minimum=Decimal(0), maximum=Decimal(1)),
            term_months=_int(a.get("term_months"), f"{p}.term_months", errors, minimum=1),
            pd=_decimal(a.get("pd"), f"{p}.pd", errors, minimum=Decimal(0), maximum=Decimal(1)),
            lgd=_decimal(a.get("lgd"), f"{p}.lgd", errors, minimum=Decimal(0), maximum=Decimal(1)),
            grade=_grade(a.get("grade"), f"{p}.grade", errors),
            policy_weight=_decimal(a.get("policy_weight", "0"), f"{p}.policy_weight", errors,
                                   minimum=Decimal(-1), maximum=Decimal(1)),
            partial=partial))
    share = {"minimum": Decimal(0), "maximum": Decimal(1)}
    min_grade = raw_cons.get("min_grade")
    cons = Constraints(
        reserve_floor=_decimal(raw_cons.get("reserve_floor", "0"), "constraints.reserve_floor", errors, **share),
        single_borrower_cap=_decimal(raw_cons.get("single_borrower_cap", "1"), "constraints.single_borrower_cap",
                                     errors, **share),
        industry_cap=_decimal(raw_cons.get("industry_cap", "1"), "constraints.industry_cap", errors, **share),
        min_grade=_grade(min_grade, "constraints.min_grade", errors) if min_grade not in (None, "") else None)
    for kind, items in (("sources", sources), ("applications", apps)):
        ids = [x.id for x in items]
        if len(set(ids)) != len(ids):
            errors.append(f"{kind}: every id must be unique")
    if errors:
        raise ProblemError(errors)
    return Problem(sources=tuple(sources), applications=tuple(apps), constraints=cons)


# --- solving ------------------------------------------------------------------------------------

def _eligible(problem: Problem, a: Application) -> str:
    """'' when ``a`` may be funded at all, else the reason code."""
    cons = problem.constraints
    if cons.min_grade and GRADES.index(a.grade) > GRADES.index(cons.min_grade):
        return "below_min_grade"
    if not any(a.term_months <= s.months_left and s.amount > 0 for s in problem.sources):
        return "no_matching_source"
    return ""


def _margin(a: Application, s: Source) -> float:
    return float(a.rate - a.pd * a.lgd - s.cost_rate + a.policy_weight)


def _classes(problem: Problem) -> dict[int, list[int]]:
    """Sources grouped by how long their money stays (``months_left``): any application the
    group may fund can use any of its sources, so the model needs one variable per application
    and group (not per source) and one per source for the money it gives (cheapest first)."""
    classes: dict[int, list[int]] = defaultdict(list)
    for si, s in enumerate(problem.sources):
        if s.amount > 0:
            classes[s.months_left].append(si)
    return dict(sorted(classes.items()))


def solve(problem: Problem, *, time_limit: float = 60.0) -> Allocation:
    """The optimal allocation (see the module docstring)."""
    pool = problem.pool
    outcomes = {a.id: Outcome(id=a.id, status="waiting") for a in problem.applications}
    classes = _classes(problem)
    cheapest = {m: min(float(problem.sources[si].cost_rate) for si in sis) for m, sis in classes.items()}
    pairs: list[tuple[int, int]] = []  # (application index, class months)
    for ai, a in enumerate(problem.applications):
        reason = _eligible(problem, a)
        if reason:
            outcomes[a.id].reason = reason
            continue
        value = float(a.rate - a.pd * a.lgd + a.policy_weight)
        profitable = [m for m in classes if a.term_months <= m and value - cheapest[m] > 0]
        if not profitable:
            outcomes[a.id].reason = "not_profitable"
            continue
        pairs += [(ai, m) for m in profitable]
    if not pairs or pool <= 0:
        return _finish(problem, outcomes, {}, [], "optimal")
    used_sources = sorted({si for _ai, m in pairs for si in classes[m]})
    whole = sorted({ai for ai, _m in pairs if not problem.applications[ai].partial})
    model = _Model(problem, pairs, used_sources, classes)
    y_values: dict[int, int] = {}
    if whole:
        result = model.solve_mip(whole, time_limit)
        if result is None:
            return _finish(problem, outcomes, {}, [], "error")
        y_values = result
    # Re-solve the amounts as a linear programme with the whole-or-nothing decisions fixed: the
    # same optimum, and its duals are the shadow prices of the binding constraints.
    keep = [(ai, m) for ai, m in pairs if y_values.get(ai, 1) == 1]
    if not keep:
        return _finish(problem, outcomes, {}, [], "optimal")
    lp = _Model(problem, keep, used_sources, classes)
    solved = lp.solve_lp(fixed_whole={ai for ai in y_values if y_values[ai] == 1})
    if solved is None:
        return _finish(problem, outcomes, {}, [], "error")
    amounts, binding = solved
    return _finish(problem, outcomes, amounts, binding, "optimal")


class _Model:
    """The programme in matrix form: columns x(a, group) then u(source) [then y(a)]."""

    def __init__(self, problem: Problem, pairs, used_sources, classes):
        self.problem, self.pairs, self.sources, self.classes = problem, pairs, used_sources, classes
        self.n_x, self.n_u = len(pairs), len(used_sources)
        self.u_col = {si: self.n_x + k for k, si in enumerate(used_sources)}
        pool = float(problem.pool)
        cons = problem.constraints
        c = np.zeros(self.n_x + self.n_u)
        rows: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
        self.upper: dict[tuple, float] = {}
        for j, (ai, m) in enumerate(pairs):
            a = problem.applications[ai]
            c[j] = -float(a.rate - a.pd * a.lgd + a.policy_weight)
            rows[("app", ai)].append((j, 1.0))
            self.upper[("app", ai)] = float(a.amount)
            rows[("group", m)].append((j, 1.0))
            rows[("reserve_floor", "")].append((j, 1.0))
            rows[("single_borrower_cap", a.firm)].append((j, 1.0))
            rows[("industry_cap", a.industry)].append((j, 1.0))
        for si in used_sources:
            s = problem.sources[si]
            c[self.u_col[si]] = float(s.cost_rate)
            rows[("group", s.months_left)].append((self.u_col[si], -1.0))
        for key in rows:
            kind, subject = key
            if kind == "group":
                self.upper[key] = 0.0
            elif kind == "reserve_floor":
                self.upper[key] = float(1 - cons.reserve_floor) * pool
            elif kind == "single_borrower_cap":
                self.upper[key] = float(cons.single_borrower_cap) * pool
            elif kind == "industry_cap":
                self.upper[key] = float(cons.industry_cap) * pool
        self.c, self.rows = c, rows
        self.u_upper = np.array([float(problem.sources[si].amount) for si in used_sources])

    def _matrix(self, extra_cols: int = 0, y_col=None):
        r, cidx, v, names, hi, lo = [], [], [], [], [], []
        for k, (key, entries) in enumerate(self.rows.items()):
            for col, val in entries:
                r.append(k)
                cidx.append(col)
                v.append(val)
            names.append(key)
            if y_col is not None and key[0] == "app" and key[1] in y_col:
                r.append(k)
                cidx.append(y_col[key[1]])
                v.append(-self.upper[key])
                hi.append(0.0)
                lo.append(0.0)
            else:
                hi.append(self.upper[key])
                lo.append(-np.inf)
        shape = (len(names), self.n_x + self.n_u + extra_cols)
        return coo_array((v, (r, cidx)), shape=shape).tocsr(), names, np.array(lo), np.array(hi)

    def solve_mip(self, whole, time_limit):
        y_col = {ai: self.n_x + self.n_u + k for k, ai in enumerate(whole)}
        matrix, _names, lo, hi = self._matrix(len(whole), y_col)
        c = np.concatenate([self.c, np.zeros(len(whole))])
        integrality = np.concatenate([np.zeros(self.n_x + self.n_u), np.ones(len(whole))])
        upper = np.concatenate([np.full(self.n_x, np.inf), self.u_upper, np.ones(len(whole))])
        result = milp(c, constraints=LinearConstraint(matrix, lo, hi), integrality=integrality,
                      bounds=Bounds(np.zeros(len(c)), upper),
                      options={"time_limit": time_limit, "mip_rel_gap": 1e-4})
        if result.x is None:
            return None
        return {ai: round(result.x[col]) for ai, col in y_col.items()}

    def solve_lp(self, fixed_whole):
        matrix, names, _lo, hi = self._matrix()
        eq = [k for k, key in enumerate(names) if key[0] == "app" and key[1] in fixed_whole]
        ub = [k for k in range(len(names)) if k not in set(eq)]
        bounds = [(0, None)] * self.n_x + [(0, float(u)) for u in self.u_upper]
        result = linprog(self.c, A_ub=matrix[ub], b_ub=hi[ub], A_eq=matrix[eq] if eq else None,
                         b_eq=hi_eq if (hi_eq := [self.upper[names[k]] for k in eq]) else None,
                         bounds=bounds, method="highs")
        if result.status != 0:
            return None
        binding = []
        for k, marginal in zip(ub, result.ineqlin.marginals, strict=True):
            kind, subject = names[k]
            if kind in ("reserve_floor", "single_borrower_cap", "industry_cap") and marginal < -1e-9:
                binding.append(Binding(constraint=kind, subject=str(subject),
                                       shadow_price=Decimal(str(round(-marginal, 9)))))
        for k, si in enumerate(self.sources):
            marginal = result.upper.marginals[self.n_x + k]
            if marginal < -1e-9:
                binding.append(Binding(constraint="source", subject=self.problem.sources[si].id,
                                       shadow_price=Decimal(str(round(-marginal, 9)))))
        binding.sort(key=lambda b: (-b.shadow_price, b.constraint, b.subject))
        x = result.x
        groups = {(ai, m): x[j] for j, (ai, m) in enumerate(self.pairs) if x[j] > EPS}
        used = {si: x[self.u_col[si]] for si in self.sources if x[self.u_col[si]] > EPS}
        return _split(self.problem, self.classes, groups, used), binding


def _split(problem: Problem, classes, groups: dict, used: dict) -> dict:
    """x(a, group) into x(a, source): each group's applications take the money of the sources
    the programme used in that group, cheapest first, so few loans are split over sources."""
    amounts: dict[tuple[int, int], float] = {}
    for m, sis in classes.items():
        left = [(float(problem.sources[si].cost_rate), si, used.get(si, 0.0)) for si in sis]
        left = [[si, u] for _c, si, u in sorted(left) if u > EPS]
        for (ai, gm), value in sorted(groups.items()):
            if gm != m:
                continue
            need = value
            for slot in left:
                if need <= EPS:
                    break
                take = min(need, slot[1])
                if take > EPS:
                    amounts[(ai, slot[0])] = amounts.get((ai, slot[0]), 0.0) + take
                    slot[1] -= take
                    need -= take
    return amounts


def _finish(problem: Problem, outcomes: dict[str, Outcome], amounts: dict, binding: list[Binding],
            status: str) -> Allocation:
    """Round to the fen (each application's sources sum exactly to its funded amount; no source
    over its amount) and explain every application."""
    fen_source_left = {s.id: int(s.amount / FEN) for s in problem.sources}
    per_app: dict[int, dict[int, float]] = defaultdict(dict)
    for (ai, si), v in amounts.items():
        per_app[ai][si] = v
    for ai, split in sorted(per_app.items()):
        a = problem.applications[ai]
        total = sum(split.values())
        cap = int(a.amount / FEN)
        target = cap if not a.partial else min(cap, int(np.floor(total / float(FEN) + 1e-6)))
        # largest remainder within the application, capped by what each source has left
        raw = {si: v / float(FEN) for si, v in split.items()}
        fen = {si: min(int(np.floor(r + 1e-6)), fen_source_left[problem.sources[si].id]) for si, r in raw.items()}
        short = target - sum(fen.values())
        if short < 0:  # floors never exceed the target, except by a fen of float noise
            for si in sorted(fen, key=lambda k: -fen[k]):
                cut = min(-short, fen[si])
                fen[si] -= cut
                short += cut
                if short >= 0:
                    break
        order = sorted(raw, key=lambda si: (-(raw[si] - np.floor(raw[si] + 1e-6)), si))
        while short > 0:
            moved = False
            for si in order:
                sid = problem.sources[si].id
                if short and fen[si] < fen_source_left[sid]:
                    fen[si] += 1
                    short -= 1
                    moved = True
            if not moved:
                break
        if short > 0 and not a.partial:  # cannot be made whole to the fen: leave it waiting
            continue
        for si, f in fen.items():
            fen_source_left[problem.sources[si].id] -= f
        funded = {problem.sources[si].id: Decimal(f) * FEN for si, f in sorted(fen.items()) if f > 0}
        if not funded:
            continue
        o = outcomes[a.id]
        o.by_source = funded
        o.funded = sum(funded.values(), Decimal(0))
        o.status = "funded" if o.funded == a.amount else "partial"
    _explain(problem, outcomes, binding)
    return Allocation(status=status, objective=_objective(problem, outcomes),
                      outcomes=[outcomes[a.id] for a in problem.applications], binding=binding,
                      lent=sum((o.funded for o in outcomes.values()), Decimal(0)), pool=problem.pool)


def _objective(problem: Problem, outcomes: dict[str, Outcome]) -> Decimal:
    """Σ funded × (rate − pd × lgd − cost of its source + policy weight), exact in Decimal."""
    cost = {s.id: s.cost_rate for s in problem.sources}
    total = Decimal(0)
    for a in problem.applications:
        value = a.rate - a.pd * a.lgd + a.policy_weight
        for sid, amount in outcomes[a.id].by_source.items():
            total += amount * (value - cost[sid])
    return total


def _explain(problem: Problem, outcomes: dict[str, Outcome], binding: list[Binding]) -> None:
    """Why each application not funded in full was cut or left waiting: the binding constraint
    that touches it with the highest shadow price, else the pool's competition for money."""
    pressing = {(b.constraint, b.subject): b.shadow_price for b in binding}
    for a in problem.applications:
        o = outcomes[a.id]
        if o.status == "funded" or o.reason:
            continue
        touching = [("reserve_floor", ""), ("single_borrower_cap", a.firm), ("industry_cap", a.industry)]
        touching += [("source", s.id) for s in problem.sources if a.term_months <= s.months_left]
        hits = [(pressing[k], k) for k in touching if k in pressing]
        if not a.partial and o.status == "waiting" and hits:
            o.reason = "whole_only" if any(k[0] != "source" for _p, k in hits) else "sources_exhausted"
        elif hits:
            _price, (kind, subject) = max(hits)
            o.reason = "sources_exhausted" if kind == "source" else kind
            if subject:
                o.detail["subject"] = subject
        else:
            o.reason = "better_uses"
        o.detail["cut_by"] = [{"constraint": k[0], "subject": k[1], "shadow_price": str(p)} for p, k in sorted(hits,
                              reverse=True)]


def greedy(problem: Problem) -> Allocation:
    """The simple fill staff would do by hand, for comparison: applications by best return
    first, each from its cheapest eligible source, within every cap and the reserve floor."""
    cons, pool = problem.constraints, problem.pool
    left = {s.id: s.amount for s in problem.sources}
    room = (1 - cons.reserve_floor) * pool
    firm_room = defaultdict(lambda: cons.single_borrower_cap * pool)
    industry_room = defaultdict(lambda: cons.industry_cap * pool)
    outcomes = {a.id: Outcome(id=a.id, status="waiting") for a in problem.applications}
    ranked = []
    for a in problem.applications:
        reason = _eligible(problem, a)
        if reason:
            outcomes[a.id].reason = reason
            continue
        sources = sorted((s for s in problem.sources if a.term_months <= s.months_left and _margin(a, s) > 0),
                         key=lambda s: (s.cost_rate, s.id))
        if not sources:
            outcomes[a.id].reason = "not_profitable"
            continue
        ranked.append((-_margin(a, sources[0]), a.id, a, sources))
    for _m, _id, a, sources in sorted(ranked, key=lambda t: (t[0], t[1])):
        cap = min(a.amount, room, firm_room[a.firm], industry_room[a.industry],
                  sum((left[s.id] for s in sources), Decimal(0)))
        cap = cap.quantize(FEN, rounding=ROUND_FLOOR)
        if cap <= 0 or (not a.partial and cap < a.amount):
            outcomes[a.id].reason = "better_uses"
            continue
        need, funded = cap, {}
        for s in sources:
            take = min(need, left[s.id])
            if take > 0:
                funded[s.id] = take
                left[s.id] -= take
                need -= take
        o = outcomes[a.id]
        o.by_source, o.funded = funded, cap
        o.status = "funded" if cap == a.amount else "partial"
        room -= cap
        firm_room[a.firm] -= cap
        industry_room[a.industry] -= cap
    objective = _objective(problem, outcomes)
    return Allocation(status="optimal", objective=objective, outcomes=[outcomes[a.id] for a in problem.applications],
                      binding=[], lent=sum((o.funded for o in outcomes.values()), Decimal(0)), pool=pool)
