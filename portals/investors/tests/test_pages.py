"""The investor pages: every role × every URL of the portal (as the permission matrix), another
investor's holding is 404, the refusal and the subscription through the pages, fixed query counts
at two sizes, the Excel statement, XIRR against an independent computation, the concentration
warning."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import Role
from agents.tests.factories import MembershipFactory, UserFactory
from lending.ledger.models import JournalEntry
from portals.investors.models import Holding, InvestorProfile
from portals.investors.portfolio import portfolio_of, xirr
from portals.investors.services import invest
from tests.matrix import ROLES
from tests.matrix.investors import EXPECTED

from .factories import InvestorProfileFactory, open_offers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_every_investor_url_for_every_role(role, world, client_for):
    client = client_for(role)
    wrong = []
    for name, case in EXPECTED.items():
        kwargs = case.kwargs(world) if case.kwargs else None
        url = reverse(name, kwargs=kwargs) + case.query
        status = client.get(url).status_code
        if status != case.expect[role]:
            wrong.append(f"{name}: expected {case.expect[role]}, got {status}")
    assert not wrong, wrong


def test_another_investors_holding_is_404(world, client):
    note, _loan, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="10000",
                     idempotency_key="h")
    other = InvestorProfileFactory().agent
    user = MembershipFactory(agent=other, role=Role.INVESTOR, user=UserFactory()).user
    client.force_login(user)
    assert client.get(reverse("investors:holding", kwargs={"pk": holding.pk})).status_code == 404
    entries = JournalEntry.objects.count()
    assert client.post(reverse("investors:holding-cancel", kwargs={"pk": holding.pk})).status_code == 404
    assert JournalEntry.objects.count() == entries
    holding.refresh_from_db()
    assert holding.status == "cooling_off"


def test_questionnaire_refusal_and_subscription_through_the_pages(world, client):
    note, loan_offer, _deposit = open_offers(world)
    client.force_login(world.users["investor"])
    url = reverse("investors:suitability")
    # an answer missing: 400, the level unchanged
    assert client.post(url, {"age": "25_50"}).status_code == 400
    assert InvestorProfile.objects.get(agent=world.investor).suitability == "C3"
    answers = {"age": "25_50", "income": "100k_300k", "share": "20_50", "experience": "lt_2", "knowledge": "basic",
               "horizon": "1_3y", "goal": "steady", "loss": "lt_10"}  # 5+3+3+2+2+3+3+3 = 24 → C2
    assert client.post(url, answers).status_code == 302
    profile = InvestorProfile.objects.get(agent=world.investor)
    assert profile.suitability == "C2"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="total-score">24<' in page
    # the loan to the firm is R3: refused on the confirmation page, and a forged POST posts nothing
    confirm = reverse("investors:confirm", kwargs={"pk": loan_offer.pk})
    page = client.get(confirm + "?amount=10000", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "above your suitability level C2" in page
    entries = JournalEntry.objects.count()
    response = client.post(confirm, {"amount": "10000", "key": "forged", "accept": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "above your suitability level" in response.content.decode()
    assert JournalEntry.objects.count() == entries and not Holding.objects.exists()
    # the note is R2: subscribed, then in the portfolio
    confirm = reverse("investors:confirm", kwargs={"pk": note.pk})
    page = client.get(confirm + "?amount=20000", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,000.00" in page  # expected interest 20,000 × 5 % × 1 year
    response = client.post(confirm, {"amount": "20000", "key": "k1", "accept": "yes"})
    holding = Holding.objects.get()
    assert response.status_code == 302 and holding.amount == Decimal("20000.00")
    client.post(confirm, {"amount": "20000", "key": "k1", "accept": "yes"})  # double submit
    assert Holding.objects.count() == 1
    page = client.get(reverse("investors:portfolio"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert note.title in page and "20,000.00" in page


def _many(world, n):
    note, loan_offer, deposit = open_offers(world)
    InvestorProfile.objects.filter(agent=world.investor).update(suitability="C5")
    for i in range(n):
        invest(user=world.users["investor"], investor=world.investor, opportunity=(note, loan_offer, deposit)[i % 3],
               amount="5000", idempotency_key=f"q{n}-{i}")


@pytest.mark.parametrize("name", ["investors:portfolio", "investors:portal", "investors:opportunities",
                                  "investors:portfolio-export"])
def test_fixed_queries_whatever_the_number_of_holdings(world, client, name):
    client.force_login(world.users["investor"])
    counts = []
    for n in (3, 12):
        _many(world, n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_xirr_against_an_independent_computation():
    # 1,000 out, 1,100 back a year (365 days) later: exactly 10 %
    assert xirr([(datetime.date(2025, 1, 1), Decimal("-1000")), (datetime.date(2026, 1, 1), Decimal("1100"))]) \
        == pytest.approx(0.10, abs=1e-9)
    # monthly flows: the rate found makes the discounted sum zero, checked by plain arithmetic
    start = datetime.date(2026, 1, 15)
    flows = [(start, Decimal("-12000"))] + [(start + datetime.timedelta(days=30 * k), Decimal("1050"))
                                            for k in range(1, 13)]
    rate = xirr(flows)
    npv = sum(float(a) / (1 + rate) ** ((d - start).days / 365) for d, a in flows)
    assert abs(npv) < 1e-6 and 0.09 < rate < 0.20
    assert xirr([(start, Decimal("-1"))]) is None


def test_portfolio_figures_concentration_and_excel(world, client):
    note, loan_offer, _deposit = open_offers(world)
    invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="99000",
           idempotency_key="n")
    InvestorProfile.objects.filter(agent=world.investor).update(suitability="C3")
    portfolio = portfolio_of(world.investor)
    assert not portfolio.warnings  # a finance-company note is not a firm
    invest(user=world.users["investor"], investor=world.investor, opportunity=loan_offer, amount="1000",
           idempotency_key="l")
    portfolio = portfolio_of(world.investor)
    assert portfolio.invested == Decimal("100000.00") and portfolio.outstanding == Decimal("100000.00")
    # 1,000 of 100,000 with the firm is exactly 1 %: no warning; one fen more is
    assert not portfolio.warnings
    invest(user=world.users["investor"], investor=world.investor, opportunity=loan_offer, amount="1000.00",
           idempotency_key="l2")
    portfolio = portfolio_of(world.investor)
    assert [w["agent"] for w in portfolio.warnings] == [world.firm]
    client.force_login(world.users["investor"])
    assert 'data-testid="concentration-warning"' in client.get(reverse("investors:portfolio")).content.decode()
    response = client.get(reverse("investors:portfolio-export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 4
    holdings = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(holdings) == 3 and sum(Decimal(str(r[6])) for r in holdings) == Decimal("101000")
    summary = dict(wb.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert Decimal(str(list(summary.values())[2])) == Decimal("101000")


def test_expected_return_counts_the_schedule(world):
    _note, loan_offer, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=loan_offer, amount="12000",
                     idempotency_key="l")
    row = portfolio_of(world.investor).rows[0]
    assert row.expected_income == sum(i.interest_due for i in holding.loan.instalments.all())
    assert portfolio_of(world.investor).expected_xirr == pytest.approx(0.08, abs=0.005)


def test_cancel_through_the_page(world, client):
    note, _loan, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="3000",
                     idempotency_key="h")
    client.force_login(world.users["investor"])
    assert client.post(reverse("investors:holding-cancel", kwargs={"pk": holding.pk})).status_code == 302
    holding.refresh_from_db()
    assert holding.status == "cancelled" and holding.fund_source.outstanding == Decimal("0.00")


