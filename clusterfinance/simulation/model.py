"""The simulation of the loop's value (模拟): a synthetic cluster run twice on the same draws,
once *without the centre* (each lender sees only its own history with a firm) and once *with the
centre* (every lender sees all lenders' repayment records, the verified statements and the reports
the centre publishes). Pure: numpy, the platform's own scorecard and allocation solver, no database.

Described for users in docs/simulation.md (the model, its assumptions and the sanity checks).

The same seed gives the same random draws to both arms (common random numbers): the arms differ
only in what the lenders and investors can see, and in the monitoring that follows from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from clusterfinance.allocation.solver import Application, Constraints, Problem, Source, solve
from clusterfinance.rating.defaults import DEFAULT_CALIBRATION, DEFAULT_SPEC, DEFAULT_SPREADS
from clusterfinance.rating.scorecard import BinnedScorecard, Calibration

SCENARIOS = ("baseline", "bad_year", "circle_collapse", "delay")
ARMS = ("without", "with")
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Params:
    """Every assumption of the model, in one place (docs/simulation.md explains each)."""

    firms: int = 500
    months: int = 60
    seed: int = 1
    seeds: int = 1
    scenario: str = "baseline"
    delay_months: int = 6
    groups: bool = False
    lenders: int = 4  # lender 0 is the finance company; the others are banks
    good_share: float = 0.6
    hazard_good: float = 0.003  # monthly default hazard at high effort
    hazard_bad: float = 0.02
    low_effort_factor: float = 2.5  # hazard × this at low effort (moral hazard)
    shirk_good: float = 0.3  # propensity to low effort without any monitoring
    shirk_bad: float = 0.6
    monitoring_own: float = 0.2  # a lender watching only its own loans
    monitoring_centre: float = 0.7  # everything the centre publishes, current
    monitoring_group: float = 0.25  # peers watching each other in a joint-liability group
    late_good: float = 0.01  # monthly chance of a late instalment (a signal before default)
    late_bad: float = 0.08
    report_neg_good: float = 0.005  # monthly chance of a negative report by another agent
    report_neg_bad: float = 0.04
    report_pos_good: float = 0.03
    report_pos_bad: float = 0.01
    base_rate: float = 0.045  # product base rate; the platform's grade spread comes on top
    cost_rate: float = 0.04  # what the lenders' money costs them a year
    lgd: float = 0.6
    reservation_low: float = 0.02  # a good firm borrows only at a spread up to its own reservation,
    reservation_high: float = 0.06  # drawn uniformly between these two (a bad firm takes any price)
    group_discount: float = 0.01  # a joint-liability group's loans are priced this much lower
    group_size: int = 4
    group_cover: float = 0.5  # each co-member can pay up to this share of its own loan in calls
    pool_share: float = 0.6  # the lenders' money as a share of what all firms would ask for
    investor_budget_share: float = 0.2  # private investors' money, same base
    investor_hurdle: float = 0.03  # rate − PD × LGD an investor asks for a year
    loan_amount: int = 1_000_000  # yuan per firm and round (a 12-month bullet loan)
    bad_year_factor: float = 2.5
    circle_share: float = 0.05  # the guarantee circle that collapses: this share of the firms


def bad_year_months(p: Params) -> range:
    start = max(0, p.months // 2 - 6)
    return range(start, min(p.months, start + 12))


class _History:
    """Repayment records per lender and firm, and the centre's other records per firm."""

    def __init__(self, lenders: int, firms: int):
        shape = (lenders, firms)
        self.instalments = np.zeros(shape)
        self.on_time = np.zeros(shape)
        self.worst_dpd = np.zeros(shape)
        self.current_dpd = np.zeros(shape)
        self.arrears = np.zeros(shape)
        self.worst_class = np.zeros(shape)
        self.write_offs = np.zeros(shape)
        self.negative = np.zeros(firms)
        self.positive = np.zeros(firms)

    def copy(self) -> _History:
        new = _History.__new__(_History)
        for name, value in self.__dict__.items():
            setattr(new, name, value.copy())
        return new


