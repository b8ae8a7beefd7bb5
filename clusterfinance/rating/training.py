"""Training a statistical scorecard on any table of past borrowers (one row each, a good/bad column).

Pure computation on pandas/numpy/scikit-learn: no Django model is touched, so the trainer runs
the same in the command, the staff pages and the tests. The steps are the classic credit
scorecard:

1. each column is typed (numbers, text categories), identifiers and constant columns dropped;
2. **binning** on the training part of a stratified split: numeric columns by a shallow decision
   tree on the target, merged until the bad rate moves one way (monotonic), plus a *missing* bin;
   text columns by grouping categories of similar bad rate, rare ones into *other* (which also
   takes categories never seen in training), plus a *missing* bin;
3. **WoE** (weight of evidence, ln of %good / %bad) per bin and **IV** (information value) per column;
   weak columns (IV below ``min_iv``) are left out;
4. **logistic regression** on the WoE values; a column whose coefficient has the wrong sign
   (more evidence of good → more bad) is left out and the model refitted, so every point is explainable;
5. **scaling** to points: ``score = offset + factor · ln(odds good:bad)``, ``factor = PDO / ln 2``,
   so ``base_score`` points mean odds ``base_odds``:1 and every ``pdo`` points double the odds;
6. **grades** AAA…C from the training scores (nine equal-count bands), and holdout metrics (AUC, KS,
   Gini = 2·AUC − 1) with calibration per grade (observed bad rate beside the mean predicted PD).

The trained model is a plain JSON-able dict (no pickle): it is stored as a scorecard version and
scored with :func:`score_frame`, vectorised over rows. Model features are floats — fine for
scoring; money amounts never pass through here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from agents.choices import GRADE_ORDER

MODEL_FORMAT = "clusterfinance.rating.scorecard/1"
GRADES = GRADE_ORDER  # AAA … C, best first (the core's grade scale)
MIN_ROWS = 40
MIN_PER_CLASS = 5
MIN_BIN_ROWS = 5
MAX_ROWS = 200_000
# Cells that mean "no value" in the spreadsheets people send (compared after NFKC and lower-casing).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "—", "#n/a", "无", "空"})


class TrainingError(ValueError):
    """Input the trainer cannot use; the message says what to fix, in the user's language."""


@dataclass(frozen=True)
class TrainingOptions:
    test_size: float = 0.3
    seed: int = 1
    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0
    max_bins: int = 6
    min_bin_share: float = 0.05
    min_iv: float = 0.02
    exclude: tuple[str, ...] = ()


@dataclass
class TrainingResult:
    """The model (JSON-able, holdout figures included) and what a person should read about the run."""

    model: dict
    notes: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> dict:
        return self.model["holdout"]["metrics"]

    @property
    def calibration(self) -> list[dict]:
        return self.model["holdout"]["calibration"]


# --- cleaning ----------------------------------------------------------------------------------
def clean_text(series: pd.Series) -> pd.Series:
    """Text cells normalised (full-width → ASCII, trimmed); missing tokens become <NA>."""
    text = series.astype("string").str.normalize("NFKC").str.strip()
    return text.mask(text.isna() | text.str.lower().isin(MISSING_TOKENS))


