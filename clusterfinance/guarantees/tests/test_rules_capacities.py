"""The guarantee fund's rules page (a manager changes them, everyone on the staff reads them,
bad input changes nothing, the coverage cap refuses a guarantee) and the firms' capacities page
(the finance company's figure replaces the statements' equity in the contagion test; emptied, it
goes back) — both in a fixed number of queries whatever the number of firms."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.tests.factories import ClusterMembershipFactory
from clusterfinance.guarantees import selectors, services
from clusterfinance.guarantees.models import FirmCapacity, FundGuarantee, GuaranteeFund
from infocenter.choices import PeriodType, RecordKind, RecordSource
from infocenter.models import FirmRecord
from lending.ledger.models import JournalEntry
from lending.tests.factories import make_loan
from portals.enterprises.tests.factories import EnterpriseProfileFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 2)
KEY = "5d1c9a7e-2b4f-4e8a-9c3d-7f6e5d4c3b2a"
RULES = {"coverage_cap": "80", "fee_rate": "0.8", "leverage_cap": "8", "claim_dpd": "60", "circle_alert_share": "40"}


@pytest.fixture
def fund(world):
    fund = services.fund_for(world.cluster)
    services.guarantee_contribution_record(user=world.users["finance"], fund=fund, contributor=world.gov,
                                           amount="50000.00", on=DAY, idempotency_key="c0")
    return fund


def rules_of(fund):
    fund = GuaranteeFund.objects.get(pk=fund.pk)
    return fund.coverage_cap, fund.fee_rate, fund.leverage_cap, fund.claim_dpd, fund.circle_alert_share


def test_a_manager_changes_the_rules_on_the_page(world, fund, client_for):
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-rules")
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="rules-form"' in page.content.decode()
    assert client.post(url, RULES).status_code == 302
    assert rules_of(fund) == (D("0.8000"), D("0.0080"), D("8.00"), 60, D("0.4000"))
    html = client.get(url).content.decode()
    assert 'data-testid="rule-coverage">80%' in html and 'data-testid="rule-fee">0.80%' in html
    assert 'data-testid="fee-above-goal"' not in html


def test_the_fee_is_shown_against_the_one_percent_goal(world, fund, client_for):
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-rules")
    assert client.post(url, {**RULES, "fee_rate": "1.5"}).status_code == 302
    html = client.get(url).content.decode()
    assert 'data-testid="rule-fee">1.50%' in html and 'data-testid="fee-above-goal"' in html


@pytest.mark.parametrize("field,bad", [("fee_rate", "abc"), ("coverage_cap", "120"), ("leverage_cap", "-3"),
                                       ("leverage_cap", "500"), ("claim_dpd", "x"), ("claim_dpd", "0"),
                                       ("circle_alert_share", "1e9"), ("fee_rate", "0.5.5")])
def test_bad_rules_are_refused_on_their_field_and_nothing_changes(world, fund, client_for, field, bad):
    before = rules_of(fund)
    page = client_for("finance").post(reverse("clusterfinance:guarantees-rules"), {**RULES, field: bad})
    assert page.status_code == 200
    assert f'data-testid="error-{field}"' in page.content.decode()
    assert rules_of(fund) == before


def test_an_analyst_reads_the_rules_but_cannot_change_them(world, fund, client):
    client.force_login(world.users["finance_analyst"])
    url = reverse("clusterfinance:guarantees-rules")
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="rules-form"' not in page.content.decode()
    assert client.post(url, RULES).status_code == 404
    assert rules_of(fund)[0] == D("1.0000")


def test_other_agents_get_no_rules_or_capacities(world, client_for):
    for role in ("enterprise", "institution", "government", "investor"):
        client = client_for(role)
        for name in ("clusterfinance:guarantees-rules", "clusterfinance:guarantees-capacities"):
            assert client.get(reverse(name)).status_code == 404
            assert client.post(reverse(name), RULES).status_code == 404


def test_a_guarantee_above_the_coverage_cap_is_refused_with_nothing_posted(world, fund, client_for):
    services.guarantee_fund_update(user=world.users["finance"], fund=fund, coverage_cap="0.8", leverage_cap="10",
                                   fee_rate="0.01", claim_dpd="90", circle_alert_share="0.5")
    loan = make_loan(world, lender="bank", amount="10000.00", periods=12)
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-issue")
    assert 'value="80"' in client.get(url).content.decode()  # the form starts at the fund's cap
    entries = JournalEntry.objects.count()
    page = client.post(url, {"loan": loan.pk, "coverage": "90", "issued_on": "2026-03-02", "idempotency_key": KEY})
    assert page.status_code == 200 and 'data-testid="error-coverage"' in page.content.decode()
    assert "80%" in page.content.decode()
    assert not FundGuarantee.objects.exists() and JournalEntry.objects.count() == entries
    page = client.post(url, {"loan": loan.pk, "coverage": "80", "issued_on": "2026-03-02", "idempotency_key": KEY})
    assert page.status_code == 302 and FundGuarantee.objects.get().amount == D("8000.00")


def member(world, name, equity=None):
    firm = EnterpriseProfileFactory(agent__name=name).agent
    ClusterMembershipFactory(cluster=world.cluster, agent=firm)
    if equity is not None:
        FirmRecord.objects.create(agent=firm, kind=RecordKind.STATEMENT, period="2025", period_type=PeriodType.YEAR,
                                  period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                                  total_assets=D(equity) + D("1000.00"), total_liabilities=D("1000.00"),
                                  source=RecordSource.IMPORT, supplied_by=world.gov)
    return firm


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    return len(ctx.captured_queries), page


def test_the_finance_company_s_capacity_replaces_equity_in_the_stress_test(world, fund, client_for):
    analyst = world.users["finance_analyst"]
    a = member(world, "甲担保企业", equity="500.00")
    b = member(world, "乙借款企业", equity="10000.00")
    services.firm_guarantee_record(user=analyst, cluster=world.cluster, guarantor=a, borrower=b, amount="300.00")
    # on its statements a can pay the 300 it guarantees: b's default stops there
    stress = selectors.network_view(fund=fund).stress([b.pk])
    assert stress["defaulted"] == 1
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-capacities")
    page = client.post(url, {"firm": a.pk, "capacity": "200", "reason": "主要资产为专用设备，难以变现"})
    assert page.status_code == 302
    assert FirmCapacity.objects.get(firm=a).capacity == D("200.00")
    stress = selectors.network_view(fund=fund).stress([b.pk])
    assert stress["defaulted"] == 2 and stress["rounds"][1]["defaults"] == ["甲担保企业"]
    html = client.get(url).content.decode()
    assert f'data-testid="capacity-{a.pk}">¥200.00' in html and "难以变现" in html
    # emptied: back to the equity of its statement
    assert client.post(url, {"firm": a.pk, "capacity": "", "reason": ""}).status_code == 302
    assert not FirmCapacity.objects.exists()
    assert f'data-testid="capacity-{a.pk}">¥500.00' in client.get(url).content.decode()


@pytest.mark.parametrize("bad", ["abc", "-5", "1.234", "NaN"])
def test_a_bad_capacity_is_refused_and_nothing_changes(world, fund, client_for, bad):
    a = member(world, "甲企业", equity="500.00")
    page = client_for("finance").post(reverse("clusterfinance:guarantees-capacities"),
                                      {"firm": a.pk, "capacity": bad, "reason": ""})
    assert page.status_code == 200 and 'data-testid="error-capacity"' in page.content.decode()
    assert not FirmCapacity.objects.exists()


def test_capacities_page_in_fixed_queries(world, fund, client_for):
    analyst = world.users["finance_analyst"]
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-capacities")
    a, b = member(world, "企业A", "100.00"), member(world, "企业B")
    services.firm_guarantee_record(user=analyst, cluster=world.cluster, guarantor=a, borrower=b, amount="50.00")
    services.firm_capacity_set(user=analyst, fund=fund, firm=b, capacity="70.00")
    few, page = queries(client, url)
    firms = [member(world, f"企业{n}", f"{n}00.00") for n in range(8)]
    for n, firm in enumerate(firms[:4]):
        services.firm_guarantee_record(user=analyst, cluster=world.cluster, guarantor=firm, borrower=a,
                                       amount=f"{n + 1}0.00")
        services.firm_capacity_set(user=analyst, fund=fund, firm=firms[n + 4], capacity="5.00", reason="旧报表")
    many, page = queries(client, url)
    assert many == few
    rows = page.context["rows"]
    assert len(rows) == 2 + 8 + 2  # the world's two firms too
    # firms in the network or with a figure come first
    assert {r.firm.pk for r in rows[:10]} == {a.pk, b.pk, *(f.pk for f in firms)}
    by_firm = {r.firm.pk: r for r in rows}
    assert by_firm[a.pk].capacity == D("100.00") and by_firm[b.pk].capacity == D("70.00")
    assert by_firm[b.pk].equity is None and by_firm[firms[0].pk].given == D("10.00")