def _features_own(h: _History, lender: np.ndarray) -> pd.DataFrame:
    """What a lender sees without the centre: its own records of the firm only, nothing else
    (statements, reports, the government's data: missing, the scorecard's own bins)."""
    idx = np.arange(h.instalments.shape[1])
    n = h.instalments[lender, idx]
    known = n > 0
    nan = np.full(len(idx), np.nan)
    return pd.DataFrame({
        "current_dpd": np.where(known, h.current_dpd[lender, idx], nan),
        "worst_dpd": np.where(known, h.worst_dpd[lender, idx], nan),
        "on_time_share": np.where(known, h.on_time[lender, idx] / np.maximum(n, 1), nan),
        "arrears": np.where(known, h.arrears[lender, idx], nan),
        "worst_loan_class": np.where(known, h.worst_class[lender, idx], nan),
        "history_months": np.where(known, n, nan),
        "write_offs": np.where(known, h.write_offs[lender, idx], nan),
    })


def _features_centre(h: _History, statements: pd.DataFrame) -> pd.DataFrame:
    """What every lender sees with the centre: all lenders' records, the reports and the
    verified statements (with the centre's delay already applied to ``h``)."""
    n = h.instalments.sum(axis=0)
    known = n > 0
    nan = np.full(len(n), np.nan)
    frame = pd.DataFrame({
        "current_dpd": np.where(known, h.current_dpd.max(axis=0), nan),
        "worst_dpd": np.where(known, h.worst_dpd.max(axis=0), nan),
        "on_time_share": np.where(known, h.on_time.sum(axis=0) / np.maximum(n, 1), nan),
        "arrears": np.where(known, h.arrears.sum(axis=0), nan),
        "worst_loan_class": np.where(known, h.worst_class.max(axis=0), nan),
        "history_months": np.where(known, n, nan),
        "write_offs": np.where(known, h.write_offs.sum(axis=0), nan),
        "negative_reports": h.negative,
        "positive_reports": h.positive,
        "statement_age_days": np.full(len(n), 200.0),
        "completeness": np.full(len(n), 0.67),
    })
    return pd.concat([frame, statements], axis=1)


@dataclass
class ArmResult:
    loans: int = 0
    defaults: int = 0
    lent: Decimal = Decimal(0)
    unrepaid: Decimal = Decimal(0)  # principal neither the firm nor its co-members repaid
    finance_company_losses: Decimal = Decimal(0)
    private_money: Decimal = Decimal(0)
    good_rounds: int = 0  # good firm × round
    good_funded: int = 0
    good_priced_out: int = 0
    funded_rounds: int = 0
    low_effort: int = 0
    spreads: dict = field(default_factory=lambda: {"good": [], "bad": []})
    monthly_defaults: list = field(default_factory=list)

    def metrics(self) -> dict:
        good, bad = self.spreads["good"], self.spreads["bad"]
        return {
            "default_rate": self.defaults / self.loans if self.loans else 0.0,
            "repayment_rate": float(1 - self.unrepaid / self.lent) if self.lent else 1.0,
            "spread_good": float(np.mean(good)) if good else 0.0,
            "spread_bad": float(np.mean(bad)) if bad else 0.0,
            "spread_gap": (float(np.mean(bad)) if bad else 0.0) - (float(np.mean(good)) if good else 0.0),
            "spread_sd": float(np.std(good + bad)) if good or bad else 0.0,
            "spread_sd_good": float(np.std(good)) if good else 0.0,
            "spread_sd_bad": float(np.std(bad)) if bad else 0.0,
            "good_funded_share": self.good_funded / self.good_rounds if self.good_rounds else 0.0,
            "good_rationed_share": 1 - self.good_funded / self.good_rounds if self.good_rounds else 0.0,
            "low_effort_share": self.low_effort / self.funded_rounds if self.funded_rounds else 0.0,
            "private_money": float(self.private_money),
            "finance_company_losses": float(self.finance_company_losses),
            "lent": float(self.lent),
        }