def to_number(series: pd.Series) -> np.ndarray:
    """Floats, NaN where the cell is empty, not a number or infinite (thousands separators allowed)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        text = clean_text(series).str.replace(r"[,\s]", "", regex=True)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def _is_numeric(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    text = clean_text(series)
    present = int(text.notna().sum())
    return present > 0 and int(np.isfinite(to_number(series)).sum()) == present


def _column(df: pd.DataFrame, name: str) -> str:
    if name in df.columns:
        return name
    wanted = str(name).strip().casefold()
    matches = [c for c in df.columns if str(c).strip().casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    raise TrainingError(_("There is no column named “%(name)s”. The columns are: %(columns)s.")
                        % {"name": name, "columns": "、".join(str(c) for c in df.columns)})


def _target(df: pd.DataFrame, target: str, bad_value) -> tuple[str, pd.Series]:
    """The target column's name and 1 (bad) / 0 (good) per row; rows without a value are <NA>."""
    column = _column(df, target)
    text = clean_text(df[column])
    wanted = clean_text(pd.Series([str(bad_value)])).iloc[0]
    if wanted is pd.NA:
        raise TrainingError(_("Give the value that marks a bad borrower in column “%(column)s”.")
                            % {"column": column})
    is_bad = text.str.casefold() == wanted.casefold()
    if not is_bad.any():
        # "1" against 1.0, "0.0" against 0: compare as numbers when both sides are numbers
        numbers, wanted_number = to_number(df[column]), to_number(pd.Series([wanted]))[0]
        if not np.isnan(wanted_number):
            is_bad = pd.Series(numbers == wanted_number, index=df.index).mask(text.isna())
    if not is_bad.fillna(False).any():
        seen = text.dropna().value_counts().index[:10]
        if len(seen) == 1:
            raise TrainingError(_("Every row of “%(column)s” has the same value “%(value)s”: training needs both good "
                                  "and bad borrowers.") % {"column": column, "value": seen[0]})
        raise TrainingError(_("No row has the bad value “%(value)s” in column “%(column)s”; its values are: "
                              "%(values)s.") % {"value": bad_value, "column": column,
                                                "values": "、".join(seen) or _("(none)")})
    return column, is_bad.astype("Int64").mask(text.isna())


# --- binning -----------------------------------------------------------------------------------
def _tree_edges(x: np.ndarray, y: np.ndarray, opts: TrainingOptions, n_rows: int) -> list[float]:
    from sklearn.tree import DecisionTreeClassifier

    if len(x) < 2 * MIN_BIN_ROWS or len(np.unique(x)) < 2 or len(np.unique(y)) < 2:
        return []
    leaf = max(math.ceil(opts.min_bin_share * n_rows), MIN_BIN_ROWS)
    tree = DecisionTreeClassifier(max_leaf_nodes=opts.max_bins, min_samples_leaf=leaf, random_state=0)
    tree.fit(x.reshape(-1, 1), y)
    return sorted({float(t) for t, f in zip(tree.tree_.threshold, tree.tree_.feature, strict=True) if f >= 0})


def _monotonic(edges: list[float], x: np.ndarray, y: np.ndarray) -> list[float]:
    """Merge neighbouring bins until the bad rate only rises or only falls (a score must read one way)."""
    edges = list(edges)
    if not edges:
        return edges
    trend = np.corrcoef(np.searchsorted(edges, x, side="left"), y)[0, 1]
    direction = 1.0 if np.isnan(trend) or trend >= 0 else -1.0
    while edges:
        index = np.searchsorted(edges, x, side="left")
        counts = np.bincount(index, minlength=len(edges) + 1)
        rates = np.bincount(index, weights=y, minlength=len(edges) + 1) / np.maximum(counts, 1)
        steps = np.diff(rates)
        wrong = np.flatnonzero(steps * direction < 0)
        if not len(wrong):
            break
        del edges[int(wrong[np.argmin(np.abs(steps[wrong]))])]  # edge i separates bins i and i + 1
    return edges


def _merge_alike(edges: list[float], x: np.ndarray, y: np.ndarray, alpha: float = 0.01) -> list[float]:
    """Merge neighbouring bins whose bad rates do not differ significantly (chi-square, one degree of
    freedom, at 1 % because the tree chose the split that looks best): a tree also splits pure noise,
    and such bins would only add noise to the score."""
    from scipy.stats import chi2

    edges = list(edges)
    while edges:
        index = np.searchsorted(edges, x, side="left")
        n = np.bincount(index, minlength=len(edges) + 1).astype(float)
        bad = np.bincount(index, weights=y, minlength=len(edges) + 1)
        table = np.stack([np.stack([bad[:-1], n[:-1] - bad[:-1]], 1), np.stack([bad[1:], n[1:] - bad[1:]], 1)], 1)
        expected = table.sum(2, keepdims=True) * table.sum(1, keepdims=True) / table.sum((1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            statistic = np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected, 0.0), axis=(1, 2))
        weakest = int(np.argmin(statistic))
        if chi2.sf(statistic[weakest], 1) <= alpha:
            break
        del edges[weakest]
    return edges


