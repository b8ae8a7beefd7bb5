"""The finance company's dashboard: its figures recomputed here from the loans' rows and the
ledger's postings (never through the dashboard's selectors), the filters, the drill-down lists
behind each number, the Excel exports, and a fixed number of queries at two sizes."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import Role
from agents.tests.factories import ClusterMembershipFactory, MembershipFactory, UserFactory
from lending.choices import AccountPurpose, LoanStatus
from lending.ledger.models import Account, Posting
from lending.models import Loan
from lending.services import delinquency_run
from lending.tests.factories import make_contract, make_loan, pay
from portals.enterprises.tests.factories import EnterpriseProfileFactory

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = date(2026, 5, 20)  # first instalments fell due on 2026-02-15
NPL = ("substandard", "doubtful", "loss")


def member(world, name, industry, grade):
    firm = EnterpriseProfileFactory(agent__name=name, agent__industry_code=industry).agent
    ClusterMembershipFactory(cluster=world.cluster, agent=firm)
    type(firm).objects.filter(pk=firm.pk).update(current_grade=grade)
    OWNERS[firm.pk] = MembershipFactory(agent=firm, role=Role.ENTERPRISE_OWNER, user=UserFactory()).user
    return firm


OWNERS: dict = {}


def loan(world, firm, lender="finance", **kwargs):
    return make_loan(world, lender=lender, borrower=firm, borrower_user=OWNERS[firm.pk], **kwargs)


def paid_instalments(world, contract, n):
    """Pay the first ``n`` instalments in full, each on its due date."""
    for inst in contract.instalments.order_by("period")[:n]:
        pay(world, contract, inst.total_due, inst.due_date, user=OWNERS[contract.borrower_id])


def grow(world, tag: str):
    """Four loans of three new member firms: one 94 days late (PAR90, 次级), one 35 days late
    (PAR30, 关注) and two current, one of them from the bank."""
    aa = member(world, f"甲{tag}五金有限公司", "C3311", "AA")
    bb = member(world, f"乙{tag}机械有限公司", "C34", "BB")
    unrated = member(world, f"丙{tag}电器有限公司", "C38", "")
    late = loan(world, aa, amount="12000.00")
    paid_instalments(world, loan(world, bb, amount="24000.00"), 2)
    paid_instalments(world, loan(world, aa, amount="6000.00"), 3)
    paid_instalments(world, loan(world, unrated, lender="bank", amount="30000.00"), 3)
    return late


@pytest.fixture
def book(world):
    grow(world, "一")
    delinquency_run(as_of=AS_OF)
    return world


def ledger_outstanding(row: Loan) -> Decimal:
    """The loan's principal still owed, from the postings on the lender's receivable account."""
    account = Account.objects.get(loan=row, agent=row.lender, purpose=AccountPurpose.LOANS_RECEIVABLE)
    return sum(Posting.objects.filter(account=account).values_list("amount", flat=True), D(0))


def recompute(world, *, lender=None, keep=lambda loan: True) -> dict:
    """The figures from the rows: active loans of the cluster's member firms."""
    members = set(world.cluster.memberships.values_list("agent_id", flat=True))
    loans = [row for row in Loan.objects.select_related("borrower", "lender")
             if row.borrower_id in members and row.borrower.kind == "enterprise" and row.status == LoanStatus.ACTIVE
             and (lender is None or row.lender_id == lender.pk) and keep(row)]
    out = {"count": len(loans), "gross": D(0), "par30": D(0), "par90": D(0), "npl": D(0),
           "contracts": {"outstanding": set(), "par30": set(), "par90": set(), "npl": set()}}
    for row in loans:
        owed = ledger_outstanding(row)
        assert owed == row.principal_outstanding
        out["gross"] += owed
        out["contracts"]["outstanding"].add(row.contract_no)
        for name, hit in (("par30", row.dpd > 30), ("par90", row.dpd > 90), ("npl", row.loan_class in NPL)):
            if hit:
                out[name] += owed
                out["contracts"][name].add(row.contract_no)
    return out


def ratio(part, whole):
    return (part / whole).quantize(D("0.0001")) if whole else D("0.0000")