METRICS = ("default_rate", "repayment_rate", "spread_good", "spread_bad", "spread_gap", "spread_sd",
           "spread_sd_good", "spread_sd_bad",
           "good_funded_share", "good_rationed_share", "low_effort_share", "private_money",
           "finance_company_losses", "lent")


def _spread(grade: str) -> float | None:
    raw = DEFAULT_SPREADS.get(grade, "")
    return float(raw) if raw else None


def _run_arm(p: Params, arm: str, world: dict) -> ArmResult:
    model, calibration = BinnedScorecard(DEFAULT_SPEC), Calibration(DEFAULT_CALIBRATION)
    n, k = p.firms, p.lenders
    good = world["good"]
    groups = world["groups"]
    result = ArmResult()
    h = _History(k, n)
    snapshots = [h.copy()]
    delay = p.delay_months if (p.scenario == "delay" and arm == "with") else 0
    monitoring = p.monitoring_own
    if arm == "with":
        monitoring = p.monitoring_centre * max(0.0, 1 - delay / 24)
        monitoring = max(monitoring, p.monitoring_own)
    if p.groups:
        monitoring = min(1.0, monitoring + p.monitoring_group)
    bad_months = set(bad_year_months(p)) if p.scenario == "bad_year" else set()
    amount = Decimal(p.loan_amount)
    pool = (Decimal(p.pool_share) * amount * n / k).quantize(FEN)
    lgd = p.lgd
    # the loss a lender expects on a group loan: the co-members' calls cover part of it
    lgd_priced = lgd * (1 - p.group_cover) if p.groups else lgd
    for start in range(0, p.months, 12):
        rnd = start // 12
        u = world["round_draws"][rnd]
        lender = world["lender_of"][rnd]
        if arm == "with":
            seen = snapshots[max(0, start - delay)]
            table = _features_centre(seen, world["statements"][rnd])
        else:
            table = _features_own(h, lender)
        scores, _points = model.score(table)
        grades = calibration.grades(scores)
        pds = calibration.pds(grades)
        spreads = np.array([_spread(g) if _spread(g) is not None else np.nan for g in grades])
        offered = spreads - (p.group_discount if p.groups else 0.0)
        applies = ~np.isnan(spreads) & (~good | (offered <= world["reservation"] + 1e-12))
        result.good_rounds += int(good.sum())
        result.good_priced_out += int((good & ~applies).sum())
        funded = np.zeros(n, dtype=bool)
        funder = np.full(n, -1)
        for j in range(k):
            mine = np.flatnonzero(applies & (lender == j))
            if not len(mine):
                continue
            apps = tuple(Application(id=str(i), firm=str(i), industry="cluster", amount=amount,
                                     rate=Decimal(str(round(p.base_rate + offered[i], 6))), term_months=12,
                                     pd=Decimal(str(pds[i])), lgd=Decimal(str(lgd_priced)), grade=str(grades[i]))
                         for i in mine)
            problem = Problem(sources=(Source(id=f"lender-{j}", amount=pool, cost_rate=Decimal(str(p.cost_rate)),
                                              months_left=120),),
                              applications=apps, constraints=Constraints(reserve_floor=Decimal("0.05")))
            allocation = solve(problem, time_limit=10.0)
            for o in allocation.outcomes:
                if o.funded > 0:
                    i = int(o.id)
                    funded[i], funder[i] = True, j
                    result.lent += o.funded
        # private investors: the applications the lenders left waiting, on what investors can see
        # (with the centre the published grade's PD; without it only the cluster's average)
        budget = (Decimal(p.investor_budget_share) * amount * n).quantize(FEN)
        waiting = np.flatnonzero(applies & ~funded)
        prior = float(np.mean(pds)) if arm == "with" else max(world["observed_pd"], calibration.pd_of("B"))
        seen_pd = pds if arm == "with" else np.full(n, prior)
        margin = p.base_rate + offered - seen_pd * lgd_priced
        order = waiting[np.argsort(-margin[waiting], kind="stable")]
        for i in order:
            if margin[i] < p.investor_hurdle or budget < amount:
                break
            funded[i], funder[i] = True, k  # k: the investors
            budget -= amount
            result.private_money += amount
            result.lent += amount
        result.good_funded += int((good & funded).sum())
        for i in np.flatnonzero(funded):
            result.spreads["good" if good[i] else "bad"].append(float(offered[i]))
        # effort: monitoring makes low effort less likely (moral hazard)
        shirk = np.where(good, p.shirk_good, p.shirk_bad) * (1 - monitoring)
        low = funded & (u["effort"] < shirk)
        result.funded_rounds += int(funded.sum())
        result.low_effort += int(low.sum())
        result.loans += int(funded.sum())
        hazard = np.where(good, p.hazard_good, p.hazard_bad) * np.where(low, p.low_effort_factor, 1.0)
        late_p = np.where(good, p.late_good, p.late_bad) * np.where(low, 2.0, 1.0)
        alive = funded.copy()
        cover_left = np.where(funded, p.group_cover * p.loan_amount, 0.0)
        for m in range(start, min(start + 12, p.months)):
            draws = world["month_draws"][m]
            factor = p.bad_year_factor if m in bad_months else 1.0
            default = alive & (draws["default"] < hazard * factor)
            if p.scenario == "circle_collapse" and m == p.months // 2:
                default |= alive & world["circle"]
            late = alive & ~default & (draws["late"] < late_p * factor)
            ontime = alive & ~default & ~late
            lenders_now = funder.clip(0, k - 1)
            recorded = funded & (funder < k)  # lenders report to the centre; private notes here too
            idx = np.flatnonzero(recorded & (alive | default))
            lj = lenders_now[idx]
            h.instalments[lj, idx] += 1
            h.on_time[lj, idx] += ontime[idx]
            h.current_dpd[lj, idx] = np.where(late[idx], 30, np.where(default[idx], 90, 0))
            h.worst_dpd[lj, idx] = np.maximum(h.worst_dpd[lj, idx], h.current_dpd[lj, idx])
            h.arrears[lj, idx] = np.where(late[idx], p.loan_amount * 0.01, 0.0)
            h.worst_class[lj, idx] = np.maximum(h.worst_class[lj, idx], np.where(default[idx], 4, late[idx] * 1.0))
            h.write_offs[lj, idx] += default[idx]
            # reports by other agents about every firm, borrowing or not; they fade by half a year
            h.negative = h.negative * 0.944 + (draws["report"] < np.where(good, p.report_neg_good, p.report_neg_bad))
            h.positive = h.positive * 0.944 + (draws["report2"] < np.where(good, p.report_pos_good, p.report_pos_bad))
            for i in np.flatnonzero(default):
                result.defaults += 1
                unpaid = float(p.loan_amount)
                if p.groups:  # joint liability: the co-members still paying are called
                    mates = np.flatnonzero((groups == groups[i]) & alive & ~default)
                    for mate in mates:
                        pay = min(cover_left[mate], unpaid)
                        cover_left[mate] -= pay
                        unpaid -= pay
                unpaid_d = Decimal(str(round(unpaid, 2)))
                result.unrepaid += unpaid_d
                if funder[i] == 0:
                    result.finance_company_losses += (unpaid_d * Decimal(str(lgd))).quantize(FEN)
            result.monthly_defaults.append(int(default.sum()))
            alive &= ~default
            snapshots.append(h.copy())
        world["observed_pd"] = result.defaults / result.loans if result.loans else world["observed_pd"]
    return result