def _numeric_feature(name: str, x: np.ndarray, y: np.ndarray, opts: TrainingOptions) -> dict:
    present = ~np.isnan(x)
    edges = _tree_edges(x[present], y[present], opts, len(x))
    edges = _merge_alike(_monotonic(edges, x[present], y[present]), x[present], y[present])
    bounds = [None, *edges, None]
    bins = [{"kind": "range", "lower": lo, "upper": hi, "label": _range_label(lo, hi)}
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    bins.append({"kind": "missing", "label": _("(missing)")})
    return {"name": name, "type": "numeric", "edges": edges, "bins": bins}


def _range_label(lower, upper) -> str:
    def fmt(v):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if lower is None and upper is None:
        return _("all values")
    if lower is None:
        return f"≤ {fmt(upper)}"
    if upper is None:
        return f"> {fmt(lower)}"
    return f"({fmt(lower)}, {fmt(upper)}]"


def _categorical_feature(name: str, text: pd.Series, y: np.ndarray, opts: TrainingOptions) -> dict:
    present = text.notna().to_numpy()
    values, labels = text[present].astype(str), y[present]
    counts = values.value_counts()
    frequent = counts[counts >= max(math.ceil(opts.min_bin_share * len(text)), MIN_BIN_ROWS)].index
    groups: list[list[str]] = []
    if len(frequent):
        bads = pd.Series(labels, index=values.index).groupby(values).sum()
        rates = ((bads[frequent] + 0.5) / (counts[frequent] + 1.0)).sort_values(kind="stable")
        rank = {category: i for i, category in enumerate(rates.index)}
        ordinal = values.map(rank)
        keep = ordinal.notna().to_numpy()
        ranks = ordinal[keep].to_numpy(dtype=float)
        edges = _merge_alike(_tree_edges(ranks, labels[keep], opts, len(text)), ranks, labels[keep])
        position = np.searchsorted(edges, np.arange(len(rates), dtype=float), side="left")
        groups = [sorted(str(c) for c, p in zip(rates.index, position, strict=True) if p == g)
                  for g in range(len(edges) + 1)]
    bins = [{"kind": "categories", "categories": g, "label": "、".join(g)} for g in groups if g]
    bins.append({"kind": "other", "categories": sorted(set(counts.index) - set(frequent)),
                 "label": _("(other and unseen)")})
    bins.append({"kind": "missing", "label": _("(missing)")})
    return {"name": name, "type": "categorical", "bins": bins}


def _assign(feature: dict, series: pd.Series) -> np.ndarray:
    """The bin index of every row (vectorised); missing → the missing bin, unseen → *other*."""
    bins = feature["bins"]
    missing = len(bins) - 1
    if feature["type"] == "numeric":
        x = to_number(series)
        index = np.searchsorted(np.asarray(feature["edges"], dtype=float), x, side="left")
        return np.where(np.isnan(x), missing, index).astype(int)
    other = missing - 1
    lookup = {c: i for i, b in enumerate(bins) if b["kind"] == "categories" for c in b["categories"]}
    text = clean_text(series)
    codes = text.map(lookup).to_numpy(dtype=float, na_value=np.nan)
    return np.where(text.isna().to_numpy(), missing, np.where(np.isnan(codes), other, codes)).astype(int)


def _bin_statistics(feature: dict, index: np.ndarray, y: np.ndarray) -> float:
    """Fill counts, bad rate and WoE into each bin; return the column's IV."""
    k = len(feature["bins"])
    counts = np.bincount(index, minlength=k)
    bads = np.bincount(index, weights=y, minlength=k).astype(int)
    goods = counts - bads
    total_bad, total_good = max(int(y.sum()), 1), max(int(len(y) - y.sum()), 1)
    iv = 0.0
    for b, n, bad, good in zip(feature["bins"], counts, bads, goods, strict=True):
        if n == 0:
            woe, part = 0.0, 0.0  # no evidence either way: an empty bin scores neutral
        else:
            adj = 0.5 if bad == 0 or good == 0 else 0.0  # keeps the logarithm finite
            share_good, share_bad = (good + adj) / total_good, (bad + adj) / total_bad
            woe = math.log(share_good / share_bad)
            part = (good / total_good - bad / total_bad) * woe
        iv += part
        b.update(count=int(n), bads=int(bad), goods=int(good), bad_rate=(float(bad / n) if n else None),
                 woe=float(woe), iv=float(part))
    feature["iv"] = float(iv)
    return iv


# --- scoring -----------------------------------------------------------------------------------
def score_frame(model: dict, df: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Scores of every row and the points each feature gave, without a Python loop over rows.

    Missing values score as the *missing* bin, categories never seen in training as *other*,
    and a feature absent from ``df`` as missing.
    """
    columns = {}
    for feature in model["features"]:
        series = df[feature["name"]] if feature["name"] in df.columns else pd.Series(pd.NA, index=df.index)
        points = np.asarray([b["points"] for b in feature["bins"]], dtype=float)
        columns[feature["name"]] = points[_assign(feature, series)]
    points = pd.DataFrame(columns, index=df.index)
    return points.sum(axis=1).to_numpy(dtype=float), points


def pd_of_scores(model: dict, scores) -> np.ndarray:
    """Probability of default for scores: the inverse of the scaling."""
    scaling = model["scaling"]
    odds_good = np.exp((np.asarray(scores, dtype=float) - scaling["offset"]) / scaling["factor"])
    return 1.0 / (1.0 + odds_good)


def grades_of_scores(model: dict, scores) -> np.ndarray:
    """The grade (AAA…C) of each score by the model's grade table."""
    cuts = [g["min_score"] for g in reversed(model["grades"]) if g["min_score"] is not None]  # ascending
    index = np.searchsorted(np.asarray(cuts, dtype=float), np.asarray(scores, dtype=float), side="right")
    names = np.asarray([g["grade"] for g in model["grades"]])
    return names[len(names) - 1 - index]


# --- training ----------------------------------------------------------------------------------
def _options(opts: TrainingOptions) -> None:
    if not 0.05 <= opts.test_size <= 0.5:
        raise TrainingError(_("The test size must be between 0.05 and 0.5 (the share of rows kept back to "
                              "measure the model); it is %(value)s.") % {"value": opts.test_size})
    if opts.pdo <= 0 or opts.base_odds <= 0:
        raise TrainingError(_("The points to double the odds and the base odds must be positive."))


def train_scorecard(df: pd.DataFrame, *, target: str, bad_value, options: TrainingOptions | None = None
                    ) -> TrainingResult:
    """Train a scorecard on ``df``; raise :class:`TrainingError` with a clear message on bad input."""
    from sklearn.model_selection import train_test_split

    opts = options or TrainingOptions()
    _options(opts)
    notes: list[str] = []
    if df.empty or len(df.columns) < 2:
        raise TrainingError(_("The table needs a target column and at least one other column, and some rows."))
    column, y_all = _target(df, target, bad_value)
    known = y_all.notna().to_numpy()
    if not known.all():
        notes.append(_("%(n)s rows without a value in “%(column)s” were left out.")
                     % {"n": int((~known).sum()), "column": column})
    data, y = df[known].reset_index(drop=True), y_all[known].to_numpy(dtype=int)
    n_bad, n_good = int(y.sum()), int(len(y) - y.sum())
    if n_bad == 0 or n_good == 0:
        raise TrainingError(_("Every row of “%(column)s” is %(kind)s: training needs both good and bad borrowers.")
                            % {"column": column, "kind": _("bad") if n_good == 0 else _("good")})
    if len(y) < MIN_ROWS:
        raise TrainingError(_("Training needs at least %(min)s rows with a target value; there are %(n)s.")
                            % {"min": MIN_ROWS, "n": len(y)})
    if min(n_bad, n_good) < MIN_PER_CLASS:
        raise TrainingError(_("Training needs at least %(min)s bad and %(min)s good borrowers; there are %(bad)s "
                              "bad and %(good)s good.") % {"min": MIN_PER_CLASS, "bad": n_bad, "good": n_good})
    if len(y) > MAX_ROWS:
        raise TrainingError(_("At most %(max)s rows are used for training; the table has %(n)s.")
                            % {"max": MAX_ROWS, "n": len(y)})

    excluded = {_column(df, name) for name in opts.exclude}
    candidates: list[tuple[str, bool]] = []
    for name in data.columns:
        if name == column or name in excluded:
            continue
        series = data[name]
        numeric = _is_numeric(series)
        values = pd.Series(to_number(series)) if numeric else clean_text(series)
        if values.nunique(dropna=False) <= 1:
            notes.append(_("Column “%(name)s” has one value in every row and was left out.") % {"name": name})
            continue
        present = values.dropna()
        if not numeric and len(present) >= len(values) / 2 and present.is_unique:
            notes.append(_("Column “%(name)s” has a different text in every row (an identifier or a name) and was "
                           "left out.") % {"name": name})
            continue
        candidates.append((str(name), numeric))
    if not candidates:
        raise TrainingError(_("Besides “%(column)s” the table has no column to learn from.") % {"column": column})

    rows = np.arange(len(y))
    try:
        train_rows, test_rows = train_test_split(rows, test_size=opts.test_size, random_state=opts.seed, stratify=y)
    except ValueError:
        raise TrainingError(_("The rows cannot be split into a training and a test part with both good and bad "
                              "borrowers in each; add rows or change the test size."))
    y_train, y_test = y[train_rows], y[test_rows]
    if len(np.unique(y_test)) < 2 or len(np.unique(y_train)) < 2:
        raise TrainingError(_("The test part has no bad or no good borrower; add rows or raise the test size."))
    train, test = data.iloc[train_rows], data.iloc[test_rows]

    features, analysed, dropped = [], [], []
    for name, numeric in candidates:
        if numeric:
            feature = _numeric_feature(name, to_number(train[name]), y_train, opts)
        else:
            feature = _categorical_feature(name, clean_text(train[name]), y_train, opts)
        iv = _bin_statistics(feature, _assign(feature, train[name]), y_train)
        analysed.append({"name": name, "type": feature["type"], "iv": iv})
        if iv < opts.min_iv:
            dropped.append({"name": name, "iv": iv, "reason": "weak"})
            notes.append(_("Column “%(name)s” has an information value of %(iv).3f, below %(min)s: too weak, left out.")
                         % {"name": name, "iv": iv, "min": opts.min_iv})
            continue
        features.append(feature)
    if not features:
        raise TrainingError(_("No column predicts the target: every information value is below %(min)s.")
                            % {"min": opts.min_iv})

    features, intercept = _fit(features, train, y_train, dropped, notes)
    model = _scaled_model(features, intercept, opts)
    model.update(
        format=MODEL_FORMAT, kind="statistical", target=str(column), bad_value=str(bad_value),
        analysed=analysed, dropped=dropped,
        training={"rows": len(y), "train_rows": len(train_rows), "test_rows": len(test_rows), "bads": n_bad,
                  "bad_rate": n_bad / len(y), "test_size": opts.test_size, "seed": opts.seed,
                  "max_bins": opts.max_bins, "min_bin_share": opts.min_bin_share, "min_iv": opts.min_iv},
    )
    train_scores, _points = score_frame(model, train)
    model["grades"] = _grade_table(model, train_scores, y_train)
    test_scores, _points = score_frame(model, test)
    model["holdout"] = {"metrics": _metrics(model, train_scores, y_train, test_scores, y_test),
                        "calibration": _calibration(model, test_scores, y_test)}
    return TrainingResult(model=model, notes=[str(n) for n in notes])


def _fit(features: list[dict], train: pd.DataFrame, y: np.ndarray, dropped: list, notes: list):
    """Logistic regression on WoE; refit without any column whose coefficient has the wrong sign."""
    from sklearn.linear_model import LogisticRegression

    while True:
        woe = np.column_stack([np.asarray([b["woe"] for b in f["bins"]])[_assign(f, train[f["name"]])]
                               for f in features])
        regression = LogisticRegression(C=1.0, max_iter=1000)
        regression.fit(woe, y)
        coefficients = regression.coef_[0]
        # WoE is ln(%good/%bad): more evidence of good must lower the odds of bad (a negative coefficient)
        worst = int(np.argmax(coefficients))
        if coefficients[worst] <= 0 or len(features) == 1:
            break
        gone = features.pop(worst)
        dropped.append({"name": gone["name"], "iv": gone["iv"], "reason": "sign"})
        notes.append(_("Column “%(name)s” pulled the wrong way once the other columns were taken into account and "
                       "was left out.") % {"name": gone["name"]})
    for f, coefficient in zip(features, coefficients, strict=True):
        f["coefficient"] = float(coefficient)
    return features, float(regression.intercept_[0])


def _scaled_model(features: list[dict], intercept: float, opts: TrainingOptions) -> dict:
    factor = opts.pdo / math.log(2)
    offset = opts.base_score - factor * math.log(opts.base_odds)
    share = (offset - factor * intercept) / len(features)  # the constant, spread evenly over the features
    for f in features:
        for b in f["bins"]:
            b["points"] = share - factor * f["coefficient"] * b["woe"]
    return {"features": features, "intercept": intercept,
            "scaling": {"base_score": opts.base_score, "base_odds": opts.base_odds, "pdo": opts.pdo,
                        "factor": factor, "offset": offset}}


def _grade_table(model: dict, scores: np.ndarray, y: np.ndarray) -> list[dict]:
    """Nine equal-count bands of the training scores, best first (ties may leave a band empty)."""
    cuts = np.quantile(scores, np.arange(1, len(GRADES)) / len(GRADES))  # ascending
    table = [{"grade": g, "min_score": (float(cuts[len(cuts) - 1 - i]) if i < len(cuts) else None)}
             for i, g in enumerate(GRADES)]
    model["grades"] = table
    grades, pds = grades_of_scores(model, scores), pd_of_scores(model, scores)
    for row in table:
        mask = grades == row["grade"]
        row.update(train_count=int(mask.sum()), pd=(float(pds[mask].mean()) if mask.any() else None),
                   train_bad_rate=(float(y[mask].mean()) if mask.any() else None))
    return table


def _metrics(model, train_scores, y_train, test_scores, y_test) -> dict:
    from sklearn.metrics import roc_auc_score, roc_curve

    pd_test = pd_of_scores(model, test_scores)
    auc = float(roc_auc_score(y_test, pd_test))
    fpr, tpr, _thresholds = roc_curve(y_test, pd_test)
    train_auc = float(roc_auc_score(y_train, pd_of_scores(model, train_scores)))
    return {"auc": auc, "ks": float(np.max(tpr - fpr)), "gini": 2 * auc - 1, "train_auc": train_auc,
            "test_rows": len(y_test), "test_bads": int(y_test.sum())}


def _calibration(model: dict, scores: np.ndarray, y: np.ndarray) -> list[dict]:
    grades, pds = grades_of_scores(model, scores), pd_of_scores(model, scores)
    rows = []
    for g in GRADES:
        mask = grades == g
        n = int(mask.sum())
        rows.append({"grade": g, "count": n, "bads": int(y[mask].sum()),
                     "observed_bad_rate": (float(y[mask].mean()) if n else None),
                     "mean_pd": (float(pds[mask].mean()) if n else None)})
    return rows


# --- reading a file ------------------------------------------------------------------------------
def read_table(fileobj, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """A CSV (UTF-8 with or without BOM, GBK) or Excel .xlsx file as a table of texts, by the centre's
    import readers; a clear :class:`TrainingError` for anything unreadable."""
    from django.core.exceptions import ValidationError

    from infocenter.imports import readers

    try:
        info = readers.detect(fileobj)
        headers, _estimate = readers.read_headers(fileobj, info)
        rows: list[list[str]] = []
        for _start, chunk in readers.iter_chunks(fileobj, info, len(headers)):
            rows.extend(chunk)
            if len(rows) > max_rows:
                raise TrainingError(_("At most %(max)s rows are used for training; the file has more.")
                                    % {"max": max_rows})
    except ValidationError as exc:
        raise TrainingError(" ".join(exc.messages))
    if any(not h for h in headers):
        raise TrainingError(_("Column %(n)s has no name in the first row; every column needs one.")
                            % {"n": next(i for i, h in enumerate(headers, 1) if not h)})
    twice = sorted({h for h in headers if headers.count(h) > 1})
    if twice:
        raise TrainingError(_("These column names appear more than once: %(names)s.") % {"names": "、".join(twice)})
    table = pd.DataFrame(rows, columns=headers, dtype=object).fillna("")
    blank = table.apply(lambda col: col.astype(str).str.strip() == "").all(axis=1)
    return table[~blank].reset_index(drop=True)
