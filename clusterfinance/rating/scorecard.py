"""Scoring: a scorecard version turns the feature table into scores, grades and PDs, with
reasons and counterfactuals. Pure numpy/pandas: no Python loop over firms when scoring.

The interface every kind of scorecard implements (expert and statistical alike)::

    class ScoringModel(Protocol):
        features: list[dict]            # the spec's features, in order
        def score(self, features: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
            '''scores (one float per row) and the points of every feature
            (one column per feature name, same index as ``features``).'''

``model_for(version)`` returns the model of a ``ScorecardVersion``; ``Calibration(version.calibration)``
maps scores → grades → PDs. A statistical trainer only has to produce a spec in the same format:

    spec = {"format": "clusterfinance.rating.scorecard/1",
            "base": 0.0,                # constant points added to every score (optional)
            "features": [
              {"name": "leverage", "type": "numeric", "edges": [0.4, 0.6, 0.8],
               "bins": [{"kind": "range", "lower": None, "upper": 0.4, "label": "≤ 0.4", "points": 40},
                        ...,                                   # len(edges) + 1 range bins, then
                        {"kind": "missing", "label": "(missing)", "points": 5}],
               "neutral": 20},         # optional: the points of an average firm (reasons)
              {"name": "supply_chain_position", "type": "categorical",
               "bins": [{"kind": "categories", "categories": ["components"], "points": 10}, ...,
                        {"kind": "other", "categories": [], "points": 0},   # unseen values
                        {"kind": "missing", "points": 0}]}]}

A numeric value ``x`` falls in range bin ``i`` when ``edges[i-1] < x <= edges[i]``
(``numpy.searchsorted(edges, x, side="left")``); NaN falls in the last (*missing*) bin. A
feature the table lacks scores as missing. The calibration table, best grade first::

    [{"grade": "AAA", "min_score": 620, "pd": 0.0005}, ..., {"grade": "C", "min_score": None, "pd": 0.35}]

(a statistical model's ``grades`` table has this shape; its ``pd`` may be the mean predicted PD).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from agents.choices import GRADE_ORDER

from .constants import TOP_REASONS
from .features import FEATURE_BY_CODE, LOAN_CLASS_NAMES

SPEC_FORMAT = "clusterfinance.rating.scorecard/1"


class ScoringModel(Protocol):
    features: list[dict]

    def score(self, features: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]: ...


# --- binning --------------------------------------------------------------------------------
def _range_label(lower, upper) -> str:
    def fmt(v):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if lower is None and upper is None:
        return "all"
    if lower is None:
        return f"≤ {fmt(upper)}"
    if upper is None:
        return f"> {fmt(lower)}"
    return f"({fmt(lower)}, {fmt(upper)}]"


def numeric_feature(name: str, edges, points, missing: float, neutral: float | None = None) -> dict:
    """A numeric feature of an expert spec: ``points`` has ``len(edges) + 1`` entries."""
    edges = [float(e) for e in edges]
    if len(points) != len(edges) + 1:
        raise ValueError(f"{name}: {len(edges)} edges need {len(edges) + 1} points")
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"{name}: edges must increase")
    bounds = [None, *edges, None]
    bins = [{"kind": "range", "lower": lo, "upper": hi, "label": _range_label(lo, hi), "points": float(p)}
            for lo, hi, p in zip(bounds[:-1], bounds[1:], points, strict=True)]
    bins.append({"kind": "missing", "label": "missing", "points": float(missing)})
    feature = {"name": name, "type": "numeric", "edges": edges, "bins": bins}
    if neutral is not None:
        feature["neutral"] = float(neutral)
    return feature


def categorical_feature(name: str, points_by_category: dict, other: float, missing: float,
                        neutral: float | None = None) -> dict:
    bins = [{"kind": "categories", "categories": [c], "label": c, "points": float(p)}
            for c, p in points_by_category.items()]
    bins.append({"kind": "other", "categories": [], "label": "other", "points": float(other)})
    bins.append({"kind": "missing", "label": "missing", "points": float(missing)})
    feature = {"name": name, "type": "categorical", "bins": bins}
    if neutral is not None:
        feature["neutral"] = float(neutral)
    return feature


def assign(feature: dict, series: pd.Series) -> np.ndarray:
    """The bin index of every row (vectorised)."""
    bins = feature["bins"]
    missing = len(bins) - 1
    if feature["type"] == "numeric":
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        index = np.searchsorted(np.asarray(feature["edges"], dtype=float), x, side="left")
        return np.where(np.isnan(x), missing, index).astype(int)
    other = missing - 1
    lookup = {c: i for i, b in enumerate(bins) if b["kind"] == "categories" for c in b["categories"]}
    present = series.notna().to_numpy() & (series.astype(str) != "").to_numpy()
    codes = series.astype(str).map(lookup).to_numpy(dtype=float, na_value=np.nan)
    return np.where(~present, missing, np.where(np.isnan(codes), other, codes)).astype(int)


def neutral_points(feature: dict) -> float:
    """The points of an average firm on this feature: the spec's ``neutral``, else the mean of
    its bins other than *missing* (reasons are measured from here)."""
    if feature.get("neutral") is not None:
        return float(feature["neutral"])
    points = [b["points"] for b in feature["bins"] if b["kind"] != "missing"]
    return float(np.mean(points)) if points else 0.0


@dataclass
class BinnedScorecard:
    """Score = base + the points of the bin each feature falls in (expert and statistical)."""

    spec: dict

    @property
    def features(self) -> list[dict]:
        return self.spec.get("features", [])

    @property
    def base(self) -> float:
        return float(self.spec.get("base", 0.0))

    def bins(self, features: pd.DataFrame) -> pd.DataFrame:
        cols = {}
        for f in self.features:
            series = features[f["name"]] if f["name"] in features.columns else pd.Series(np.nan, index=features.index)
            cols[f["name"]] = assign(f, series)
        return pd.DataFrame(cols, index=features.index)

    def points_of_bins(self, bins: pd.DataFrame) -> pd.DataFrame:
        cols = {}
        for f in self.features:
            table = np.asarray([b["points"] for b in f["bins"]], dtype=float)
            cols[f["name"]] = table[bins[f["name"]].to_numpy()]
        return pd.DataFrame(cols, index=bins.index)

    def score(self, features: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        points = self.points_of_bins(self.bins(features))
        return points.sum(axis=1).to_numpy(dtype=float) + self.base, points


def model_for(version) -> ScoringModel:
    """The scoring model of a ``ScorecardVersion`` (expert or statistical: one format)."""
    return BinnedScorecard(version.spec)


# --- calibration ----------------------------------------------------------------------------
@dataclass
class Calibration:
    """score → grade → PD, from a version's calibration table (best grade first)."""

    table: list

    def __post_init__(self):
        grades = [row["grade"] for row in self.table]
        if [g for g in GRADE_ORDER if g in grades] != grades:
            raise ValueError("calibration grades must be in the order AAA … C")
        self._grades = np.asarray(grades)
        self._cuts = np.asarray([row["min_score"] for row in reversed(self.table) if row["min_score"] is not None],
                                dtype=float)  # ascending
        self._pd = {row["grade"]: float(row["pd"]) for row in self.table}

    def grades(self, scores) -> np.ndarray:
        index = np.searchsorted(self._cuts, np.asarray(scores, dtype=float), side="right")
        return self._grades[len(self._grades) - 1 - index]

    def pds(self, grades) -> np.ndarray:
        return np.asarray([self._pd[g] for g in grades], dtype=float) if len(grades) else np.zeros(0)

    def pd_of(self, grade: str) -> float:
        return self._pd[grade]

    def min_score(self, grade: str) -> float | None:
        for row in self.table:
            if row["grade"] == grade:
                return row["min_score"]
        return None

    def better(self, grade: str) -> str | None:
        """The next better grade of the table, or None at the top."""
        names = list(self._grades)
        i = names.index(grade)
        return names[i - 1] if i > 0 else None


