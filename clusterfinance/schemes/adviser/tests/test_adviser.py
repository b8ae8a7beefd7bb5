"""The financing adviser: effective annual rates against an independent computation, the
eligibility reasons, the ordering by cost, fees and the guarantee raising the cost, the pages
(bad input refused with a translated error, a fixed number of queries, the apply link prefilled)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusterfinance.guarantees.models import GuaranteeFund
from clusterfinance.schemes.adviser.selectors import Need, options_compare
from lending.tests.factories import make_product

START = date(2026, 1, 15)


def _fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def independent_ear(*, principal: Decimal, annual_rate: Decimal, months: int, upfront: Decimal) -> float:
    """Equal instalments built by hand (interest on the balance to the fen, the last instalment
    taking the rest), then the monthly IRR by bisection and (1 + r) ** 12 - 1."""
    r = annual_rate / 12
    payment = _fen(principal * r * (1 + r) ** months / ((1 + r) ** months - 1))
    flows, balance = [float(principal - upfront)], principal
    for k in range(1, months + 1):
        interest = _fen(balance * r)
        part = balance if k == months else payment - interest
        balance -= part
        flows.append(-float(part + interest))
    lo, hi = 0.0, 0.5
    for _ in range(200):
        mid = (lo + hi) / 2
        npv = sum(f / (1 + mid) ** t for t, f in enumerate(flows))
        lo, hi = (lo, mid) if npv > 0 else (mid, hi)  # the NPV rises with the rate
    return (1 + lo) ** 12 - 1


def _compare(world, amount="100000.00", months=12):
    return options_compare(user=world.users["enterprise"], firm=world.firm,
                           need=Need(amount=Decimal(amount), months=months, purpose="采购原材料"), start=START)


def _by_product(result, product):
    return next(o for o in result["eligible"] + result["ineligible"] if o.product == product and o.kind != "guarantee")


def test_effective_rate_against_an_independent_irr(world):
    product = make_product(world, rate_min="0.12", rate_max="0.12", fee_rate="0.01", fee_flat="200")
    option = _by_product(_compare(world), product)
    assert option.eligible
    assert option.fees == Decimal("1200.00")
    expected = independent_ear(principal=Decimal("100000.00"), annual_rate=Decimal("0.12"), months=12,
                               upfront=Decimal("1200.00"))
    assert abs(option.ear - expected) < 1e-6
    assert option.ear > 0.1268  # above the nominal rate's own effective rate (1.01 ** 12 - 1)
    assert option.payment == Decimal("8884.88")
    assert "amount=100000.00" in option.apply_url and "periods=12" in option.apply_url


def test_without_fees_the_effective_rate_is_the_compounded_nominal_rate(world):
    product = make_product(world, rate_min="0.12", rate_max="0.12")
    option = _by_product(_compare(world), product)
    assert abs(option.ear - (1.01 ** 12 - 1)) < 1e-6


def test_fees_raise_the_cost_and_the_cheapest_comes_first(world):
    plain = make_product(world, rate_min="0.10", rate_max="0.10")
    with_fee = make_product(world, rate_min="0.10", rate_max="0.10", fee_rate="0.02")
    dearer = make_product(world, "bank", rate_min="0.15", rate_max="0.15")
    result = _compare(world)
    ears = [o.ear for o in result["eligible"]]
    assert ears == sorted(ears)
    order = [o.product for o in result["eligible"] if o.kind != "guarantee"]
    assert order.index(plain) < order.index(with_fee) < order.index(dearer)
    assert _by_product(result, with_fee).ear > _by_product(result, plain).ear


def test_the_mutual_funds_guarantee_adds_its_fee(world):
    GuaranteeFund.objects.create(cluster=world.cluster, fee_rate=Decimal("0.0200"), coverage_cap=Decimal("0.8000"))
    product = make_product(world, "bank", rate_min="0.08", rate_max="0.08")
    result = _compare(world)
    base = _by_product(result, product)
    guaranteed = next(o for o in result["eligible"] if o.kind == "guarantee" and o.product == product)
    assert guaranteed.guarantee_fee == Decimal("1600.00")  # 2 % × 80 % × 100,000 × 1 year
    assert guaranteed.ear > base.ear
    expected = independent_ear(principal=Decimal("100000.00"), annual_rate=Decimal("0.08"), months=12,
                               upfront=Decimal("1600.00"))
    assert abs(guaranteed.ear - expected) < 1e-6
    assert "80%" in guaranteed.binds


def test_eligibility_reasons(world):
    graded = make_product(world, rate_min="0.10", rate_max="0.10", min_grade="A")
    small = make_product(world, rate_min="0.10", rate_max="0.10", max_amount="50000", max_periods=6)
    result = _compare(world)
    not_rated = _by_product(result, graded)
    assert not not_rated.eligible and "not been rated" in " ".join(not_rated.reasons)
    assert not_rated.ear is not None  # the cost is shown even when the grade refuses
    world.firm.current_grade = "BBB"
    world.firm.save(update_fields=["current_grade"])
    result = _compare(world)
    assert "BBB" in " ".join(_by_product(result, graded).reasons)
    too_small = _by_product(result, small)
    assert not too_small.eligible and too_small.ear is None
    text = " ".join(too_small.reasons)
    assert "between 1 and 6 months" in text and "¥50,000.00" in text
    assert not too_small.apply_url
    kinds = {o.kind for o in result["unavailable"]}
    assert {"rotating_fund", "bond"} <= kinds or not kinds & {"rotating_fund", "bond"}


def test_investor_loans_within_the_private_lending_cap(world):
    from lending import services

    product = services.product_create(
        lender=world.investor, user=world.users["investor"], name="个人出借", min_amount="1000",
        max_amount="5000000", min_periods=1, max_periods=36, method="equal_instalment", frequency="monthly",
        rate_min="0.09", rate_max="0.09")
    within = _by_product(_compare(world), product)
    assert within.kind == "investor" and within.eligible and "¥1,000,000.00" in within.binds
    above = _by_product(_compare(world, amount="1200000.00"), product)
    assert not above.eligible and "¥1,000,000.00" in " ".join(above.reasons) and not above.apply_url


def test_firm_page_and_query_count(world, client):
    client.force_login(world.users["enterprise"])
    url = reverse("clusterfinance:adviser")
    make_product(world, rate_min="0.10", rate_max="0.10")
    with CaptureQueriesContext(connection) as one:
        page = client.get(url, {"amount": "100000", "months": "12", "purpose": "备货"})
    assert page.status_code == 200
    assert "10.47%" in page.content.decode()  # 1.0083… ** 12 - 1
    for rate in ("0.11", "0.12", "0.13"):
        make_product(world, rate_min=rate, rate_max=rate, min_grade="A")
        make_product(world, "bank", rate_min=rate, rate_max=rate)
    GuaranteeFund.objects.create(cluster=world.cluster)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, {"amount": "100000", "months": "12"})
    assert page.status_code == 200 and page.content.decode().count('data-testid="option"') >= 7
    assert len(many) <= len(one) + 1  # the guarantee fund row is read once whatever the products


@pytest.mark.parametrize("amount,months,field", [("abc", "12", "amount"), ("-5", "12", "amount"),
                                                  ("100000", "0", "months"), ("100000", "１２", "months"),
                                                  ("100000", "1e3", "months")])
def test_bad_need_is_refused_with_a_message(world, client, amount, months, field):
    client.force_login(world.users["enterprise"])
    page = client.get(reverse("clusterfinance:adviser"), {"amount": amount, "months": months})
    assert page.status_code == 400
    assert f'data-testid="error-{field}"' in page.content.decode()


def test_staff_advise_a_member_firm_only(world, client):
    make_product(world, "bank", rate_min="0.10", rate_max="0.10")
    client.force_login(world.users["finance"])
    url = reverse("clusterfinance:adviser-staff")
    assert client.get(url).status_code == 200
    page = client.get(url, {"firm": world.firm.pk, "amount": "100000", "months": "12"})
    assert page.status_code == 200 and world.firm.name in page.content.decode()
    assert client.get(url, {"firm": world.bank.pk, "amount": "100000", "months": "12"}).status_code == 400


def test_apply_link_prefills_the_application(world, client):
    product = make_product(world, rate_min="0.10", rate_max="0.10")
    client.force_login(world.users["enterprise"])
    page = client.get(reverse("lending:application-create", kwargs={"pk": product.pk}),
                      {"amount": "88000.00", "periods": "9", "purpose": "备货"})
    html = page.content.decode()
    assert page.status_code == 200 and 'value="88000.00"' in html and 'value="9"' in html


def test_a_seat_in_the_mutual_credit_fund(world):
    rotating = pytest.importorskip("clusterfinance.schemes.rotating_fund.services")
    fund = rotating.fund_create(user=world.users["finance"], finance_company=world.finance_company, name="互助一期",
                                rule="lot", seed=7, fee="2000.00", advance_amount="50000.00", term_days=90,
                                rate="0.0600")
    outside = next(o for o in _compare(world, amount="50000.00", months=3)["ineligible"] if o.kind == "rotating_fund")
    assert "not a member" in " ".join(outside.reasons)
    rotating.member_admit(user=world.users["finance"], fund=fund, firm=world.firm, on=START)
    seat = next(o for o in _compare(world, amount="50000.00", months=3)["eligible"] if o.kind == "rotating_fund")
    interest = _fen(Decimal("50000.00") * Decimal("0.06") * 90 / 365)  # simple interest, actual/365
    assert seat.total_cost == interest == Decimal("739.73")
    assert abs(seat.ear - ((50000 + 739.73) / 50000) ** (365 / 90) + 1) < 1e-9
    too_much = next(o for o in _compare(world, amount="80000.00", months=3)["ineligible"] if o.kind == "rotating_fund")
    assert "¥50,000.00" in " ".join(too_much.reasons)


# --- subsidies the firm may count on (lending.subsidies) -------------------------------------------

def independent_subsidised_ear(*, principal: Decimal, annual_rate: Decimal, months: int, upfront: Decimal,
                               share: Decimal, covered_months: int) -> tuple[float, Decimal]:
    """As ``independent_ear``, with ``share`` of each instalment's interest given back in the
    month it is paid, for the first ``covered_months`` instalments; also the total given back."""
    r = annual_rate / 12
    payment = _fen(principal * r * (1 + r) ** months / ((1 + r) ** months - 1))
    flows, balance, back = [float(principal - upfront)], principal, Decimal(0)
    for k in range(1, months + 1):
        interest = _fen(balance * r)
        part = balance if k == months else payment - interest
        balance -= part
        refund = _fen(share * interest) if k <= covered_months else Decimal(0)
        back += refund
        flows.append(-float(part + interest - refund))
    lo, hi = -0.5, 0.5
    for _ in range(200):
        mid = (lo + hi) / 2
        npv = sum(f / (1 + mid) ** t for t, f in enumerate(flows))
        lo, hi = (lo, mid) if npv > 0 else (mid, hi)
    return (1 + lo) ** 12 - 1, back


@pytest.fixture
def offers():
    from lending.subsidies import subsidy_source_register, subsidy_source_unregister

    table: list = []
    subsidy_source_register(lambda firm, on: list(table), name="tests.adviser")
    yield table
    subsidy_source_unregister("tests.adviser")


def _offer(kind, share, start=date(2026, 1, 1), end=date(2026, 12, 31), title="贴息"):
    from lending.subsidies import SubsidyOffer

    return SubsidyOffer(kind=kind, title=title, grantor="市工信局", share=Decimal(share), period_start=start,
                        period_end=end, url="/gov/programmes/1/apply/")


def test_an_interest_subsidy_lowers_the_cost_by_its_share_of_the_interest(world, offers):
    product = make_product(world, rate_min="0.12", rate_max="0.12", fee_rate="0.01", fee_flat="200")
    plain = _by_product(_compare(world), product)
    # half the interest back on the instalments due by 2026-07-15 (the first six of twelve)
    offers.append(_offer("interest", "0.5", end=date(2026, 7, 15)))
    offers.append(_offer("interest", "0.2", title="较小的贴息"))  # the best programme counts, not the sum
    option = _by_product(_compare(world), product)
    expected, back = independent_subsidised_ear(principal=Decimal("100000.00"), annual_rate=Decimal("0.12"),
                                                months=12, upfront=Decimal("1200.00"), share=Decimal("0.5"),
                                                covered_months=6)
    # instalments 7 … 11 fall under the 20 % programme only; the 12th is due on 2027-01-15, after both
    _, back_rest = independent_subsidised_ear(principal=Decimal("100000.00"), annual_rate=Decimal("0.12"),
                                              months=12, upfront=Decimal("1200.00"), share=Decimal("0.2"),
                                              covered_months=11)
    _, back_first_six_at_20 = independent_subsidised_ear(
        principal=Decimal("100000.00"), annual_rate=Decimal("0.12"), months=12, upfront=Decimal("1200.00"),
        share=Decimal("0.2"), covered_months=6)
    assert option.subsidy == back + (back_rest - back_first_six_at_20)
    assert option.ear < plain.ear and option.ear_unsubsidised == pytest.approx(plain.ear, abs=1e-12)
    assert option.total_cost == plain.total_cost - option.subsidy
    assert [s.title for s in option.subsidies] == ["贴息", "较小的贴息"]
    offers.pop()  # only the 50 % programme: an independent IRR to 1e-6
    option = _by_product(_compare(world), product)
    assert option.subsidy == back
    assert abs(option.ear - expected) < 1e-6


def test_a_guarantee_fee_subsidy_counts_only_on_the_guaranteed_option(world, offers):
    GuaranteeFund.objects.create(cluster=world.cluster, fee_rate=Decimal("0.0200"), coverage_cap=Decimal("0.8000"))
    product = make_product(world, "bank", rate_min="0.08", rate_max="0.08")
    offers.append(_offer("guarantee_fee", "0.25"))
    result = _compare(world)
    base = _by_product(result, product)
    guaranteed = next(o for o in result["eligible"] if o.kind == "guarantee" and o.product == product)
    assert base.subsidy == Decimal("0.00") and not base.subsidies
    assert guaranteed.subsidy == Decimal("400.00")  # 25 % of the 1,600.00 fee
    expected = independent_ear(principal=Decimal("100000.00"), annual_rate=Decimal("0.08"), months=12,
                               upfront=Decimal("1200.00"))
    assert abs(guaranteed.ear - expected) < 1e-6


def test_a_programme_whose_period_has_not_begun_gives_nothing_yet(world, offers):
    product = make_product(world, rate_min="0.10", rate_max="0.10")
    offers.append(_offer("interest", "0.5", start=date(2028, 1, 1), end=date(2028, 12, 31)))
    option = _by_product(_compare(world), product)
    assert option.subsidy == Decimal("0") and option.ear == option.ear_unsubsidised