def _world(p: Params, seed: int) -> dict:
    """Every random draw of one seed, shared by both arms."""
    rng = np.random.default_rng(seed)
    n = p.firms
    good = rng.random(n) < p.good_share
    rounds = math.ceil(p.months / 12)
    statements = []
    for _ in range(rounds):
        statements.append(pd.DataFrame({
            "leverage": np.where(good, 0.5, 0.72) + rng.normal(0, 0.12, n),
            "roa": np.where(good, 0.06, 0.01) + rng.normal(0, 0.03, n),
            "revenue_growth": np.where(good, 0.05, -0.03) + rng.normal(0, 0.08, n),
        }))
    # joint-liability groups formed by the firms themselves: peers know each other's type and
    # match with their own kind (assortative matching, Ghatak 1999)
    order = np.lexsort((rng.random(n), ~good))
    groups = np.empty(n, dtype=int)
    groups[order] = np.arange(n) // p.group_size
    circle = np.zeros(n, dtype=bool)
    circle[rng.choice(n, size=max(2, int(n * p.circle_share)), replace=False)] = True
    return {
        "good": good, "groups": groups, "reservation": rng.uniform(p.reservation_low, p.reservation_high, n), "circle": circle, "statements": statements, "observed_pd": 0.0,
        "lender_of": [rng.integers(0, p.lenders, n)[groups] if p.groups else rng.integers(0, p.lenders, n)
                      for _ in range(rounds)],
        "round_draws": [{"effort": rng.random(n)} for _ in range(rounds)],
        "month_draws": [{"default": rng.random(n), "late": rng.random(n), "report": rng.random(n),
                         "report2": rng.random(n)} for _ in range(p.months)],
    }


