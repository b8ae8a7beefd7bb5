"""Guarantee pages: the fund's figures, the issue form refusing above the cap, claims through
maker-checker on the page, contributions, the network with circles and a stress test — each
page in a fixed number of queries whatever the number of rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.tests.factories import ClusterMembershipFactory
from clusterfinance.guarantees import selectors, services
from clusterfinance.guarantees.models import ClaimStatus, FundGuarantee, GuaranteeClaim
from lending.ledger.checks import ledger_verify
from lending.ledger.models import JournalEntry
from lending.models import Loan
from lending.tests.factories import make_loan
from portals.enterprises.tests.factories import EnterpriseProfileFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 2)
KEY = "9b2f8d1e-4c3a-4d7e-9f10-2a3b4c5d6e7f"


@pytest.fixture
def fund(world):
    fund = services.fund_for(world.cluster)
    services.guarantee_contribution_record(user=world.users["finance"], fund=fund, contributor=world.gov,
                                           amount="50000.00", on=DAY, idempotency_key="c0")
    return fund


def guarantee(world, fund, n):
    loan = make_loan(world, lender="bank", amount="10000.00", periods=12)
    return services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan, coverage="0.5",
                                         issued_on=DAY, idempotency_key=f"g{n}")


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    return len(ctx.captured_queries), page


def test_fund_page_shows_capital_leverage_and_fee_in_fixed_queries(world, fund, client_for):
    guarantee(world, fund, 1)
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees")
    few, page = queries(client, url)
    assert page.context["view"].capital == D("50000.00") + D("50.00")
    assert page.context["view"].outstanding == D("5000.00")
    assert "1.00%" in page.content.decode()
    for n in range(2, 5):
        guarantee(world, fund, n)
    many, page = queries(client, url)
    assert many == few and len(page.context["guarantees"]) == 4


def test_issue_form_refuses_above_the_cap_and_posts_nothing(world, fund, client_for):
    loan = make_loan(world, lender="bank", amount="600000.00", periods=12)
    client = client_for("finance_analyst")
    url = reverse("clusterfinance:guarantees-issue")
    entries = JournalEntry.objects.count()
    page = client.post(url, {"loan": loan.pk, "coverage": "90", "issued_on": "2026-03-02", "idempotency_key": KEY})
    assert page.status_code == 200
    html = page.content.decode()  # the page speaks Chinese: the field's error names the headroom
    assert 'data-testid="error-coverage"' in html and "¥500,000.00" in html
    assert JournalEntry.objects.count() == entries and not FundGuarantee.objects.exists()
    page = client.post(url, {"loan": loan.pk, "coverage": "abc", "issued_on": "2026-03-02", "idempotency_key": KEY})
    assert page.status_code == 200 and not FundGuarantee.objects.exists()
    page = client.post(url, {"loan": loan.pk, "coverage": "80", "issued_on": "2026-03-02", "idempotency_key": KEY})
    assert page.status_code == 302
    assert FundGuarantee.objects.get().amount == D("480000.00")
    assert ledger_verify().ok


def test_claims_page_maker_checker_and_payout(world, fund, client_for):
    g = guarantee(world, fund, 1)
    Loan.objects.filter(pk=g.loan_id).update(dpd=95)
    services.guarantee_claims_raise(on=date(2026, 6, 1))
    claim = GuaranteeClaim.objects.get()
    manager = client_for("finance")
    url = reverse("clusterfinance:guarantees-claims")
    manager.post(url, {"claim": claim.pk, "action": "prepare", "idempotency_key": KEY})
    page = manager.post(url, {"claim": claim.pk, "action": "approve", "idempotency_key": KEY})
    assert 'data-testid="form-error"' in page.content.decode()  # the preparer may not approve
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PREPARED
    assert 'value="approve"' not in manager.get(url).content.decode()
    # a second manager approves; the analyst pays
    from agents.choices import Role
    from agents.tests.factories import MembershipFactory, UserFactory

    second = MembershipFactory(agent=world.finance_company, role=Role.FC_MANAGER,
                               user=UserFactory(email="manager2@example.cn")).user
    manager.force_login(second)
    assert manager.post(url, {"claim": claim.pk, "action": "approve", "idempotency_key": KEY}).status_code == 302
    manager.force_login(world.users["finance_analyst"])
    assert manager.post(url, {"claim": claim.pk, "action": "pay", "on": "2026-06-02",
                              "idempotency_key": KEY}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and ledger_verify().ok
    page = manager.post(url, {"claim": claim.pk, "action": "recover", "amount": "abc", "on": "2026-07-01",
                              "idempotency_key": KEY})
    assert page.status_code == 200 and not claim.recoveries.exists()


def test_contributions_page_records_and_refuses_bad_amounts(world, fund, client_for):
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-contributions")
    page = client.post(url, {"contributor": world.firm.pk, "amount": "１００", "on": "2026-03-03",
                             "idempotency_key": KEY})
    assert page.status_code == 200 and selectors.fund_capital(fund) == D("50000.00")
    page = client.post(url, {"contributor": world.firm.pk, "amount": "20000", "on": "2026-03-03",
                             "idempotency_key": KEY})
    assert page.status_code == 302 and selectors.fund_capital(fund) == D("70000.00")
    assert "¥70,000.00" in client.get(url).content.decode()


def firms(world, n):
    out = []
    for i in range(n):
        firm = EnterpriseProfileFactory(agent__name=f"网络企业{i}").agent
        ClusterMembershipFactory(cluster=world.cluster, agent=firm)
        out.append(firm)
    return out


def test_network_page_circles_chains_and_stress_test_in_fixed_queries(world, fund, client_for):
    user = world.users["finance_analyst"]
    a, b, c, d, e, f = firms(world, 6)
    for g, br, amount in ((a, b, "100"), (b, a, "100"), (c, d, "50")):
        services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=g, borrower=br, amount=amount)
    client = client_for("finance")
    url = reverse("clusterfinance:guarantees-network")
    few, _page = queries(client, url + f"?firm={a.pk}")
    for g, br, amount in ((c, e, "70"), (d, e, "80"), (e, f, "90"), (f, e, "60")):
        services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=g, borrower=br, amount=amount)
    many, page = queries(client, url + f"?firm={e.pk}")
    assert many == few
    assert len(page.context["circles"]) == 2 and len(page.context["chains"]) == 1
    stress = page.context["stress"]
    # e defaults: its guarantors c, d and f are called 70 + 80 + 60 = 210 in round 0
    assert stress["rounds"][0]["called"] == D("210.00") and stress["total_called"] >= D("210.00")
    assert '"type"' not in page.context["chart"] and "nodes" in page.context["chart"]
    page = client.post(url, {"guarantor": a.pk, "borrower": a.pk, "amount": "10"})
    assert page.status_code == 200 and 'data-testid="error-borrower"' in page.content.decode()


def test_pages_are_the_finance_company_s_only(world, client_for):
    for role in ("enterprise", "institution", "government"):
        assert client_for(role).get(reverse("clusterfinance:guarantees")).status_code == 404
    # an institution officer cannot post a contribution either
    client = client_for("institution")
    assert client.post(reverse("clusterfinance:guarantees-contributions"), {}).status_code == 404
