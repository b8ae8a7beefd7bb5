"""The feature table of the rating: ONE row per firm, assembled with pandas, set-based.

Each source is read with one query for any number of firms (never a query per firm):
the firms (with their profile and cluster membership), the centre's periodic records
(statements, tax, social insurance), repayment behaviour (``lending.selectors.repayment_behaviour``),
reports by other agents, and the categories the centre holds (completeness).

A value that is not known stays ``NaN`` (a firm without statements has no leverage): the
scorecard puts it in the factor's own *missing* bin — never a silent zero. Features are floats
(model inputs, not bookkeeping; the money itself stays Decimal in its own tables).

Not computed because the centre's records do not carry the figures: current ratio (no current
assets/liabilities in a statement), interest and cash-flow cover (no interest expense or cash
flow), penalties (sanctions are not recorded yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from agents.models import Agent, ClusterMembership, current_membership_q
from infocenter.choices import EXPECTED_CATEGORIES, PublicationStatus
from infocenter.models import FirmRecord, Publication, Report
from lending.selectors import repayment_behaviour

from .constants import REPORT_HALF_LIFE_DAYS, REPORTER_KIND_WEIGHTS, VERIFICATION_WEIGHTS


@dataclass(frozen=True)
class Feature:
    """One column of the feature table: its code, its labels and how its value reads."""

    code: str
    label_en: str
    label_zh: str
    unit: str  # ratio | percent | days | yuan | count | months | years | rank | category | share
    actionable: bool = True  # may the firm change it from now on (the past cannot be repaid early)


FEATURES: tuple[Feature, ...] = (
    Feature("leverage", "leverage (liabilities / assets)", "资产负债率", "ratio"),
    Feature("roa", "return on assets", "总资产收益率", "percent"),
    Feature("revenue_growth", "revenue growth", "营业收入增长率", "percent"),
    Feature("statement_age_days", "age of the latest statement", "最新财务报表距今", "days"),
    Feature("current_dpd", "days past due now", "当前逾期天数", "days"),
    Feature("worst_dpd", "worst days past due on record", "历史最长逾期天数", "days", actionable=False),
    Feature("on_time_share", "instalments paid on time", "按时还款比例", "share"),
    Feature("arrears", "arrears", "逾期欠款", "yuan"),
    Feature("worst_loan_class", "worst loan classification", "最差贷款五级分类", "rank", actionable=False),
    Feature("history_months", "months of credit history", "信贷记录月数", "months", actionable=False),
    Feature("write_offs", "loans written off", "核销贷款笔数", "count", actionable=False),
    Feature("negative_reports", "negative reports by others (weighted)", "他方负面报告（加权）", "count"),
    Feature("positive_reports", "positive reports by others (weighted)", "他方正面报告（加权）", "count"),
    Feature("tax_trend", "change in tax paid", "纳税额变化", "percent"),
    Feature("headcount_trend", "change in insured employees", "社保参保人数变化", "percent"),
    Feature("government_arrears", "tax and social-insurance arrears", "欠税及欠缴社保", "yuan"),
    Feature("years_in_cluster", "years in the cluster", "入群年限", "years", actionable=False),
    Feature("supply_chain_position", "supply-chain position", "产业链位置", "category", actionable=False),
    Feature("completeness", "information completeness", "信息完整度", "share"),
)
FEATURE_BY_CODE = {f.code: f for f in FEATURES}
FEATURE_CODES = tuple(f.code for f in FEATURES)
CATEGORICAL = ("supply_chain_position",)
LOAN_CLASS_NAMES = ("正常 normal", "关注 special mention", "次级 substandard", "可疑 doubtful", "损失 loss")


def _frame(qs, columns: list[str]) -> pd.DataFrame:
    """The rows of a ``values_list`` queryset as a DataFrame, fetched through the cursor (Django's
    per-value converters cost more than the query for 100,000 firms; dates and times are parsed
    by pandas afterwards)."""
    sql, params = qs.order_by().query.sql_with_params()  # no ordering columns (they would join DISTINCT)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame(rows, columns=columns)


def _ids(firms) -> list[int] | QuerySet:
    if isinstance(firms, QuerySet):
        return firms.values("pk")
    return sorted({int(getattr(f, "pk", f)) for f in firms})


def _firms(ids, as_of: date) -> pd.DataFrame:
    df = _frame(Agent.objects.filter(pk__in=ids, kind="enterprise").values_list(
        "pk", "current_grade", "enterprise_profile__supply_chain_position", "region_code", "industry_code"),
        ["agent_id", "previous_grade", "supply_chain_position", "region_code", "industry_code"]).set_index("agent_id")
    df["supply_chain_position"] = df["supply_chain_position"].replace("", None)
    joined = _frame(ClusterMembership.objects.filter(current_membership_q(as_of=as_of), agent_id__in=ids)
                    .values_list("agent_id", "joined_on"), ["agent_id", "joined_on"])
    if len(joined):
        # datetime64 before grouping: a groupby over Python dates aggregates group by group in Python
        # (50 s for 100,000 firms), over datetime64 in one pass
        joined["joined_on"] = pd.to_datetime(joined["joined_on"])
        first = joined.groupby("agent_id")["joined_on"].min()
        days = (pd.Timestamp(as_of) - first).dt.days
        df["years_in_cluster"] = (days.clip(lower=0) / 365.25).reindex(df.index)
    else:
        df["years_in_cluster"] = np.nan
    return df


def _records(ids, as_of: date) -> pd.DataFrame:
    """Financial ratios and government trends from the latest and previous record of each kind."""
    cols = ["agent_id", "kind", "period_type", "period_end", "revenue", "net_profit", "total_assets",
            "total_liabilities", "tax_paid", "tax_arrears", "insured_headcount", "contribution_arrears"]
    figures = {f"f_{c}": Cast(F(c), FloatField()) for c in cols[4:]}
    rec = _frame(FirmRecord.objects.filter(agent_id__in=ids, period_end__lte=as_of).annotate(**figures)
                 .values_list(*cols[:4], *figures), cols)
    out = pd.DataFrame(index=pd.Index([], name="agent_id"))
    if rec.empty:
        return out
    for c in cols[4:]:
        rec[c] = pd.to_numeric(rec[c], errors="coerce").astype(float)
    rec["period_end"] = pd.to_datetime(rec["period_end"])
    rec = rec.sort_values(["agent_id", "kind", "period_end"])

    def latest_two(kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        part = rec[rec["kind"] == kind]
        # Growth compares like with like: the previous record of the same period type.
        last = part.groupby("agent_id").tail(1).set_index("agent_id")
        same = part.merge(last[["period_type"]].reset_index(), on=["agent_id", "period_type"])
        prev = same.groupby("agent_id").nth(-2)
        prev = prev.set_index("agent_id") if "agent_id" in prev.columns else prev
        return last, prev

    last, prev = latest_two("statement")
    if len(last):
        assets = last["total_assets"].where(last["total_assets"] > 0)
        out = out.reindex(out.index.union(last.index))
        out["leverage"] = last["total_liabilities"] / assets
        out["roa"] = last["net_profit"] / assets
        out["revenue_growth"] = last["revenue"] / prev["revenue"].where(prev["revenue"] > 0).reindex(last.index) - 1
        out["statement_age_days"] = (pd.Timestamp(as_of) - last["period_end"]).dt.days.astype(float)
    for kind, value, arrears, code in (("tax", "tax_paid", "tax_arrears", "tax_trend"),
                                       ("social_insurance", "insured_headcount", "contribution_arrears",
                                        "headcount_trend")):
        last, prev = latest_two(kind)
        if not len(last):
            continue
        out = out.reindex(out.index.union(last.index))
        base = prev[value].where(prev[value] > 0).reindex(last.index)
        out[code] = last[value] / base - 1
        out[f"_{arrears}"] = last[arrears]
    if "_tax_arrears" in out or "_contribution_arrears" in out:
        parts = [out[c] for c in ("_tax_arrears", "_contribution_arrears") if c in out]
        known = pd.concat(parts, axis=1)
        out["government_arrears"] = known.sum(axis=1, min_count=1)
        out = out.drop(columns=[c for c in ("_tax_arrears", "_contribution_arrears") if c in out])
    return out


def _repayment(ids, as_of: date) -> pd.DataFrame:
    rows = repayment_behaviour(ids, as_of=as_of)
    df = pd.DataFrame.from_records(list(rows.values())) if rows else pd.DataFrame(columns=["borrower_id"])
    if df.empty:
        return pd.DataFrame(index=pd.Index([], name="agent_id"))
    df = df.rename(columns={"borrower_id": "agent_id", "worst_class_rank": "worst_loan_class"}).set_index("agent_id")
    df["arrears"] = pd.to_numeric(df["arrears"]).astype(float)
    keep = ["current_dpd", "worst_dpd", "on_time_share", "arrears", "worst_loan_class", "history_months",
            "write_offs"]
    return df[keep].astype(float)


def _reports(ids, as_of: date) -> pd.DataFrame:
    """Weighted counts of negative and positive reports: by the reporter's kind, the verification
    status (verified negative weighs most, disputed little, rejected nothing) and age (half-life).
    A reply of the subject changes nothing: only a decision by a verifier does."""
    cols = ["subject_id", "reporter__kind", "status", "report_type", "created_at"]
    df = _frame(Report.objects.filter(subject_id__in=ids, created_at__lt=_end_of(as_of)).values_list(*cols), cols)
    if df.empty:
        return pd.DataFrame(index=pd.Index([], name="agent_id"))
    created = pd.to_datetime(df["created_at"], utc=True).dt.tz_convert(str(timezone.get_default_timezone()))
    age = (pd.Timestamp(as_of) - created.dt.tz_localize(None).dt.normalize()).dt.days.clip(lower=0).astype(float)
    weight = (df["reporter__kind"].map(REPORTER_KIND_WEIGHTS).fillna(0.5).astype(float)
              * pd.Series([VERIFICATION_WEIGHTS.get((s, t), 0.0) for s, t in zip(df["status"], df["report_type"],
                                                                                   strict=True)], index=df.index)
              * np.power(0.5, age / REPORT_HALF_LIFE_DAYS))
    df["negative_reports"] = weight.where(df["report_type"] == "negative", 0.0)
    df["positive_reports"] = weight.where(df["report_type"] == "positive", 0.0)
    out = df.groupby("subject_id")[["negative_reports", "positive_reports"]].sum()
    out.index.name = "agent_id"
    return out


def _end_of(day: date):
    """The first instant after ``day`` (aware), for "known on that day"."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