def run_seed(p: Params, seed: int) -> dict:
    out = {"seed": seed}
    for arm in ARMS:
        world = _world(p, seed)
        out[arm] = _run_arm(p, arm, world)
    return out


def band(values: list[float]) -> dict:
    """Mean and a 95 % band of the mean over seeds (normal approximation; none for one seed)."""
    a = np.asarray(values, dtype=float)
    mean = float(a.mean()) if len(a) else 0.0
    if len(a) < 2:
        return {"mean": mean, "low": None, "high": None}
    half = 1.96 * float(a.std(ddof=1)) / math.sqrt(len(a))
    return {"mean": mean, "low": mean - half, "high": mean + half}


def simulate(p: Params) -> dict:
    """Run ``p.seeds`` seeds from ``p.seed``; return per-seed metrics, the bands, the checks."""
    if p.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {p.scenario}")
    runs = [run_seed(p, p.seed + s) for s in range(p.seeds)]
    per_seed = [{"seed": r["seed"], **{arm: r[arm].metrics() for arm in ARMS}} for r in runs]
    summary = {m: {arm: band([s[arm][m] for s in per_seed]) for arm in ARMS} for m in METRICS}
    first = runs[0]
    return {
        "params": {"firms": p.firms, "months": p.months, "seed": p.seed, "seeds": p.seeds, "scenario": p.scenario,
                   "delay_months": p.delay_months, "groups": p.groups},
        "per_seed": per_seed, "summary": summary,
        "monthly_defaults": {arm: first[arm].monthly_defaults for arm in ARMS},
        "checks": checks(summary),
    }


def checks(summary: dict) -> list[dict]:
    """The directions the literature predicts, and whether this run shows them (on the means)."""
    def mean(metric, arm):
        return summary[metric][arm]["mean"]
    return [
        {"code": "sharing_lowers_defaults", "source": "Jappelli & Pagano 2002; Pagano & Jappelli 1993",
         "holds": mean("default_rate", "with") < mean("default_rate", "without")},
        {"code": "sharing_widens_access", "source": "Jappelli & Pagano 2002; Pagano & Jappelli 1993",
         "holds": mean("good_funded_share", "with") > mean("good_funded_share", "without")},
        {"code": "information_lowers_rationing", "source": "Stiglitz & Weiss 1981",
         "holds": mean("good_rationed_share", "with") < mean("good_rationed_share", "without")},
    ]
