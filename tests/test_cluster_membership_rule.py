"""One membership rule everywhere: a firm that LEFT the cluster is, from the day it left, seen by
the cluster's finance company exactly like a firm that never was a member (a firm of another
cluster), while a CURRENT member is seen as a member. Every check below compares the three:
``world.firm`` (current member), ``world.other_firm`` (left yesterday) and a firm of another
cluster (never a member), on the models' rules, the services, the pages and the API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from agents.models import Agent, cluster_members_q
from agents.selectors import cluster_participants, clusters_of
from agents.services import cluster_join, cluster_leave
from infocenter.api.tokens import api_token_create
from infocenter.choices import ImportStatus, RecordKind
from infocenter.imports.services import import_job_create, import_job_run
from infocenter.models import FirmRecord, Publication, Report
from infocenter.permissions import finance_company_covers, verifier_agent_for, verifiers_of
from infocenter.tests.bulk_helpers import csv_bytes, statement_rows, upload
from infocenter.tests.factories import PublicationFactory, ReportFactory, other_cluster, user_of
from lending.models import Loan
from lending.selectors import portfolio_loans, products_for_borrower
from lending.tests.factories import make_loan, make_product

pytestmark = pytest.mark.django_db

# A figure only a reader of the firm's confidential records can see.
SECRET_REVENUE = {"current": Decimal("7100001.00"), "former": Decimal("7200002.00"), "outsider": Decimal("7300003.00")}
STANDINGS = ("current", "former", "outsider")


@pytest.fixture
def ex(world):
    """The world, with ``other_firm`` a former member (it left yesterday) and a firm of another
    cluster; each firm has a confidential statement, confidential publications, a platform-wide
    and a public publication, and an unverified report about it."""
    _other_fc, outsider = other_cluster()
    firms = {"current": world.firm, "former": world.other_firm, "outsider": outsider}
    for standing, firm in firms.items():
        FirmRecord.objects.create(agent=firm, kind=RecordKind.STATEMENT, period="2025", period_type="year",
                                  period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                                  revenue=SECRET_REVENUE[standing], net_profit=Decimal("1.00"), source="api",
                                  supplied_by=world.gov)
        PublicationFactory(subject=firm, visibility="consent", title=f"保密经营数据-{standing}")
        PublicationFactory(subject=firm, visibility="kinds", audience_kinds=",institution,",
                           title=f"仅供金融机构-{standing}")
        PublicationFactory(subject=firm, visibility="members", title=f"平台成员可见-{standing}")
        PublicationFactory(subject=firm, visibility="public", title=f"公开信息-{standing}")
        ReportFactory(reporter=world.bank, subject=firm, title=f"待核实的逾期-{standing}")
    cluster_leave(cluster=world.cluster, agent=world.other_firm, left_on=timezone.localdate() - timedelta(days=1))
    world.firms = firms
    world.standing = {firm.pk: standing for standing, firm in firms.items()}
    return world


def standings(world, agent_ids) -> set[str]:
    return {world.standing[pk] for pk in agent_ids if pk in world.standing}


def titles(world, qs, prefix: str) -> set[str]:
    return {t.split("-", 1)[1] for t in qs.values_list("title", flat=True) if t.startswith(prefix)}


def fc_user(world):
    return world.users["finance"]


# --- the rule itself ----------------------------------------------------------------------------
def test_membership_ends_on_the_day_the_firm_leaves_and_returns_when_it_rejoins(ex):
    def members():
        return standings(ex, Agent.objects.filter(cluster_members_q(finance_company=ex.finance_company))
                         .values_list("pk", flat=True))

    assert members() == {"current"}
    cluster_leave(cluster=ex.cluster, agent=ex.firm, left_on=timezone.localdate() + timedelta(days=1))
    assert members() == {"current"}, "a firm that leaves tomorrow is still a member today"
    cluster_leave(cluster=ex.cluster, agent=ex.firm, left_on=timezone.localdate())
    assert members() == set(), "a firm that leaves today is no longer a member today"
    cluster_join(cluster=ex.cluster, agent=ex.other_firm)
    assert members() == {"former"}, "a firm that rejoins is a member again"
    assert FirmRecord.objects.restrict(fc_user(ex)).filter(agent=ex.other_firm).exists()


def test_cluster_participants_and_clusters_of_leave_the_former_member_out(ex):
    for role in ("finance", "government", "institution"):
        firms = {a.pk for a in cluster_participants(user=ex.users[role], cluster=ex.cluster, kind="enterprise")}
        assert standings(ex, firms) == {"current"}, role
    assert list(clusters_of(ex.firm)) == [ex.cluster]
    assert list(clusters_of(ex.other_firm)) == []
    assert list(clusters_of(ex.firms["outsider"])) != [ex.cluster]


# --- the centre: records, publications, reports -------------------------------------------------
def test_the_finance_company_reads_and_supplies_records_of_current_members_only(ex):
    user = fc_user(ex)
    assert standings(ex, FirmRecord.objects.restrict(user).values_list("agent_id", flat=True)) == {"current"}
    assert standings(ex, FirmRecord.objects.restrict(user, "change").values_list("agent_id", flat=True)) == {
        "current"}
    # The government of the region still sees all three: the rule is the finance company's.
    assert standings(ex, FirmRecord.objects.restrict(ex.users["government"]).values_list("agent_id", flat=True)) == {
        "current", "former", "outsider"}


def test_confidential_publications_of_a_former_member_are_hidden_public_ones_stay(ex):
    user = fc_user(ex)
    qs = Publication.objects.restrict(user)
    assert titles(ex, qs, "保密经营数据") == {"current"}
    assert titles(ex, qs, "仅供金融机构") == {"current"}
    # What was published for every platform member or the public stays at that visibility.
    assert titles(ex, qs, "平台成员可见") == set(STANDINGS)
    assert titles(ex, qs, "公开信息") == set(STANDINGS)


def test_unverified_reports_about_a_former_member_are_hidden(ex):
    user = fc_user(ex)
    assert titles(ex, Report.objects.restrict(user), "待核实的逾期") == {"current"}
    # The reporter still sees its own reports.
    assert titles(ex, Report.objects.restrict(ex.users["institution"]), "待核实的逾期") == set(STANDINGS)


def test_the_finance_company_no_longer_verifies_reports_about_a_former_member(ex):
    fc, gov = ex.finance_company, ex.gov
    assert fc in verifiers_of(ex.firm)
    assert fc not in verifiers_of(ex.other_firm)
    assert fc not in verifiers_of(ex.firms["outsider"])
    assert gov in verifiers_of(ex.other_firm)  # the region's government still does
    assert finance_company_covers(fc, ex.firm) and not finance_company_covers(fc, ex.other_firm)
    for standing, expected in (("current", fc), ("former", None), ("outsider", None)):
        report = Report.objects.get(title=f"待核实的逾期-{standing}")
        assert verifier_agent_for(fc_user(ex), report) == expected, standing


def test_the_dossier_shows_confidential_sections_of_current_members_only(ex, client_for):
    client = client_for("finance")
    for standing, firm in ex.firms.items():
        response = client.get(f"/hub/agents/{firm.pk}/")
        assert response.status_code == 200, standing
        html = response.content.decode()
        assert firm.name in html and f"公开信息-{standing}" in html
        member = standing == "current"
        assert (f"保密经营数据-{standing}" in html) is member, standing
        assert (f"仅供金融机构-{standing}" in html) is member, standing
        assert (f"待核实的逾期-{standing}" in html) is member, standing


def test_the_finance_portal_lists_current_members_only(ex, client_for):
    response = client_for("finance").get("/finance/members/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="firm-count">1<' in html  # the current member alone
    assert ex.firm.name in html
    assert ex.other_firm.name not in html
    assert ex.firms["outsider"].name not in html


def test_search_finds_confidential_items_of_current_members_only(ex, client_for):
    client = client_for("finance")
    for standing, firm in ex.firms.items():
        secret = Publication.objects.get(title=f"保密经营数据-{standing}")
        html = client.get("/hub/search/", {"q": secret.title}).content.decode()
        assert (f'href="/hub/p/{secret.pk}/"' in html) is (standing == "current"), standing
        public = Publication.objects.get(title=f"公开信息-{standing}")
        assert f'href="/hub/p/{public.pk}/"' in client.get("/hub/search/", {"q": public.title}).content.decode()
        # Every firm is in the public register: found by name, whatever its membership.
        html = client.get("/hub/search/", {"q": firm.name}).content.decode()
        assert f'href="/hub/agents/{firm.pk}/"' in html, standing


def test_the_asymmetry_page_covers_current_members_only(ex, client_for):
    response = client_for("finance").get("/hub/asymmetry/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ex.firm.name in html and ex.other_firm.name not in html


def test_the_records_pages_show_the_figures_of_current_members_only(ex, client_for):
    client = client_for("finance")
    html = client.get("/hub/records/").content.decode()
    assert ex.firm.name in html and ex.other_firm.name not in html
    for standing, firm in ex.firms.items():
        response = client.get(f"/hub/records/firm/{firm.pk}/")
        # The firm's page opens (it is in the public register) but shows its figures to members only.
        assert response.status_code == 200, standing
        figure = f"{SECRET_REVENUE[standing]:,.2f}".split(".")[0]  # "7,100,001"
        assert (figure in response.content.decode()) is (standing == "current"), standing


# --- the API ------------------------------------------------------------------------------------
def _token(world, role="finance"):
    _token_obj, key = api_token_create(user=world.users[role], agent=world.agents[role], name=f"{role} system")
    return key


def _api(key):
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {key}")


def test_the_api_returns_records_publications_and_reports_of_current_members_only(ex, client_for):
    session = client_for("finance")
    token = _api(_token(ex))
    for client in (session, token):
        records = client.get("/api/records/").json()["results"]
        assert {r["firm_id"] for r in records} == {ex.firm.pk}
        assert {r["revenue"] for r in records} == {str(SECRET_REVENUE["current"])}
        pubs = client.get("/api/publications/", {"limit": 200}).json()["results"]
        confidential = {p["title"] for p in pubs if p["visibility"] in ("consent", "kinds")}
        assert confidential == {"保密经营数据-current", "仅供金融机构-current"}
        assert {f"平台成员可见-{s}" for s in STANDINGS} <= {p["title"] for p in pubs}
        reports = client.get("/api/reports/").json()["results"]
        assert {r["title"] for r in reports if r["title"].startswith("待核实的逾期")} == {"待核实的逾期-current"}
        response = client.get("/api/records/", {"credit_code": ex.other_firm.credit_code})
        assert response.status_code == 200 and response.json()["count"] == 0


def test_the_api_refuses_the_finance_company_a_statement_for_a_former_member(ex):
    client = _api(_token(ex))

    def post(firm, period="2026Q1"):
        body = {"credit_code": firm.credit_code, "kind": "statement", "period": period, "revenue": "1000.00",
                "net_profit": "-20.50"}
        return client.post("/api/records/", json.dumps(body), content_type="application/json")

    assert post(ex.firm).status_code == 201
    for firm in (ex.other_firm, ex.firms["outsider"]):
        response = post(firm)
        assert response.status_code == 400
        assert "not among the firms your agent supplies" in json.dumps(response.json(), ensure_ascii=False)
        assert not FirmRecord.objects.filter(agent=firm, period="2026Q1").exists()


# --- imports --------------------------------------------------------------------------------
def _import(world, firms):
    job = import_job_create(user=world.users["finance"], agent=world.finance_company, kind=RecordKind.STATEMENT,
                            file=upload(csv_bytes(statement_rows(firms, periods=("2026Q1",)))))
    if job.status == ImportStatus.QUEUED:
        job = import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_an_import_by_the_finance_company_is_refused_for_a_former_member(ex):
    job = _import(ex, [ex.firm])
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert FirmRecord.objects.filter(agent=ex.firm, period="2026Q1", supplied_by=ex.finance_company).exists()
    for firm in (ex.other_firm, ex.firms["outsider"]):
        job = _import(ex, [firm])
        assert job.status == ImportStatus.FAILED
        assert "not among the firms your agent supplies" in job.error_preview[0]["message"]
        assert not FirmRecord.objects.filter(agent=firm, period="2026Q1").exists()


# --- lending --------------------------------------------------------------------------------
@pytest.fixture
def loans(ex):
    """Loans made while ``other_firm`` was a member (it leaves afterwards): from the bank to the
    current and to the former member, and from the finance company to the former member."""
    cluster_join(cluster=ex.cluster, agent=ex.other_firm)
    former_user = user_of(ex.other_firm, email="former@example.cn")
    made = {
        "bank_current": make_loan(ex, lender="bank"),
        "bank_former": make_loan(ex, lender="bank", borrower=ex.other_firm, borrower_user=former_user),
        "fc_former": make_loan(ex, lender="finance", borrower=ex.other_firm, borrower_user=former_user),
    }
    cluster_leave(cluster=ex.cluster, agent=ex.other_firm, left_on=timezone.localdate() - timedelta(days=1))
    ex.former_user = former_user
    return made


def test_the_finance_company_sees_a_former_member_s_loans_only_as_their_lender(ex, loans, client_for):
    fc_seen = set(Loan.objects.restrict(fc_user(ex)).values_list("pk", flat=True))
    assert loans["bank_current"].pk in fc_seen
    assert loans["bank_former"].pk not in fc_seen
    assert loans["fc_former"].pk in fc_seen  # its own loan stays in its book
    bank_seen = set(Loan.objects.restrict(ex.users["institution"]).values_list("pk", flat=True))
    assert {loans["bank_current"].pk, loans["bank_former"].pk} <= bank_seen

    client = client_for("finance")
    assert client.get(f"/lending/loans/{loans['bank_current'].pk}/").status_code == 200
    assert client.get(f"/lending/loans/{loans['bank_former'].pk}/").status_code == 404
    response = client.get(f"/lending/loans/{loans['fc_former'].pk}/")
    assert response.status_code == 200 and loans["fc_former"].contract_no in response.content.decode()
    bank = client_for("institution").get(f"/lending/loans/{loans['bank_former'].pk}/")
    assert bank.status_code == 200 and loans["bank_former"].contract_no in bank.content.decode()


def test_the_cluster_portfolio_drops_other_lenders_loans_to_a_former_member(ex, loans):
    in_cluster = set(portfolio_loans(cluster=ex.cluster).values_list("pk", flat=True))
    assert loans["bank_current"].pk in in_cluster
    assert loans["bank_former"].pk not in in_cluster
    assert loans["fc_former"].pk in in_cluster  # lent by the cluster's finance company


def test_a_former_member_no_longer_sees_the_cluster_s_products(ex, client_for):
    fc_product = make_product(ex, "finance", name="集群成员经营贷")
    bank_product = make_product(ex, "bank", name="集群合作银行贷")
    former_user = user_of(ex.other_firm, email="former@example.cn")
    current = set(products_for_borrower(user=ex.users["enterprise"], borrower=ex.firm))
    assert {fc_product, bank_product} <= current
    assert set(products_for_borrower(user=former_user, borrower=ex.other_firm)) == set()

    html = client_for("enterprise").get("/lending/products/").content.decode()
    assert fc_product.name in html and bank_product.name in html
    client = Client()
    client.force_login(former_user)
    response = client.get("/lending/products/")
    assert response.status_code == 200
    html = response.content.decode()
    assert fc_product.name not in html and bank_product.name not in html
    assert client.get(f"/lending/products/{fc_product.pk}/apply/").status_code == 404