RECORD_CATEGORY = {"statement": "financial_statements", "tax": "tax_paid", "social_insurance": "social_insurance"}


def _completeness(ids, as_of: date) -> pd.Series:
    """Share of the categories the centre expects of a firm that it holds (current published
    items, and the government's periodic records) — the definition of ``infocenter.dossier``."""
    expected = set(EXPECTED_CATEGORIES["enterprise"])
    pubs = _frame(Publication.objects.filter(subject_id__in=ids, is_current=True, status=PublicationStatus.PUBLISHED,
                                             category__in=expected, published_at__lt=_end_of(as_of))
                  .values_list("subject_id", "category").distinct(), ["agent_id", "category"])
    recs = _frame(FirmRecord.objects.filter(agent_id__in=ids, period_end__lte=as_of).values_list("agent_id", "kind")
                  .distinct(), ["agent_id", "kind"])
    recs["category"] = recs["kind"].map(RECORD_CATEGORY)
    both = pd.concat([pubs, recs[["agent_id", "category"]]]).drop_duplicates()
    return (both.groupby("agent_id")["category"].nunique() / len(expected)).rename("completeness")


def feature_table(firms, *, as_of: date | None = None) -> pd.DataFrame:
    """The feature row of every firm in ``firms`` (agents, ids or an ``Agent`` queryset),
    indexed by agent id, with the columns ``FEATURE_CODES`` (NaN = not known) plus
    ``previous_grade``, ``region_code``, ``industry_code`` and ``limited_history`` (no
    statements and no loans: the rating says so). Six queries whatever the number of firms."""
    as_of = as_of or timezone.localdate()
    ids = _ids(firms)
    df = _firms(ids, as_of)
    for part in (_records(ids, as_of), _repayment(ids, as_of), _reports(ids, as_of)):
        df = df.join(part, how="left")
    df = df.join(_completeness(ids, as_of), how="left")
    for code in FEATURE_CODES:
        if code not in df:
            df[code] = np.nan
    # No report is a fact (zero), not a missing value; neither is holding nothing in the centre.
    df[["negative_reports", "positive_reports"]] = df[["negative_reports", "positive_reports"]].fillna(0.0)
    df["completeness"] = df["completeness"].fillna(0.0)
    df["limited_history"] = df["history_months"].isna() & df["leverage"].isna()
    return df


def snapshots(df: pd.DataFrame) -> list[dict]:
    """The inputs of every row as plain JSON (None for missing), built column-wise."""
    cols = {}
    for code in FEATURE_CODES:
        series = df[code]
        if code in CATEGORICAL:
            values = series.astype(object).where(series.notna() & (series.astype(str) != ""), None)
            cols[code] = [None if v is None else str(v) for v in values.tolist()]
        else:
            x = np.round(pd.to_numeric(series, errors="coerce").to_numpy(dtype=float), 6)
            cols[code] = [None if v != v else v for v in x.tolist()]
    n = len(df)
    return [{code: cols[code][i] for code in FEATURE_CODES} for i in range(n)]


def snapshot(row: pd.Series) -> dict:
    """The inputs of one firm as plain JSON (None for missing)."""
    out = {}
    for code in FEATURE_CODES:
        value = row[code]
        if code in CATEGORICAL:
            out[code] = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        else:
            out[code] = None if pd.isna(value) else round(float(value), 6)
    return out
