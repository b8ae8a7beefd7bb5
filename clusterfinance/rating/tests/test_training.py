"""The statistical scorecard trainer and the train_scorecard command."""

import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from clusterfinance.rating.training import (
    GRADES,
    TrainingError,
    TrainingOptions,
    grades_of_scores,
    pd_of_scores,
    read_table,
    score_frame,
    train_scorecard,
)


def borrowers(n=1500, seed=0) -> pd.DataFrame:
    """Past borrowers whose default depends on leverage, margin and industry (a known signal), with
    an identifier, a constant column, gaps and a column of pure noise."""
    rng = np.random.default_rng(seed)
    leverage = rng.uniform(0, 1, n)
    margin = rng.normal(0.1, 0.1, n)
    industry = rng.choice(["纺织 textile", "金属 metal", "食品 food", "化工 chemicals"], n)
    effect = pd.Series(industry).map({"纺织 textile": 0.4, "金属 metal": -0.6, "食品 food": 0.0,
                                      "化工 chemicals": 1.0}).to_numpy()
    logit = -2.0 + 4.0 * leverage - 8.0 * margin + effect
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame({
        "credit_code": [f"91330100MA{i:08d}" for i in range(n)],
        "leverage": leverage.round(4),
        "margin": margin.round(4),
        "industry": industry,
        "country": "CN",
        "noise": rng.normal(size=n),
        "status": np.where(bad, "bad", "good"),
    })
    frame.loc[rng.choice(n, n // 10, replace=False), "margin"] = np.nan
    frame.loc[rng.choice(n, n // 20, replace=False), "industry"] = None
    return frame


@pytest.fixture(scope="module")
def trained():
    with translation.override("en"):  # the notes are read in English below
        return train_scorecard(borrowers(), target="status", bad_value="bad")


def test_known_signal_is_found_on_the_holdout(trained):
    m = trained.metrics
    assert m["auc"] > 0.75
    assert m["gini"] == pytest.approx(2 * m["auc"] - 1)
    assert 0 < m["ks"] < 1
    names = {f["name"] for f in trained.model["features"]}
    assert {"leverage", "margin", "industry"} <= names
    iv = {r["name"]: r["iv"] for r in trained.model["analysed"]}
    assert iv["noise"] < 0.05
    assert iv["noise"] < min(iv["leverage"], iv["margin"], iv["industry"])


def test_identifier_and_constant_columns_are_dropped_with_a_note(trained):
    notes = " ".join(trained.notes)
    assert "credit_code" in notes and "identifier" in notes
    assert "country" in notes and "one value" in notes
    analysed = {r["name"] for r in trained.model["analysed"]}
    assert "credit_code" not in analysed and "country" not in analysed


def test_model_is_json_with_bins_woe_iv_and_scaling(trained):
    model = json.loads(json.dumps(trained.model, allow_nan=False))
    leverage = next(f for f in model["features"] if f["name"] == "leverage")
    assert leverage["iv"] > 0.1
    assert [b["kind"] for b in leverage["bins"]][-1] == "missing"
    rates = [b["bad_rate"] for b in leverage["bins"] if b["kind"] == "range"]
    assert rates == sorted(rates)  # more leverage, more defaults: monotonic bins
    assert all({"count", "bads", "goods", "woe", "iv", "points"} <= b.keys() for b in leverage["bins"])
    assert leverage["coefficient"] < 0
    assert model["scaling"] == pytest.approx({"base_score": 600, "base_odds": 50, "pdo": 20,
                                              "factor": 20 / np.log(2),
                                              "offset": 600 - 20 / np.log(2) * np.log(50)})
    assert [g["grade"] for g in model["grades"]] == list(GRADES)


def test_scores_follow_the_points_to_double_the_odds(trained):
    pds = pd_of_scores(trained.model, [600.0, 620.0])
    odds = (1 - pds) / pds
    assert odds[0] == pytest.approx(50)
    assert odds[1] == pytest.approx(100)


def test_calibration_by_grade_covers_the_holdout(trained):
    rows = trained.calibration
    assert [r["grade"] for r in rows] == list(GRADES)
    assert sum(r["count"] for r in rows) == trained.metrics["test_rows"]
    best, worst = rows[0], rows[-1]
    assert best["mean_pd"] < worst["mean_pd"]
    assert best["observed_bad_rate"] < worst["observed_bad_rate"]


def test_score_frame_handles_unseen_categories_and_missing_values(trained):
    model = trained.model
    frame = pd.DataFrame({"leverage": [0.1, np.nan, "", 0.9], "margin": [0.2, None, "n/a", -0.1],
                          "industry": ["纺织 textile", "宇航 aerospace", None, "食品 food"]})
    scores, points = score_frame(model, frame)
    assert scores.shape == (4,) and np.isfinite(scores).all()
    assert list(points.columns) == [f["name"] for f in model["features"]]
    assert scores == pytest.approx(points.sum(axis=1).to_numpy())
    industry = next(f for f in model["features"] if f["name"] == "industry")
    by_kind = {b["kind"]: b["points"] for b in industry["bins"] if b["kind"] in ("other", "missing")}
    assert points.loc[1, "industry"] == pytest.approx(by_kind["other"])
    assert points.loc[2, "industry"] == pytest.approx(by_kind["missing"])
    assert points.loc[1, "leverage"] == points.loc[2, "leverage"]  # NaN and empty are the same missing bin
    assert scores[0] > scores[3]  # low leverage, high margin scores better
    assert set(grades_of_scores(model, scores)) <= set(GRADES)


def test_same_seed_same_model_other_seed_other_split():
    data = borrowers(n=800, seed=3)
    first = train_scorecard(data, target="status", bad_value="bad", options=TrainingOptions(seed=7))
    again = train_scorecard(data, target="status", bad_value="bad", options=TrainingOptions(seed=7))
    other = train_scorecard(data, target="status", bad_value="bad", options=TrainingOptions(seed=8))
    assert json.dumps(first.model) == json.dumps(again.model)
    assert first.metrics != other.metrics


def test_numeric_target_and_bad_value_given_as_text():
    data = borrowers(n=600)
    data["status"] = (data["status"] == "bad").astype(float)  # 1.0 / 0.0
    result = train_scorecard(data, target="STATUS ", bad_value="1")
    assert result.model["target"] == "status"
    assert result.model["training"]["bads"] == int(data["status"].sum())


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.assign(status="good"), "same value “good”: training needs both good and bad"),
    (lambda d: d.assign(status=np.where(d.index < 296, "bad", "good")), "at least 5 bad and 5 good"),
    (lambda d: d.head(20), "at least 40 rows"),
    (lambda d: d[["status"]], "at least one other column"),
    (lambda d: d[["status", "country", "credit_code"]], "no column to learn from"),
])
def test_unusable_tables_are_refused_clearly(change, message):
    with pytest.raises(TrainingError, match=message):
        train_scorecard(change(borrowers(n=300)), target="status", bad_value="bad")


def test_unknown_target_or_bad_value_names_what_exists():
    with pytest.raises(TrainingError, match="no column named “default”.*leverage"):
        train_scorecard(borrowers(n=300), target="default", bad_value="bad")
    with pytest.raises(TrainingError, match="“违约”.*bad、good|“违约”.*good、bad"):
        train_scorecard(borrowers(n=300), target="status", bad_value="违约")


def _csv(tmp_path, frame, encoding="utf-8", name="borrowers.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def test_gbk_file_with_text_categories_and_gaps_trains(tmp_path):
    data = borrowers(n=900).rename(columns={"industry": "行业", "status": "状态"})
    data["状态"] = data["状态"].map({"bad": "违约", "good": "正常"})
    path = _csv(tmp_path, data, encoding="gbk")
    with path.open("rb") as f:
        table = read_table(f)
    assert table.loc[table["行业"] != "", "行业"].str.contains("纺织").any()
    result = train_scorecard(table, target="状态", bad_value="违约")
    assert result.metrics["auc"] > 0.7
    assert "行业" in {f["name"] for f in result.model["features"]}


def test_command_prints_holdout_auc_ks_gini_and_iv(tmp_path, capsys):
    path = _csv(tmp_path, borrowers(n=900), encoding="utf-8-sig")
    call_command("train_scorecard", csv=str(path), target="status", bad_value="bad", test_size=0.25, seed=2)
    out = capsys.readouterr().out
    for word in ("Holdout AUC", "Holdout KS", "Holdout Gini", "Information value", "leverage", "Calibration", "AAA"):
        assert word in out
    assert "holdout 225" in out


def test_command_works_on_excel(tmp_path, capsys):
    path = tmp_path / "borrowers.xlsx"
    borrowers(n=500).to_excel(path, index=False)
    call_command("train_scorecard", csv=str(path), target="status", bad_value="bad")
    assert "Holdout AUC" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "args", "message"), [
    (None, {}, "No file at"),
    (b"", {}, "empty"),
    (b"\xff\xfe\x00a", {}, "UTF-16"),
    (b"status,x\nbad,1\ngood,2\n", {}, "at least 40 rows"),
    ("ok", {"target": "nope"}, "no column named"),
    ("ok", {"bad_value": "defaulted"}, "No row has the bad value"),
    ("ok", {"test_size": 0.9}, "test size"),
])
def test_command_bad_input_is_a_clear_command_error(tmp_path, content, args, message):
    path = tmp_path / "in.csv"
    if content == "ok":
        borrowers(n=300).to_csv(path, index=False)
    elif content is not None:
        path.write_bytes(content)
    options = {"csv": str(path), "target": "status", "bad_value": "bad"} | args
    with pytest.raises(CommandError, match=message):
        call_command("train_scorecard", **options)


