"""A trained statistical scorecard becomes a draft version (the command's --save, the training
page's Promote), a manager other than its preparer approves it, and from then on it rates firms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clusterfinance.rating.choices import ScorecardKind, VersionStatus
from clusterfinance.rating.models import Rating, ScorecardVersion
from clusterfinance.rating.services import ratings_rescore, scorecard_default_ensure, scorecard_version_approve

pytestmark = pytest.mark.django_db


def past_borrowers(n=900, seed=3) -> pd.DataFrame:
    """Past borrowers named with the rating's inputs (leverage, on-time share, supply-chain position)
    plus a column the rating does not know; text categories, gaps and a Chinese good/bad column."""
    rng = np.random.default_rng(seed)
    leverage = rng.uniform(0, 1, n)
    on_time = rng.uniform(0.5, 1, n)
    position = rng.choice(["raw_materials", "components", "assembly", "distribution"], n)
    effect = pd.Series(position).map({"raw_materials": 0.6, "components": -0.4, "assembly": 0.0,
                                      "distribution": 0.9}).to_numpy()
    region = rng.choice(["东区", "西区", "南区"], n)
    effect = effect + pd.Series(region).map({"东区": 0.8, "西区": -0.8, "南区": 0.0}).to_numpy()
    bad = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 4 * leverage - 5 * (on_time - 0.75) + effect)))
    frame = pd.DataFrame({"leverage": leverage.round(4), "on_time_share": on_time.round(4),
                          "supply_chain_position": position, "区域": region,
                          "结果": np.where(bad, "坏", "好")})
    frame.loc[rng.choice(n, n // 10, replace=False), "leverage"] = np.nan
    frame.loc[rng.choice(n, n // 15, replace=False), "supply_chain_position"] = ""
    return frame


def _csv(tmp_path, frame=None, name="borrowers.csv"):
    path = tmp_path / name
    (past_borrowers() if frame is None else frame).to_csv(path, index=False, encoding="gbk")
    return path


def _train(tmp_path, capsys, frame=None, **options):
    call_command("train_scorecard", csv=str(_csv(tmp_path, frame)), target="结果", bad_value="坏", **options)
    return capsys.readouterr().out


# --- the command ---------------------------------------------------------------------------------
def test_save_keeps_a_draft_that_the_preparer_cannot_approve_and_another_manager_does(
        world, tmp_path, capsys, django_capture_on_commit_callbacks):
    active = scorecard_default_ensure(finance_company=world.finance_company)
    out = _train(tmp_path, capsys, save="2026 统计评分卡", prepared_by="finance@example.cn")
    assert "Holdout AUC" in out and "Saved as draft statistical scorecard version 2" in out
    version = ScorecardVersion.objects.get(finance_company=world.finance_company, kind=ScorecardKind.STATISTICAL)
    assert (version.status, version.name, version.created_by) == (VersionStatus.DRAFT, "2026 统计评分卡",
                                                                  world.users["finance"])
    assert version.based_on == active and version.spreads == active.spreads  # pricing carried over
    assert {f["name"] for f in version.spec["features"]} >= {"leverage", "supply_chain_position"}
    assert version.spec["holdout"]["metrics"]["auc"] > 0.6 and len(version.calibration) == 9
    ratings_rescore(agent_ids=[world.firm.pk], force=True)
    assert not Rating.objects.filter(version=version).exists()  # a draft rates nobody

    with pytest.raises(PermissionDenied):
        scorecard_version_approve(version=version, user=world.users["finance"])  # maker-checker
    second = _second_manager(world)
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_version_approve(version=version, user=second)
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE and version.approved_by == second
    current = Rating.objects.get(agent=world.firm, is_current=True)
    assert current.version == version and current.trigger == "promotion"


def _second_manager(world):
    from agents.choices import Role
    from agents.tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(agent=world.finance_company, role=Role.FC_MANAGER,
                             user=UserFactory(email="manager2@example.cn")).user


def test_save_notes_the_columns_the_rating_does_not_know(world, tmp_path, capsys):
    out = _train(tmp_path, capsys, save="含区域", prepared_by="analyst@example.cn")
    version = ScorecardVersion.objects.get(kind=ScorecardKind.STATISTICAL)
    assert "区域" in {f["name"] for f in version.spec["features"]}  # the region carries signal
    assert "not inputs of the rating; every member scores as missing on them: 区域" in out


@pytest.mark.parametrize(("options", "message"), [
    ({"save": "x"}, "--prepared-by"),
    ({"save": "x", "prepared_by": "nobody@example.cn"}, "No single active user"),
    ({"save": "x", "prepared_by": "enterprise@example.cn"}, "Only staff of the finance company"),
    ({"save": "x", "prepared_by": "finance@example.cn", "finance_company": 999999}, "No finance company"),
    ({"prepared_by": "finance@example.cn"}, "go with --save"),
])
def test_save_refuses_clearly_and_keeps_nothing(world, tmp_path, capsys, options, message):
    with pytest.raises(CommandError, match=message):
        _train(tmp_path, capsys, **options)
    assert not ScorecardVersion.objects.filter(kind=ScorecardKind.STATISTICAL).exists()


def test_a_model_without_any_rating_input_is_not_saved(world, tmp_path, capsys):
    frame = past_borrowers().rename(columns={"leverage": "负债率", "on_time_share": "准时率",
                                             "supply_chain_position": "位置"})
    with pytest.raises(CommandError, match="None of the model's columns is an input of the rating"):
        _train(tmp_path, capsys, frame=frame, save="x", prepared_by="finance@example.cn")
    assert not ScorecardVersion.objects.exists()


# --- the training page ----------------------------------------------------------------------------
def _upload(client, tmp_path, frame=None):
    path = _csv(tmp_path, frame)
    data = {"target": "结果", "bad_value": "坏", "test_size": "0.3", "seed": "1", "exclude": ""}
    with path.open("rb") as f:
        response = client.post(reverse("clusterfinance:rating-training"), data | {"file": f})
    assert response.status_code == 302
    return response.url, response.url.rstrip("/").rsplit("/", 1)[-1]


def test_promote_then_another_manager_approves_and_the_next_run_uses_it(world, client_for, tmp_path,
                                                                      django_capture_on_commit_callbacks):
    ratings_rescore(agent_ids=[world.firm.pk, world.other_firm.pk])
    old = ScorecardVersion.objects.get(finance_company=world.finance_company, status=VersionStatus.ACTIVE)
    analyst = client_for("finance_analyst")
    result_url, token = _upload(analyst, tmp_path)
    page = analyst.get(result_url).content.decode()
    assert 'data-testid="promote-form"' in page and 'data-testid="no-rating-inputs"' not in page
    assert 'data-testid="other-columns"' in page and "区域" in page

    response = analyst.post(reverse("clusterfinance:rating-training-promote", kwargs={"token": token}),
                            {"name": "统计评分卡 2026"})
    version = ScorecardVersion.objects.get(kind=ScorecardKind.STATISTICAL)
    assert response.status_code == 302 and response.url == version.get_absolute_url()
    assert version.status == VersionStatus.DRAFT and version.created_by == world.users["finance_analyst"]
    assert analyst.get(result_url).status_code == 404  # the training left the session once kept
    page = analyst.get(version.get_absolute_url()).content.decode()
    assert 'data-testid="statistical-holdout"' in page and 'data-testid="approve"' not in page

    manager = client_for("finance")
    page = manager.get(version.get_absolute_url()).content.decode()
    assert 'data-testid="approve"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(version.get_absolute_url())
    assert response.status_code == 302
    version.refresh_from_db()
    old.refresh_from_db()
    assert (version.status, version.approved_by, old.status) == (VersionStatus.ACTIVE, world.users["finance"],
                                                                 VersionStatus.RETIRED)
    # the promotion re-rated the members with it, and a later run rates with it too
    assert set(Rating.objects.filter(is_current=True).values_list("version_id", flat=True)) == {version.pk}
    [rating] = ratings_rescore(agent_ids=[world.firm.pk], force=True)
    assert rating.version == version
    model_features = {f["name"] for f in version.spec["features"]}
    assert {r["factor"] for r in rating.reasons} <= model_features  # reasons come from the trained model
    page = client_for("enterprise").get(reverse("clusterfinance:rating:mine")).content.decode()
    assert version.name in page


def test_the_preparer_who_is_a_manager_cannot_approve_on_the_page(world, client_for, tmp_path):
    manager = client_for("finance")
    _url, token = _upload(manager, tmp_path)
    manager.post(reverse("clusterfinance:rating-training-promote", kwargs={"token": token}), {"name": "自己的"})
    version = ScorecardVersion.objects.get(kind=ScorecardKind.STATISTICAL)
    page = manager.get(version.get_absolute_url()).content.decode()
    assert 'data-testid="approve"' not in page
    response = manager.post(version.get_absolute_url(), headers={"accept-language": "en"})
    assert response.status_code == 200 and 'class="alert alert-danger"' in response.content.decode()
    assert "another manager must approve it" in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_discard_keeps_nothing(world, client_for, tmp_path):
    analyst = client_for("finance_analyst")
    result_url, token = _upload(analyst, tmp_path)
    response = analyst.post(reverse("clusterfinance:rating-training-discard", kwargs={"token": token}))
    assert response.status_code == 302 and response.url == reverse("clusterfinance:rating-training")
    assert analyst.get(result_url).status_code == 404
    response = analyst.post(reverse("clusterfinance:rating-training-promote", kwargs={"token": token}),
                            {"name": "迟了"})
    assert response.status_code == 404
    assert not ScorecardVersion.objects.filter(kind=ScorecardKind.STATISTICAL).exists()


def test_a_model_of_unknown_columns_is_shown_but_cannot_be_promoted(world, client_for, tmp_path):
    analyst = client_for("finance_analyst")
    frame = past_borrowers().rename(columns={"leverage": "负债率", "on_time_share": "准时率",
                                             "supply_chain_position": "位置"})
    result_url, token = _upload(analyst, tmp_path, frame)
    page = analyst.get(result_url).content.decode()
    assert 'data-testid="no-rating-inputs"' in page and 'data-testid="promote-form"' not in page
    response = analyst.post(reverse("clusterfinance:rating-training-promote", kwargs={"token": token}),
                            {"name": "x"})
    assert response.status_code == 400
    assert not ScorecardVersion.objects.filter(kind=ScorecardKind.STATISTICAL).exists()
