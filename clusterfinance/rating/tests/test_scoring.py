"""The rating from the firm's side: direction of each factor, reasons, no history, counterfactuals."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from agents.models import Agent
from clusterfinance.rating.defaults import DEFAULT_CALIBRATION, DEFAULT_SPEC
from clusterfinance.rating.features import FEATURE_CODES, feature_table
from clusterfinance.rating.models import Rating
from clusterfinance.rating.scorecard import BinnedScorecard, Calibration, apply_changes, counterfactual
from clusterfinance.rating.services import ratings_rescore

from .helpers import negative_report, solid_firm

MODEL = BinnedScorecard(DEFAULT_SPEC)
CAL = Calibration(DEFAULT_CALIBRATION)


def _row(**values) -> pd.DataFrame:
    base = dict.fromkeys(FEATURE_CODES, np.nan)
    base.update(negative_reports=0.0, positive_reports=0.0, completeness=0.5)
    base.update(values)
    return pd.DataFrame([base])


def _score(**values) -> float:
    return float(MODEL.score(_row(**values))[0][0])


@pytest.mark.parametrize(("factor", "better", "worse"), [
    ("arrears", 0, 80_000),
    ("current_dpd", 0, 35),
    ("worst_dpd", 0, 120),
    ("leverage", 0.3, 0.9),
    ("roa", 0.1, -0.05),
    ("revenue_growth", 0.2, -0.3),
    ("on_time_share", 1.0, 0.5),
    ("write_offs", 0, 1),
    ("negative_reports", 0, 2),
    ("tax_trend", 0.2, -0.4),
    ("headcount_trend", 0.1, -0.3),
    ("government_arrears", 0, 5000),
    ("completeness", 1.0, 0.0),
])
def test_each_factor_points_the_right_way(factor, better, worse):
    assert _score(**{factor: better}) > _score(**{factor: worse})


def test_more_arrears_is_never_better():
    scores = [_score(arrears=a) for a in (0, 1, 10_000, 50_000, 50_001, 1_000_000)]
    assert scores == sorted(scores, reverse=True)


def test_scoring_is_one_array_operation_over_all_rows():
    rows = pd.concat([_row(current_dpd=d) for d in range(200)], ignore_index=True)
    scores, points = MODEL.score(rows)
    assert scores.shape == (200,) and list(points.columns) == [f["name"] for f in DEFAULT_SPEC["features"]]
    assert scores[0] > scores[199]


def test_missing_value_has_its_own_bin_not_zero():
    # no statements at all is not the same as leverage 0 (which would be the best band)
    assert _score() != _score(leverage=0.0)
    assert _score(leverage=0.0) > _score()


@pytest.mark.django_db
def test_verified_negative_report_weighs_more_than_unverified(world):
    negative_report(world, world.firm, status="verified")
    negative_report(world, world.other_firm, status="unverified")
    table = feature_table([world.firm.pk, world.other_firm.pk])
    assert table.loc[world.firm.pk, "negative_reports"] > table.loc[world.other_firm.pk, "negative_reports"] > 0
    ratings = {r.agent_id: r for r in ratings_rescore(agent_ids=[world.firm.pk, world.other_firm.pk])}
    assert ratings[world.firm.pk].score < ratings[world.other_firm.pk].score


@pytest.mark.django_db
def test_rejected_report_counts_nothing_and_a_reply_hides_nothing(world):
    report = negative_report(world, world.firm, status="rejected")
    assert feature_table([world.firm.pk]).loc[world.firm.pk, "negative_reports"] == 0
    report.status, report.reply = "verified", "我们已付清。"
    report.save()
    assert feature_table([world.firm.pk]).loc[world.firm.pk, "negative_reports"] > 0


@pytest.mark.django_db
def test_firm_without_history_gets_a_rating_that_says_so(world, django_assert_max_num_queries):
    [rating] = ratings_rescore(agent_ids=[world.firm.pk])
    assert rating.limited_history is True
    assert rating.grade in ("BB", "B", "CCC")
    assert rating.inputs["leverage"] is None and rating.inputs["current_dpd"] is None
    assert rating.lowering and all("not known" in r["text_en"] for r in rating.lowering)
    firm = Agent.objects.get(pk=world.firm.pk)
    assert firm.current_grade == rating.grade and firm.current_pd == rating.pd and firm.rated_at


@pytest.mark.django_db
def test_reason_codes_name_the_inputs_that_moved(world):
    solid_firm(world, world.firm)
    negative_report(world, world.firm, status="verified")
    [rating] = ratings_rescore(agent_ids=[world.firm.pk])
    lowering = {r["factor"]: r for r in rating.lowering}
    assert "negative_reports" in lowering
    assert lowering["negative_reports"]["code"].startswith("negative_reports.")
    assert "负面报告" in lowering["negative_reports"]["text_zh"]
    assert "negative reports" in lowering["negative_reports"]["text_en"]
    raising = {r["factor"]: r for r in rating.raising}
    assert raising, rating.reasons
    assert all(r["shown"] in r["text_en"] for r in rating.raising if r["value"] is not None)
    assert raising["roa"]["value"] == pytest.approx(0.1)
    assert len(rating.raising) <= 3 and len(rating.lowering) <= 3


@pytest.mark.django_db
def test_rescore_is_idempotent_when_nothing_changed(world):
    first = ratings_rescore(agent_ids=[world.firm.pk])
    assert len(first) == 1
    assert ratings_rescore(agent_ids=[world.firm.pk]) == []
    assert Rating.objects.filter(agent=world.firm).count() == 1


@pytest.mark.django_db
def test_feature_table_is_set_based(world, django_assert_max_num_queries):
    solid_firm(world, world.firm)
    solid_firm(world, world.other_firm)
    with django_assert_max_num_queries(10):
        table = feature_table(Agent.objects.filter(kind="enterprise"), as_of=date(2026, 6, 30))
    assert len(table) == 2
    assert table.loc[world.firm.pk, "leverage"] == pytest.approx(0.5)
    assert table.loc[world.firm.pk, "revenue_growth"] == pytest.approx(10 / 9 - 1)


@pytest.mark.parametrize("values", [
    {"current_dpd": 35, "worst_dpd": 35, "arrears": 20_000, "on_time_share": 0.9, "history_months": 24,
     "worst_loan_class": 1, "write_offs": 0, "leverage": 0.78, "roa": 0.04, "completeness": 0.5},
    {"leverage": 0.85, "roa": -0.02, "completeness": 0.2},
    {},
])
def test_counterfactual_really_lifts_one_grade(values):
    row = _row(**values).iloc[0]
    result = counterfactual(MODEL, CAL, row)
    assert result["options"], result
    for option in result["options"]:
        new_score = MODEL.score(apply_changes(row, option["changes"]).to_frame().T)[0][0]
        assert CAL.grades([new_score])[0] == result["target_grade"] or new_score >= CAL.min_score(
            result["target_grade"])


def test_counterfactual_names_the_change_needed():
    row = _row(current_dpd=35, worst_dpd=0, arrears=0, on_time_share=1.0, history_months=24, worst_loan_class=0,
               write_offs=0, leverage=0.5, roa=0.05, revenue_growth=0.05, statement_age_days=100,
               completeness=0.5).iloc[0]
    result = counterfactual(MODEL, CAL, row)
    texts = [c["text_en"] for o in result["options"] for c in o["changes"]]
    assert any("days past due now 0 instead of 35" in t for t in texts), texts
