"""Monitoring of the rating model (pure pandas over what the selectors read): grade
distribution, migration matrix between two month ends, back-test (observed default rate by
grade against the predicted PD) and the population stability index (PSI) of grades."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from agents.choices import GRADE_ORDER

NO_GRADE = "—"


def month_end(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


def months_back(day: date, n: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - n, 12)
    return month_end(date(y, m + 1, 1))


def grades_on(history: pd.DataFrame, day: date) -> pd.Series:
    """The grade of each firm at the end of ``day`` (its latest rating by then)."""
    if history.empty:
        return pd.Series(dtype=object)
    known = history[history["day"] <= pd.Timestamp(day)]
    return known.groupby("agent_id")["grade"].last()


def pds_on(history: pd.DataFrame, day: date) -> pd.Series:
    if history.empty:
        return pd.Series(dtype=float)
    known = history[history["day"] <= pd.Timestamp(day)]
    return known.groupby("agent_id")["pd"].last().astype(float)


def distribution(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Firms per ``by`` (cluster or industry) and grade, grades best first as columns."""
    table = df.pivot_table(index=by, columns="grade", values="agent_id", aggfunc="count", fill_value=0)
    columns = [g for g in (*GRADE_ORDER, NO_GRADE) if g in table.columns]
    return table.reindex(columns=columns).astype(int)


def migration_matrix(history: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Firms by grade at ``start`` (rows) and at ``end`` (columns); firms rated at only one of
    the two dates appear under "—" (new or no longer rated)."""
    a, b = grades_on(history, start), grades_on(history, end)
    both = pd.concat([a.rename("from"), b.rename("to")], axis=1).fillna(NO_GRADE)
    order = [*GRADE_ORDER, NO_GRADE]
    matrix = pd.crosstab(both["from"], both["to"]).reindex(index=order, columns=order, fill_value=0)
    return matrix.loc[(matrix.sum(axis=1) > 0) | matrix.index.isin(GRADE_ORDER),
                      (matrix.sum(axis=0) > 0) | matrix.columns.isin(GRADE_ORDER)].astype(int)


@dataclass
class BackTest:
    start: date
    end: date
    table: pd.DataFrame  # grade, firms, defaults, observed_rate, predicted_pd


def back_test(history: pd.DataFrame, defaulted: set[int], start: date, end: date) -> BackTest:
    """Grade of each firm at ``start`` against whether it defaulted by ``end``."""
    grades = grades_on(history, start)
    pds = pds_on(history, start)
    df = pd.DataFrame({"grade": grades, "pd": pds})
    df["default"] = df.index.isin(list(defaulted))
    rows = []
    for g in GRADE_ORDER:
        part = df[df["grade"] == g]
        n = len(part)
        rows.append({"grade": g, "firms": n, "defaults": int(part["default"].sum()),
                     "observed_rate": (float(part["default"].mean()) if n else None),
                     "predicted_pd": (float(part["pd"].mean()) if n else None)})
    return BackTest(start=start, end=end, table=pd.DataFrame(rows))


def psi(expected: pd.Series, actual: pd.Series, eps: float = 1e-4) -> tuple[float | None, pd.DataFrame]:
    """Population stability index of the grade mix: Σ (a − e) · ln(a / e) over grades (shares,
    floored at ``eps``). Under 0.1 stable; 0.1–0.25 watch; above 0.25 the population moved."""
    e = expected.value_counts().reindex(GRADE_ORDER, fill_value=0)
    a = actual.value_counts().reindex(GRADE_ORDER, fill_value=0)
    if e.sum() == 0 or a.sum() == 0:
        return None, pd.DataFrame({"grade": GRADE_ORDER, "expected": e.values, "actual": a.values})
    es, as_ = np.maximum(e / e.sum(), eps), np.maximum(a / a.sum(), eps)
    parts = (as_ - es) * np.log(as_ / es)
    table = pd.DataFrame({"grade": GRADE_ORDER, "expected": e.values, "actual": a.values,
                          "expected_share": es.values, "actual_share": as_.values, "psi": parts.values})
    return float(parts.sum()), table


def psi_label(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "stable" if value < 0.1 else ("watch" if value < 0.25 else "shifted")
