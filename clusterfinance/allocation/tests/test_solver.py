"""The pool's allocation solver: properties on random queues and pools, a hand-checked
optimum, explanations, bad problem files, the command."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterfinance.allocation.solver import GRADES, ProblemError, greedy, problem_from_dict, solve

D = Decimal

PROBLEM = {
    "sources": [{"id": "dep", "amount": "1000000.00", "cost_rate": "0.02", "months_left": 6},
                {"id": "line", "amount": "2000000.00", "cost_rate": "0.045", "months_left": 24}],
    "applications": [
        {"id": "A1", "firm": "F1", "industry": "C33", "amount": "800000.00", "rate": "0.08", "term_months": 12,
         "pd": "0.02", "lgd": "0.45", "grade": "A", "policy_weight": "0", "partial": True},
        {"id": "A2", "firm": "F2", "industry": "C33", "amount": "600000.00", "rate": "0.07", "term_months": 6,
         "pd": "0.01", "lgd": "0.45", "grade": "AA", "policy_weight": "0.005", "partial": False},
        {"id": "A3", "firm": "F1", "industry": "C34", "amount": "900000.00", "rate": "0.09", "term_months": 3,
         "pd": "0.05", "lgd": "0.5", "grade": "BBB", "policy_weight": "0", "partial": True},
        {"id": "A4", "firm": "F3", "industry": "C34", "amount": "500000.00", "rate": "0.12", "term_months": 12,
         "pd": "0.2", "lgd": "0.6", "grade": "CCC", "policy_weight": "0", "partial": True},
        {"id": "A5", "firm": "F4", "industry": "C35", "amount": "100000.00", "rate": "0.05", "term_months": 36,
         "pd": "0.01", "lgd": "0.4", "grade": "AA", "policy_weight": "0", "partial": True},
        {"id": "A6", "firm": "F5", "industry": "C35", "amount": "100000.00", "rate": "0.03", "term_months": 3,
         "pd": "0.01", "lgd": "0.4", "grade": "AA", "policy_weight": "0", "partial": True},
        {"id": "A7", "firm": "F6", "industry": "C35", "amount": "100000.00", "rate": "0.02", "term_months": 3,
         "pd": "0.01", "lgd": "0.4", "grade": "AA", "policy_weight": "0", "partial": True},
    ],
    "constraints": {"reserve_floor": "0.1", "single_borrower_cap": "0.3", "industry_cap": "0.5", "min_grade": "B"},
}


def by_id(allocation):
    return {o.id: o for o in allocation.outcomes}


def test_a_hand_checked_optimum_and_its_explanations():
    result = solve(problem_from_dict(PROBLEM))
    out = by_id(result)
    # A2 (whole only) from the cheap short deposits; F1 capped at 30 % of the pool (900,000)
    assert out["A2"].status == "funded" and out["A2"].by_source == {"dep": D("600000.00")}
    assert out["A1"].funded + out["A3"].funded == D("900000.00")
    assert out["A1"].reason == out["A3"].reason == "single_borrower_cap"
    assert out["A4"].reason == "below_min_grade"
    assert out["A5"].reason == "no_matching_source"  # 36 months, no money that long
    # 3 % − 0.4 % expected loss beats only the 2 % deposits, and they went to A2 and A3
    assert out["A6"].reason == "sources_exhausted" and out["A6"].detail["subject"] == "dep"
    assert out["A7"].reason == "not_profitable"  # 2 % − 0.4 % covers no source's cost
    assert result.objective == D("61300.00")
    assert any(b.constraint == "single_borrower_cap" and b.subject == "F1" for b in result.binding)


def test_the_optimum_beats_the_greedy_fill_here():
    problem = problem_from_dict(PROBLEM)
    assert solve(problem).objective > greedy(problem).objective


@pytest.mark.parametrize(("patch", "message"), [
    ({"sources": []}, "sources"),
    ({"applications": [{"id": "X", "amount": 1000.5}]}, "decimal string"),
    ({"constraints": {"reserve_floor": "1.5"}}, "at most 1"),
    ({"constraints": {"min_grade": "Z"}}, "not a grade"),
])
def test_bad_problems_list_every_error(patch, message):
    with pytest.raises(ProblemError, match=message):
        problem_from_dict({**PROBLEM, **patch})


def test_the_command_prints_the_allocation_as_json(tmp_path, capsys):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(PROBLEM), encoding="utf-8")
    call_command("allocate", "--problem", str(path))
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal" and out["objective"] == "61300.00"
    a2 = next(a for a in out["applications"] if a["id"] == "A2")
    assert a2["funded"] == "600000.00" and a2["by_source"] == {"dep": "600000.00"}


def test_the_command_refuses_bad_files_clearly(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"sources": [{"id": "s", "amount": NaN}]}', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("allocate", "--problem", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("allocate", "--problem", str(tmp_path / "missing.json"))


# --- properties on random queues and pools ------------------------------------------------------

money = st.integers(min_value=1, max_value=5_000_000).map(lambda fen: format(D(fen) / 100, ".2f"))
share = st.integers(min_value=0, max_value=100).map(lambda p: format(D(p) / 100, ".2f"))
rate = st.integers(min_value=0, max_value=2000).map(lambda bp: format(D(bp) / 10000, ".4f"))


@st.composite
def problems(draw):
    n_sources = draw(st.integers(1, 4))
    sources = [{"id": f"s{i}", "amount": draw(money), "cost_rate": draw(rate),
                "months_left": draw(st.integers(1, 36))} for i in range(n_sources)]
    n_apps = draw(st.integers(0, 12))
    apps = [{"id": f"a{i}", "firm": f"f{draw(st.integers(0, 4))}", "industry": f"i{draw(st.integers(0, 2))}",
             "amount": draw(money), "rate": draw(rate), "term_months": draw(st.integers(1, 36)), "pd": draw(share),
             "lgd": draw(share), "grade": draw(st.sampled_from(GRADES)),
             "policy_weight": draw(st.sampled_from(["0", "0.01", "0.02"])), "partial": draw(st.booleans())}
            for i in range(n_apps)]
    constraints = {"reserve_floor": draw(share), "single_borrower_cap": draw(share), "industry_cap": draw(share),
                   "min_grade": draw(st.sampled_from([None, *GRADES]))}
    return problem_from_dict({"sources": sources, "applications": apps, "constraints": constraints})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_never_over_the_pool_a_cap_the_floor_or_under_the_grade(problem):
    result = solve(problem)
    assert result.status == "optimal"
    cons, pool = problem.constraints, problem.pool
    lent_by_source, by_firm, by_industry = {}, {}, {}
    apps = {a.id: a for a in problem.applications}
    sources = {s.id: s for s in problem.sources}
    for o in result.outcomes:
        a = apps[o.id]
        assert sum(o.by_source.values(), D(0)) == o.funded  # to the fen, exactly
        assert o.funded <= a.amount
        if o.funded:
            assert cons.min_grade is None or GRADES.index(a.grade) <= GRADES.index(cons.min_grade)
            if not a.partial:
                assert o.funded == a.amount  # whole or nothing
        for sid, amount in o.by_source.items():
            assert a.term_months <= sources[sid].months_left  # money as long as the loan
            assert amount == amount.quantize(D("0.01")) and amount > 0
            lent_by_source[sid] = lent_by_source.get(sid, D(0)) + amount
        by_firm[a.firm] = by_firm.get(a.firm, D(0)) + o.funded
        by_industry[a.industry] = by_industry.get(a.industry, D(0)) + o.funded
    tolerance = D("0.01") * len(problem.applications)  # the LP's bounds are met before rounding to the fen
    for sid, lent in lent_by_source.items():
        assert lent <= sources[sid].amount
    assert result.lent <= (1 - cons.reserve_floor) * pool + tolerance
    assert all(v <= cons.single_borrower_cap * pool + tolerance for v in by_firm.values())
    assert all(v <= cons.industry_cap * pool + tolerance for v in by_industry.values())
    # the optimum is at least as good as a greedy fill (up to the rounding to the fen)
    assert result.objective >= greedy(problem).objective - D("0.01") * max(1, len(problem.applications))