def test_the_figures_equal_those_recomputed_from_the_loans_and_the_ledger(book, client_for):
    page = client_for("finance").get(reverse("clusterfinance:portal"))
    assert page.status_code == 200
    total = page.context["quality"].total
    expected = recompute(book)
    assert expected["par30"] > expected["par90"] > 0 and expected["npl"] > 0  # the book has every case
    assert (total.count, total.gross) == (expected["count"], expected["gross"])
    assert (total.par30_amount, total.par90_amount, total.npl_amount) == (expected["par30"], expected["par90"],
                                                                          expected["npl"])
    assert total.par30 == ratio(expected["par30"], expected["gross"])
    assert total.npl_ratio == ratio(expected["npl"], expected["gross"])
    html = page.content.decode()
    assert f'data-testid="fig-par30">{total.par30 * 100:.2f}%<' in html
    assert f'data-testid="fig-npl">{total.npl_ratio * 100:.2f}%<' in html
    by_grade = {q.key: q for q in page.context["quality"].by_grade}
    aa = recompute(book, keep=lambda loan: loan.borrower.current_grade == "AA")
    assert (by_grade["AA"].gross, by_grade["AA"].par90_amount) == (aa["gross"], aa["par90"])
    assert list(by_grade) == ["AA", "BB", "-"]  # best grade first, the unrated last
    by_industry = {q.key: q for q in page.context["quality"].by_industry}
    c33 = recompute(book, keep=lambda loan: loan.borrower.industry_code.startswith("C33"))
    assert (by_industry["C33"].count, by_industry["C33"].npl_amount) == (c33["count"], c33["npl"])
    assert sum(q.gross for q in by_industry.values()) == total.gross
    classes = {r["value"]: r for r in total.class_rows()}
    assert sum(r["outstanding"] for r in classes.values()) == total.gross
    assert classes["substandard"]["outstanding"] == expected["npl"]


def test_pool_queue_and_guarantee_figures_come_from_the_ledger_and_the_records(book, client_for):
    from clusterfinance.guarantees import services as guarantees

    make_contract(book, amount="8000.00")  # approved and contracted, the money not out yet: in the queue
    fund = guarantees.fund_for(book.cluster)
    guarantees.guarantee_contribution_record(user=book.users["finance"], fund=fund, contributor=book.gov,
                                             amount="50000.00", on=date(2026, 3, 2), idempotency_key="c0")
    page = client_for("finance").get(reverse("clusterfinance:portal"))
    cash = Account.objects.get(agent=book.finance_company, purpose=AccountPurpose.CASH, loan__isnull=True)
    assert page.context["liquidity"].cash == sum(cash.postings.values_list("amount", flat=True), D(0))
    assert page.context["queue"] == {"count": 1, "amount": D("8000.00"), "approved": 0}
    fund_account = Account.objects.get(agent=book.finance_company, purpose=AccountPurpose.GUARANTEE_FUND,
                                       loan__isnull=True)
    capital = -sum(fund_account.postings.values_list("amount", flat=True), D(0))
    assert page.context["guarantees"]["fund"].capital == capital == D("50000.00")
    assert page.context["guarantees"]["cap_amount"] == fund.leverage_cap * capital
    html = page.content.decode()
    assert 'data-testid="fig-queue-count">1<' in html
    for name in ("pool", "pool-sources", "pool-policy", "allocation", "allocation-priorities", "guarantees",
                 "guarantees-claims", "guarantees-network", "rating:list", "rating:monitoring", "members"):
        assert f'href="{reverse("clusterfinance:" + name)}"' in html, name


def test_the_filters_narrow_every_figure(book, client_for):
    client = client_for("finance")
    url = reverse("clusterfinance:portal")

    def total(**query):
        page = client.get(url, query)
        assert page.status_code == 200
        return page.context["quality"].total

    own = recompute(book, lender=book.finance_company)
    assert (total(scope="own").count, total(scope="own").gross) == (own["count"], own["gross"])
    assert total(grade="AA").gross == recompute(book, keep=lambda loan: loan.borrower.current_grade == "AA")["gross"]
    assert total(grade="-").count == 1  # the unrated firm's bank loan
    assert total(industry="C34").par30_amount == recompute(
        book, keep=lambda loan: loan.borrower.industry_code == "C34")["par30"]
    assert total(month="2026-01").count == recompute(book)["count"]
    assert total(month="2025-12").count == 0
    page = client.get(url, {"month": "2026-13", "grade": "AA"})  # a bad month: shown, no filter applied
    assert page.status_code == 200 and 'data-testid="error-month"' in page.content.decode()
    assert page.context["quality"].total.count == recompute(book)["count"]
    assert client.get(url, {"grade": "ZZZ"}).status_code == 200


