"""The default expert scorecard every finance company starts with (version 1, in use from the
first rating). Points are the judgement of a credit analyst, not a fit: repayment weighs most,
then verified reports, financial strength and the government's records; a firm the centre knows
nothing about lands in B with a rating that says "little or no history". Staff edit it into new
versions; a statistical version can replace it once enough history exists."""

from __future__ import annotations

from .scorecard import SPEC_FORMAT, categorical_feature, numeric_feature

N = numeric_feature

DEFAULT_FEATURES = [
    # financial statements
    N("leverage", [0.4, 0.6, 0.8], [40, 25, 5, -20], missing=5, neutral=25),
    N("roa", [0.0, 0.03, 0.08], [-20, 10, 25, 35], missing=5, neutral=10),
    N("revenue_growth", [-0.1, 0.0, 0.1], [-15, 5, 15, 25], missing=5, neutral=5),
    N("statement_age_days", [400, 730], [15, 0, -15], missing=-10, neutral=15),
    # repayment behaviour
    N("current_dpd", [0, 30, 90], [20, -10, -40, -70], missing=10, neutral=20),
    N("worst_dpd", [0, 30, 90], [15, 5, -20, -45], missing=5, neutral=15),
    N("on_time_share", [0.8, 0.95], [-20, 10, 20], missing=5, neutral=20),
    N("arrears", [0, 50_000], [10, -10, -30], missing=5, neutral=10),
    N("worst_loan_class", [0, 1], [10, -10, -50], missing=5, neutral=10),
    N("history_months", [6, 24], [0, 10, 20], missing=-5, neutral=10),
    N("write_offs", [0], [5, -80], missing=5, neutral=5),
    # reports by other agents (weighted counts; zero is a value, not missing)
    N("negative_reports", [0, 0.5, 1.5], [15, 0, -25, -50], missing=0, neutral=15),
    N("positive_reports", [0, 1, 3], [0, 5, 10, 15], missing=0, neutral=0),
    # government data
    N("tax_trend", [-0.2, 0.0, 0.1], [-15, 0, 10, 15], missing=-5, neutral=0),
    N("headcount_trend", [-0.1, 0.0, 0.05], [-15, 0, 5, 10], missing=-5, neutral=0),
    N("government_arrears", [0], [10, -30], missing=0, neutral=10),
    # the cluster
    N("years_in_cluster", [1, 3, 5], [-5, 5, 10, 15], missing=0, neutral=5),
    categorical_feature("supply_chain_position", {"raw_materials": 5, "components": 10, "assembly": 10,
                                                  "distribution": 0, "services": 5}, other=0, missing=0, neutral=5),
    # information completeness (share of the expected categories the centre holds)
    N("completeness", [0.34, 0.67], [-15, 0, 15], missing=-15, neutral=0),
]

DEFAULT_SPEC = {"format": SPEC_FORMAT, "base": 390.0, "features": DEFAULT_FEATURES}

# score → grade → PD (annual probability of default of the grade).
DEFAULT_CALIBRATION = [
    {"grade": "AAA", "min_score": 660, "pd": 0.0005},
    {"grade": "AA", "min_score": 620, "pd": 0.001},
    {"grade": "A", "min_score": 580, "pd": 0.002},
    {"grade": "BBB", "min_score": 540, "pd": 0.005},
    {"grade": "BB", "min_score": 490, "pd": 0.012},
    {"grade": "B", "min_score": 420, "pd": 0.03},
    {"grade": "CCC", "min_score": 360, "pd": 0.08},
    {"grade": "CC", "min_score": 300, "pd": 0.18},
    {"grade": "C", "min_score": None, "pd": 0.35},
]

# The finance company's pricing spread over a product's base rate per grade (annual, decimal
# strings: money-adjacent figures stay exact). Shown beside a rating; products apply their own.
DEFAULT_SPREADS = {"AAA": "0.0050", "AA": "0.0075", "A": "0.0100", "BBB": "0.0150", "BB": "0.0225",
                   "B": "0.0325", "CCC": "0.0500", "CC": "", "C": ""}