# --- reading values ---------------------------------------------------------------------------
def _fmt(code: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    feature = FEATURE_BY_CODE.get(code)
    unit = feature.unit if feature else ""
    if unit == "category":
        return str(value)
    v = float(value)
    if unit in ("percent", "share"):
        return f"{v * 100:.0f}%"
    if unit == "ratio":
        return f"{v:.2f}"
    if unit == "yuan":
        return f"¥{v:,.0f}"
    if unit == "rank":
        return LOAN_CLASS_NAMES[int(v)] if 0 <= int(v) < len(LOAN_CLASS_NAMES) else f"{v:.0f}"
    if unit in ("days", "months", "count"):
        return f"{v:.0f}" if v == int(v) else f"{v:.1f}"
    if unit == "years":
        return f"{v:.1f}"
    return f"{v:.4g}"


def labels(code: str) -> tuple[str, str]:
    feature = FEATURE_BY_CODE.get(code)
    return (feature.label_en, feature.label_zh) if feature else (code, code)


def _bin_text(feature: dict, index: int) -> str:
    b = feature["bins"][index]
    if b["kind"] == "missing":
        return "missing"
    if b["kind"] == "range":
        lo, hi = b.get("lower"), b.get("upper")
        if feature["name"] in FEATURE_BY_CODE and FEATURE_BY_CODE[feature["name"]].unit in ("percent", "share"):
            def pct(v):
                return f"{v * 100:.0f}%"
            return f"≤ {pct(hi)}" if lo is None else (f"> {pct(lo)}" if hi is None else f"{pct(lo)}–{pct(hi)}")
        return b.get("label") or _range_label(lo, hi)
    return b.get("label") or "、".join(b.get("categories", []))


# --- reasons ------------------------------------------------------------------------------------
def reasons_frame(model: BinnedScorecard, points: pd.DataFrame) -> pd.DataFrame:
    """Per row and feature: points minus the feature's neutral points (vectorised)."""
    neutral = pd.Series({f["name"]: neutral_points(f) for f in model.features})
    return points - neutral[points.columns]


def reasons_batch(model: BinnedScorecard, table: pd.DataFrame, bins: pd.DataFrame, points: pd.DataFrame,
                  deltas: pd.DataFrame, top: int = TOP_REASONS) -> list[list[dict]]:
    """For every row: the ``top`` factors that raised and lowered the score most (points minus
    the factor's neutral points), each naming its input, value and band in English and Chinese.
    The choice is one ``argsort`` over the whole matrix; only the texts are built per reason."""
    features = model.features
    names = [f["name"] for f in features]
    d = deltas[names].to_numpy(dtype=float)
    b = bins[names].to_numpy()
    p = points[names].to_numpy(dtype=float)
    order = np.argsort(d, axis=1, kind="stable")
    k = min(top, len(names))
    lows, highs = order[:, :k], order[:, ::-1][:, :k]
    raw = {n: (table[n].to_numpy(dtype=object) if n in table.columns else np.full(len(table), None)) for n in names}
    band_text = [[_bin_text(f, i) for i in range(len(f["bins"]))] for f in features]
    missing_bin = [len(f["bins"]) - 1 for f in features]
    label = [labels(n) for n in names]
    out = []
    for r in range(len(d)):
        row_reasons = []
        for j in [j for j in highs[r] if d[r, j] > 0] + [j for j in lows[r] if d[r, j] < 0]:
            name, index, delta = names[j], int(b[r, j]), float(d[r, j])
            en, zh = label[j]
            sign = "+" if delta > 0 else "−"
            size = f"{sign}{abs(delta):.0f}"
            if index == missing_bin[j]:
                value, shown = None, "—"
                text_en = f"{en}: not known (own bin “missing”), {size} points"
                text_zh = f"{zh}：无数据（单列“缺失”档），{size} 分"
                code = f"{name}.missing"
            else:
                value = raw[name][r]
                value = value if isinstance(value, str) else float(value)
                shown = _fmt(name, value)
                text_en = f"{en} {shown} (band {band_text[j][index]}): {size} points"
                text_zh = f"{zh} {shown}（区间 {band_text[j][index]}）：{size} 分"
                code = f"{name}.{index}"
            row_reasons.append({"code": code, "factor": name, "value": value, "shown": shown, "bin": index,
                                "points": float(p[r, j]), "delta": round(delta, 2), "text_en": text_en,
                                "text_zh": text_zh})
        out.append(row_reasons)
    return out


def reasons_for(model: BinnedScorecard, row: pd.Series, top: int = TOP_REASONS) -> list[dict]:
    """The reasons of one firm's feature row."""
    frame = row.to_frame().T
    _scores, points = model.score(frame)
    return reasons_batch(model, frame, model.bins(frame), points, reasons_frame(model, points), top)[0]


# --- counterfactual ------------------------------------------------------------------------------
def _target_value(feature: dict, current: int, target: int):
    """A value inside the target bin as close as possible to the current bin (the smallest change)."""
    b = feature["bins"][target]
    if feature["type"] != "numeric":
        return b["categories"][0] if b.get("categories") else None
    lo, hi = b.get("lower"), b.get("upper")
    cur_kind = feature["bins"][current]["kind"]
    if cur_kind != "missing" and target > current and lo is not None:
        return lo + max(abs(lo) * 1e-6, 1e-6)  # just above the lower edge
    if hi is not None:
        return hi
    return lo + max(abs(lo) * 1e-6, 1e-6) if lo is not None else 0.0


def _change_text(feature: dict, current_index: int, target: int, current_value) -> tuple[str, str]:
    name = feature["name"]
    en, zh = labels(name)
    b = feature["bins"][target]
    now = _fmt(name, current_value)
    if feature["type"] == "numeric":
        lo, hi = b.get("lower"), b.get("upper")
        missing_now = feature["bins"][current_index]["kind"] == "missing"
        if (not missing_now and target < current_index) or lo is None:
            goal = "0" if hi == 0 else f"≤ {_fmt(name, hi)}"
        else:
            goal = f"> {_fmt(name, lo)}"
        if missing_now:
            return (f"{en}: provide the figure ({goal})", f"{zh}：补充该数据（{goal}）")
        return (f"{en} {goal} instead of {now}", f"{zh} {goal}（目前 {now}）")
    return (f"{en} {b.get('label')} instead of {now}", f"{zh} {b.get('label')}（目前 {now}）")


def counterfactual(model: BinnedScorecard, calibration: Calibration, row: pd.Series, *, limit: int = 3) -> dict:
    """The smallest changes of the firm's own (actionable) inputs that lift it one grade,
    searched over each factor's better bins, then over pairs of factors. Cost = how many bins
    a factor moves (the nearest better bin first). Returns {"grade", "target_grade", "needed",
    "options": [{"changes": [{factor, value, text_en, text_zh}], "gain", "score"}]}; no options
    at the top grade or when no such change exists."""
    frame = row.to_frame().T
    scores, points = model.score(frame)
    score = float(scores[0])
    grade = str(calibration.grades(scores)[0])
    target_grade = calibration.better(grade)
    result = {"grade": grade, "score": score, "target_grade": target_grade, "needed": None, "options": []}
    if target_grade is None:
        return result
    needed = float(calibration.min_score(target_grade)) - score
    result["needed"] = needed
    bins = model.bins(frame).iloc[0]
    moves = []  # (factor, target bin, gain, cost)
    for f in model.features:
        meta = FEATURE_BY_CODE.get(f["name"])
        if meta is not None and not meta.actionable:
            continue
        current = int(bins[f["name"]])
        now = float(points.iloc[0][f["name"]])
        for i, b in enumerate(f["bins"]):
            if b["kind"] in ("missing", "other") or b["points"] <= now:
                continue
            cost = abs(i - current) if f["bins"][current]["kind"] == "range" and b["kind"] == "range" else 1
            moves.append((f, i, b["points"] - now, cost))

    def option(chosen):
        changes = []
        for f, i, _gain, _cost in chosen:
            current = int(bins[f["name"]])
            value = row.get(f["name"]) if f["name"] in row.index else None
            text_en, text_zh = _change_text(f, current, i, value)
            changes.append({"factor": f["name"], "value": _target_value(f, current, i), "text_en": text_en,
                            "text_zh": text_zh})
        gain = sum(m[2] for m in chosen)
        return {"changes": changes, "gain": round(gain, 2), "score": round(score + gain, 2)}

    eps = 1e-9
    singles = {}
    for m in moves:
        if m[2] + eps >= needed:
            best = singles.get(m[0]["name"])
            if best is None or (m[3], -m[2]) < (best[3], -best[2]):
                singles[m[0]["name"]] = m
    ranked = sorted(singles.values(), key=lambda m: (m[3], -m[2]))
    result["options"] = [option([m]) for m in ranked[:limit]]
    if result["options"]:
        return result
    pairs = []
    for a in range(len(moves)):
        for b in range(a + 1, len(moves)):
            ma, mb = moves[a], moves[b]
            if ma[0]["name"] != mb[0]["name"] and ma[2] + mb[2] + eps >= needed:
                pairs.append((ma[3] + mb[3], -(ma[2] + mb[2]), a, b))
    pairs.sort()
    result["options"] = [option([moves[a], moves[b]]) for _c, _g, a, b in pairs[:limit]]
    return result


def apply_changes(row: pd.Series, changes: list[dict]) -> pd.Series:
    """The row with a counterfactual's changes applied (what the firm would look like)."""
    new = row.copy()
    for change in changes:
        new[change["factor"]] = change["value"]
    return new