def _href(html: str, testid: str) -> str:
    return re.search(rf'href="([^"]+)" data-testid="{testid}"', html).group(1).replace("&amp;", "&")


def test_each_number_drills_down_to_exactly_its_loans(book, client_for):
    client = client_for("finance")
    home = client.get(reverse("clusterfinance:portal"), {"scope": "cluster"}).content.decode()
    expected = recompute(book)
    for testid, figure in (("fig-outstanding", "outstanding"), ("fig-par30", "par30"), ("fig-par90", "par90"),
                           ("fig-npl", "npl")):
        listing = client.get(_href(home, testid))
        assert listing.status_code == 200
        shown = set(re.findall(r'data-contract="([^"]+)"', listing.content.decode()))
        assert shown == expected["contracts"][figure], figure
        assert listing.context["totals"]["outstanding"] == (expected["gross"] if figure == "outstanding"
                                                            else expected[figure])
    # a row of a breakdown keeps the page's filters and sets its own
    url = reverse("clusterfinance:dashboard-loans")
    listing = client.get(url, {"figure": "par30", "scope": "own", "grade": "BB"})
    bb = recompute(book, lender=book.finance_company, keep=lambda loan: loan.borrower.current_grade == "BB")
    assert listing.context["totals"]["outstanding"] == bb["par30"] and listing.context["totals"]["count"] == 1
    assert client.get(url, {"figure": "nonsense"}).status_code == 200  # bad figure: all active loans


def test_the_excel_exports_hold_the_same_numbers(book, client_for):
    from openpyxl import load_workbook

    client = client_for("finance")
    response = client.get(reverse("clusterfinance:portal"), {"export": "xlsx", "scope": "own"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    workbook = load_workbook(io.BytesIO(response.content))
    assert {"Figures", "By grade", "By industry", "By class", "Liquidity", "Circles"} <= set(workbook.sheetnames)
    figures = {row[0]: row[1] for row in workbook["Figures"].iter_rows(min_row=2, values_only=True)}
    own = recompute(book, lender=book.finance_company)
    assert figures["Active loans"] == own["count"]
    assert D(str(figures["Gross outstanding principal (yuan)"])) == own["gross"]
    assert D(str(figures["PAR30 amount (yuan)"])) == own["par30"]
    assert D(str(figures["NPL ratio"])) == ratio(own["npl"], own["gross"])
    grades = {row[0]: row for row in workbook["By grade"].iter_rows(min_row=2, values_only=True)}
    assert D(str(grades["AA"][2])) == recompute(
        book, lender=book.finance_company, keep=lambda loan: loan.borrower.current_grade == "AA")["gross"]

    response = client.get(reverse("clusterfinance:dashboard-loans"), {"figure": "par30", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = recompute(book)
    assert {r[0] for r in rows} == expected["contracts"]["par30"]
    assert sum(D(str(r[7])) for r in rows) == expected["par30"]


def test_only_the_finance_company_sees_the_dashboard(book, client_for):
    for role in ("enterprise", "government", "institution", "investor"):
        assert client_for(role).get(reverse("clusterfinance:dashboard-loans")).status_code == 404, role
    assert client_for("anonymous").get(reverse("clusterfinance:portal")).status_code == 302


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"scope": "own", "grade": "AA", "month": "2026-01"}])
def test_the_pages_take_the_same_queries_at_two_sizes(world, client_for, params):
    from clusterfinance.guarantees import services as guarantees

    guarantees.fund_for(world.cluster)
    grow(world, "一")
    delinquency_run(as_of=AS_OF)
    client = client_for("finance")
    pages = [(reverse("clusterfinance:portal"), params), (reverse("clusterfinance:dashboard-loans"),
                                                          {**params, "figure": "outstanding"}),
             (reverse("clusterfinance:dashboard-loans"), {**params, "figure": "par30", "export": "xlsx"}),
             (reverse("clusterfinance:portal"), {**params, "export": "xlsx"})]
    for url, query in pages:
        client.get(url, query)  # warm the per-session caches
    few = [_queries(client, url, query) for url, query in pages]
    for tag in ("二", "三", "四"):
        grow(world, tag)
    for n in range(3):
        make_contract(world, amount=f"{5000 + n}.00")
    delinquency_run(as_of=AS_OF)
    many = [_queries(client, url, query) for url, query in pages]
    assert many == few
    assert few[0] <= 35  # the portal homes' bound (infocenter/tests/test_views.py)
