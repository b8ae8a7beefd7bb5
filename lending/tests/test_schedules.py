"""The schedule engine: the issue's vectors to the fen, and properties over random loans."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from lending.schedules import add_months, build_schedule, period_interest

D = Decimal
START = date(2026, 1, 1)


def test_vector_100_yuan_at_9_4822_percent_six_months():
    s = build_schedule(principal="100.00", annual_rate="0.094822", periods=6, method="equal_instalment", start=START)
    assert [r.total for r in s] == [D("17.13")] * 6
    assert [r.interest for r in s] == [D("0.79"), D("0.66"), D("0.53"), D("0.40"), D("0.27"), D("0.13")]
    assert s.total_principal == D("100.00") and s[-1].balance == 0


def test_vector_5000_at_12_percent_18_months_equal_instalments():
    s = build_schedule(principal=D("5000.00"), annual_rate=D("0.12"), periods=18, method="equal_instalment",
                       start=START)
    assert s.first_payment == D("304.91")
    assert all(r.total == D("304.91") for r in s[:-1])
    assert s.total_interest == D("488.41")
    assert s.last_payment == D("304.94")


def test_vector_5000_rounded_to_whole_yuan():
    s = build_schedule(principal="5000", annual_rate="0.12", periods=18, method="equal_instalment", start=START,
                       instalment_multiple="1")
    assert all(r.total == D("305.00") for r in s[:-1])
    assert s.total_interest == D("488.22")
    assert s.last_payment == D("303.22")
    assert s.total_principal == D("5000.00")


def test_vector_5000_equal_principal():
    s = build_schedule(principal="5000", annual_rate="0.12", periods=18, method="equal_principal", start=START)
    assert [r.principal for r in s] == [D("277.78")] * 17 + [D("277.74")]
    assert s.first_payment == D("327.78")
    assert s.total_interest == D("475.00")


def test_vector_one_million_over_30_years():
    annuity = build_schedule(principal="1000000", annual_rate="0.049", periods=360, method="equal_instalment",
                             start=START)
    assert annuity.first_payment == D("5307.27")
    assert all(r.total == D("5307.27") for r in annuity[:-1])
    linear = build_schedule(principal="1000000", annual_rate="0.049", periods=360, method="equal_principal",
                            start=START)
    assert linear.first_payment == D("6861.11")
    assert linear[1].total == D("6849.77")  # falling 11.34 a month …
    drops = {linear[i].total - linear[i + 1].total for i in range(358)}
    # … give or take the fen of per-period rounding (2,777.78 × 4.9 % ÷ 12 = 11.3426…)
    assert drops == {D("11.34"), D("11.35")}
    assert (linear[0].total - linear[358].total) / 358 == pytest.approx(D("11.3426"), abs=D("0.0001"))


def test_interest_only_and_bullet():
    io = build_schedule(principal="120000", annual_rate="0.06", periods=12, method="interest_only", start=START)
    assert [r.interest for r in io] == [D("600.00")] * 12
    assert [r.principal for r in io] == [D("0")] * 11 + [D("120000.00")]
    bullet = build_schedule(principal="10000", annual_rate="0.0435", periods=12, method="bullet", start=START)
    assert len(bullet) == 1
    row = bullet[0]
    assert row.due_date == date(2027, 1, 1) and row.accrual_periods == 12
    assert bullet.accruals == (D("36.25"),) * 12  # 10,000 × 4.35 % ÷ 12 = 36.25 every month
    assert row.interest == D("435.00") and row.total == D("10435.00")


def test_quarterly_rate_is_annual_over_four():
    s = build_schedule(principal="400000", annual_rate="0.05", periods=4, method="interest_only", start=START,
                       frequency="quarterly")
    assert [r.due_date for r in s] == [date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 1)]
    assert s[0].interest == D("5000.00")


def test_due_dates_keep_the_day_and_clamp_to_month_end():
    s = build_schedule(principal="1200", annual_rate="0.1", periods=4, method="equal_principal",
                       start=date(2026, 1, 31))
    assert [r.due_date for r in s] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_zero_rate_loan():
    s = build_schedule(principal="1000", annual_rate="0", periods=3, method="equal_instalment", start=START)
    assert [r.total for r in s] == [D("333.33"), D("333.33"), D("333.34")]
    assert s.total_interest == 0


@pytest.mark.parametrize(("field", "kwargs"), [
    ("principal", {"principal": "-100"}),
    ("principal", {"principal": "0"}),
    ("principal", {"principal": "abc"}),
    ("principal", {"principal": "NaN"}),
    ("principal", {"principal": 100.5}),
    ("principal", {"principal": "99999999999999"}),
    ("annual_rate", {"annual_rate": "-0.01"}),
    ("annual_rate", {"annual_rate": "5"}),
    ("annual_rate", {"annual_rate": "Infinity"}),
    ("periods", {"periods": 0}),
    ("periods", {"periods": "12.5"}),
    ("periods", {"periods": 9999}),
    ("method", {"method": "balloon"}),
    ("frequency", {"frequency": "weekly"}),
    ("start", {"start": "2026-02-30"}),
    ("instalment_multiple", {"instalment_multiple": "3"}),
    ("instalment_multiple", {"instalment_multiple": "100", "principal": "100"}),
])
def test_bad_input_is_refused_by_field(field, kwargs):
    args = {"principal": "10000", "annual_rate": "0.1", "periods": 12, "method": "equal_instalment",
            "start": "2026-01-01", **kwargs}
    with pytest.raises(ValidationError) as caught:
        build_schedule(**args)
    assert field in caught.value.message_dict


def test_full_width_input_is_refused_field_by_field():
    with pytest.raises(ValidationError) as caught:
        build_schedule(principal="５，０００．００", annual_rate="１２％", periods="１８", method="equal_instalment",
                       start=START)
    assert {"principal", "annual_rate", "periods"} <= set(caught.value.message_dict)
    assert "5,000.00" in caught.value.message_dict["principal"][0]


# --- properties --------------------------------------------------------------------------------

loans = st.fixed_dictionaries({
    "principal": st.decimals(min_value=D("1000"), max_value=D("50000000"), places=2),
    "annual_rate": st.decimals(min_value=D("0"), max_value=D("0.36"), places=6),
    "periods": st.integers(min_value=1, max_value=360),
    "method": st.sampled_from(["equal_instalment", "equal_principal", "interest_only", "bullet"]),
    "frequency": st.sampled_from(["monthly", "quarterly"]),
    "instalment_multiple": st.sampled_from([None, "1", "10", "100"]),
    "start": st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31)),
})


@settings(max_examples=300, deadline=None)
@given(loans)
def test_schedule_properties(loan):
    try:
        s = build_schedule(**loan)
    except ValidationError as error:
        # only a rounding multiple too coarse for the loan may be refused
        assert set(error.message_dict) <= {"instalment_multiple", "principal"}
        assert loan["instalment_multiple"] or loan["method"] in ("equal_instalment", "equal_principal")
        return
    principal = loan["principal"]
    # principal sums exactly to the loan amount
    assert s.total_principal == principal
    # balances never negative, end at zero, and fall by each instalment's principal
    opening = principal
    for row in s:
        assert row.principal >= 0 and row.interest >= 0 and row.balance >= 0
        assert row.total == row.principal + row.interest
        assert row.balance == opening - row.principal
        opening = row.balance
    assert s[-1].balance == 0
    # every schedule's interest equals the sum of its per-period interest on the outstanding balance
    assert s.total_interest == sum(s.accruals, D("0"))
    if loan["method"] == "bullet":
        assert s.accruals == (period_interest(principal, loan["annual_rate"], loan["frequency"]),) * loan["periods"]
    else:
        for row in s:
            assert row.interest == period_interest(row.opening_balance, loan["annual_rate"], loan["frequency"])
    # due dates strictly increase, one period apart
    dates = [row.due_date for row in s]
    assert dates == sorted(set(dates))
    if loan["method"] == "equal_instalment":
        assert len({row.total for row in s[:-1]}) <= 1
