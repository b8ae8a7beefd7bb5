"""The simulation reproduces the direction of known results on fixed seeds (docs/simulation.md)."""

from clusterfinance.simulation.model import Params, simulate

SMALL = {"firms": 150, "months": 24, "seed": 1, "seeds": 3}


def mean(result, metric, arm):
    return result["summary"][metric][arm]["mean"]


def test_information_sharing_lowers_defaults_and_widens_access_for_good_firms():
    # Jappelli & Pagano 2002; Pagano & Jappelli 1993
    r = simulate(Params(**SMALL))
    assert mean(r, "default_rate", "with") < mean(r, "default_rate", "without")
    assert mean(r, "good_funded_share", "with") > mean(r, "good_funded_share", "without")
    assert all(c["holds"] for c in r["checks"])


def test_tighter_information_lowers_rationing_of_safe_borrowers():
    # Stiglitz & Weiss 1981: the centre's data current vs a year late
    current = simulate(Params(**SMALL, scenario="delay", delay_months=0))
    late = simulate(Params(**SMALL, scenario="delay", delay_months=12))
    assert mean(current, "good_rationed_share", "with") < mean(current, "good_rationed_share", "without")
    assert mean(current, "default_rate", "with") < mean(late, "default_rate", "with")


def test_joint_liability_raises_repayment_under_adverse_selection():
    # Ghatak 1999: without the centre (adverse selection), groups on vs off
    off = simulate(Params(**SMALL, groups=False))
    on = simulate(Params(**SMALL, groups=True))
    assert mean(on, "repayment_rate", "without") > mean(off, "repayment_rate", "without")
    # and the lower price of a group loan brings safe firms back into the market
    assert mean(on, "good_funded_share", "without") > mean(off, "good_funded_share", "without")
    assert mean(on, "lent", "without") > 0.5 * mean(off, "lent", "without")  # the groups do borrow


def test_monitoring_lowers_low_effort_and_scenarios_hurt():
    base = simulate(Params(**SMALL))
    assert mean(base, "low_effort_share", "with") < mean(base, "low_effort_share", "without")
    bad = simulate(Params(**SMALL, scenario="bad_year"))
    assert mean(bad, "default_rate", "with") > mean(base, "default_rate", "with")
    circle = simulate(Params(**SMALL, scenario="circle_collapse"))
    assert mean(circle, "default_rate", "with") > mean(base, "default_rate", "with")


def test_same_seed_same_result():
    a = simulate(Params(firms=60, months=12, seed=7))
    b = simulate(Params(firms=60, months=12, seed=7))
    assert a["per_seed"] == b["per_seed"]
    assert len(a["per_seed"]) == 1 and a["summary"]["default_rate"]["with"]["low"] is None