# --- staff pages ---------------------------------------------------------------------------------
def _upload(client, tmp_path, frame=None, encoding="gbk", **fields):
    from django.urls import reverse

    path = _csv(tmp_path, borrowers(n=700) if frame is None else frame, encoding=encoding)
    data = {"target": "status", "bad_value": "bad", "test_size": "0.3", "seed": "1", "exclude": ""} | fields
    with path.open("rb") as f:
        return client.post(reverse("clusterfinance:rating-training"), data | {"file": f})


def test_staff_upload_and_see_holdout_bins_and_calibration(client_for, tmp_path, django_assert_max_num_queries):
    client = client_for("finance_analyst")
    response = _upload(client, tmp_path)
    assert response.status_code == 302
    with django_assert_max_num_queries(8):
        page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    for text in ('data-testid="holdout-metrics"', "AUC", "KS", 'data-testid="bins-leverage"',
                 'data-testid="calibration-table"', "AAA", "credit_code"):
        assert text in html
    assert "Gini" in html or "基尼" in html  # the page speaks the user's language


def test_a_bad_file_shows_the_reason_on_the_form(client_for, tmp_path):
    client = client_for("finance")
    response = _upload(client, tmp_path, bad_value="违约")
    assert response.status_code == 200
    assert "No row has the bad value" in response.content.decode() or "违约" in response.content.decode()
    assert not client.session.get("scorecard_trainings")


def test_discard_forgets_the_training_and_others_cannot_see_it(client_for, tmp_path, world, client):
    from django.urls import reverse

    analyst = client_for("finance_analyst")
    result_url = _upload(analyst, tmp_path).url
    token = result_url.rstrip("/").rsplit("/", 1)[-1]
    response = analyst.post(reverse("clusterfinance:rating-training-discard", kwargs={"token": token}))
    assert response.status_code == 302
    assert analyst.get(result_url).status_code == 404
    enterprise = client_for("enterprise")
    assert enterprise.get(reverse("clusterfinance:rating-training")).status_code == 404
