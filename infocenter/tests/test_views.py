"""The centre's pages: forms that call the services, what each role sees, and bounded query
counts whatever the number of rows."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infocenter.models import AccessLog, Alert, Consent, Notification, Publication, Report
from infocenter.services import consent_grant, publication_create, subscription_create
from infocenter.tests.factories import AgentFactory, PublicationFactory, ReportFactory

pytestmark = pytest.mark.django_db


# --- publishing -------------------------------------------------------------------------------
def test_a_firm_publishes_corrects_and_retracts_through_the_pages(world, client_for):
    client = client_for("enterprise")
    form = client.get("/hub/publish/?module=enterprise").content.decode()
    assert 'value="financial_statements"' in form and 'value="policy"' not in form
    response = client.post("/hub/publish/", {
        "category": "financial_statements", "title": "2025 年度财务报表", "body": "营业收入 1,200 万元",
        "period": "2025", "data": '{"revenue": "12000000.00"}', "visibility": "kinds",
        "audience_kinds": ["institution"], "publish": "on",
        "attachment": SimpleUploadedFile("fs.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    })
    pub = Publication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hub/p/{pub.pk}/"
    assert pub.data == {"revenue": "12000000.00"} and pub.audience_kinds_list == ["institution"]
    assert client.get(f"/hub/p/{pub.pk}/file/").status_code == 200

    response = client.post(f"/hub/p/{pub.pk}/correct/", {
        "title": "2025 年度财务报表", "body": "营业收入 1,250 万元", "period": "2025", "data": "",
        "visibility": "members", "correction_note": "收入更正"})
    v2 = Publication.objects.get(is_current=True)
    assert response["Location"] == f"/hub/p/{v2.pk}/" and v2.version == 2 and v2.visibility == "members"
    # version 1 was for institutions only: a bank reads it, marked as superseded, with the history
    page = client_for("institution").get(f"/hub/p/{pub.pk}/").content.decode()
    assert 'data-testid="superseded-notice"' in page and 'data-testid="history"' in page

    client = client_for("enterprise")
    client.post(f"/hub/p/{v2.pk}/retract/", {"reason": "审计未完成"})
    v2.refresh_from_db()
    assert v2.status == "retracted"


def test_bad_input_gets_a_clear_error_and_changes_nothing(world, client_for):
    client = client_for("enterprise")
    response = client.post("/hub/publish/", {"category": "financial_statements", "title": "x",
                                             "data": "[1, 2", "visibility": "kinds", "publish": "on",
                                             "attachment": SimpleUploadedFile("a.exe", b"MZ", content_type="x")})
    errors = response.context["form"].errors
    assert set(errors) == {"data", "audience_kinds", "attachment"}
    assert not Publication.objects.exists()


def test_a_draft_is_published_from_its_page(world, client_for):
    draft = publication_create(subject=world.firm, author=world.users["enterprise"], category="major_events",
                               title="新厂房", publish=False)
    client = client_for("enterprise")
    assert client.get(f"/hub/p/{draft.pk}/publish/").status_code == 200
    client.post(f"/hub/p/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert client.get(f"/hub/p/{draft.pk}/publish/").status_code == 404  # no longer a draft


# --- reports ----------------------------------------------------------------------------------
def test_report_filed_replied_and_verified_through_the_pages(world, client_for):
    bank = client_for("institution_officer")
    form = bank.get(f"/hub/reports/new/?subject={world.firm.pk}").content.decode()
    assert f'value="{world.firm.pk}" selected' in form and f'value="{world.bank.pk}"' not in form
    bank.post("/hub/reports/new/", {"subject": world.firm.pk, "category": "late_payment", "title": "第三期逾期 45 天",
                                    "evidence": "应于 9 月 20 日还款", "occurred_on": "2026-09-20"})
    report = Report.objects.get()
    assert report.report_type == "negative" and report.author == world.users["institution_officer"]

    firm = client_for("enterprise")
    about = firm.get("/hub/reports/?tab=about").content.decode()
    assert "第三期逾期 45 天" in about
    firm.post(f"/hub/reports/{report.pk}/reply/", {"reply": "已于 11 月 5 日结清"})

    finance = client_for("finance")
    queue = finance.get("/hub/reports/").content.decode()
    assert 'data-testid="tab-queue"' in queue and "第三期逾期 45 天" in queue
    response = finance.post(f"/hub/reports/{report.pk}/decide/", {"status": "rejected", "note": ""})
    assert response.status_code == 200 and "note" in response.context["decision_form"].errors
    finance.post(f"/hub/reports/{report.pk}/decide/", {"status": "verified", "note": "银行流水核实"})
    report.refresh_from_db()
    assert (report.status, report.reply) == ("verified", "已于 11 月 5 日结清")
    # Now every member reads it, with the reply beside it.
    page = client_for("investor").get(f"/hub/reports/{report.pk}/").content.decode()
    assert "已于 11 月 5 日结清" in page and "银行流水核实" in page
    assert 'data-testid="reply-form"' not in page and 'data-testid="decision-form"' not in page


def test_reporting_about_oneself_is_not_offered_and_refused(world, client_for):
    client = client_for("institution")
    response = client.post("/hub/reports/new/", {"subject": world.bank.pk, "category": "award", "title": "x",
                                                 "evidence": "y"})
    assert "subject" in response.context["form"].errors
    assert not Report.objects.exists()


# --- consent ----------------------------------------------------------------------------------
def test_consent_granted_and_revoked_through_the_pages(world, client_for):
    firm = client_for("enterprise")
    today = timezone.localdate()
    firm.post("/hub/consents/new/", {"grantee": world.bank.pk, "valid_from": today.isoformat(),
                                     "valid_until": (today + timedelta(days=60)).isoformat(),
                                     "categories": ["financial_statements"], "purpose": "授信审查"})
    consent = Consent.objects.get()
    assert consent.category_values == ["financial_statements"] and not consent.all_categories
    received = client_for("institution").get("/hub/consents/").content.decode()
    assert world.firm.name in received and 'data-testid="consents-received"' in received
    firm = client_for("enterprise")
    firm.post(f"/hub/consents/{consent.pk}/revoke/")
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert firm.get(f"/hub/consents/{consent.pk}/revoke/").status_code == 404


def test_a_consent_to_a_government_is_not_offered(world, client_for):
    form = client_for("enterprise").get("/hub/consents/new/").content.decode()
    assert world.bank.name in form and world.gov.name not in form


# --- search -----------------------------------------------------------------------------------
def test_search_finds_chinese_and_english_and_respects_visibility(world, client_for):
    publication_create(subject=world.firm, author=world.users["enterprise"], category="certifications",
                       title="通过 ISO 9001 质量管理体系认证", body="Quality management certified", visibility="public")
    publication_create(subject=world.firm, author=world.users["enterprise"], category="orders_capacity",
                       title="在手订单 质量 稳定", visibility="consent")
    anonymous = client_for("anonymous")
    assert anonymous.get("/hub/search/?q=质量管理").context["results"]["total"] == 1
    assert anonymous.get("/hub/search/?q=quality").context["results"]["total"] == 1
    assert anonymous.get("/hub/search/?q=质量").context["results"]["total"] == 1  # the consent item is hidden
    government = client_for("government").get("/hub/search/?q=质量").context["results"]
    assert len(government["publications"]) == 2
    names = client_for("anonymous").get(f"/hub/search/?q={world.firm.name[:4]}").context["results"]["agents"]
    assert world.firm in names
    fragment = client_for("anonymous").get("/hub/search/?q=ISO", HTTP_HX_REQUEST="true",
                                           HTTP_HX_TARGET="search-results").content.decode()
    assert fragment.startswith('<div id="search-results"') and "ISO 9001" in fragment


def test_search_of_nothing_returns_nothing(world, client_for):
    assert client_for("anonymous").get("/hub/search/?q=%20%20").context["results"]["total"] == 0


# --- hub, modules, alerts ---------------------------------------------------------------------
def test_each_module_page_lists_only_its_module_and_category_filter(world, client_for):
    publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                       title="纳税 86 万元", visibility="public")
    publication_create(subject=world.gov, author=world.users["government"], category="policy",
                       title="中小企业贷款贴息办法", visibility="public")
    client = client_for("anonymous")
    enterprise = client.get("/hub/enterprise/").content.decode()
    assert "纳税 86 万元" in enterprise and "贴息办法" not in enterprise
    assert "贴息办法" in client.get("/hub/government/?category=policy").content.decode()
    assert "贴息办法" not in client.get("/hub/government/?category=statistics").content.decode()
    assert client.get("/hub/nonsense/").status_code == 404
    hub = client.get("/hub/").content.decode()
    assert "纳税 86 万元" in hub and "贴息办法" in hub


def test_every_portal_links_to_the_modules(world, client_for):
    for role, portal in (("enterprise", "/enterprise/"), ("finance", "/finance/"), ("government", "/gov/"),
                         ("institution", "/institution/"), ("investor", "/investor/")):
        page = client_for(role).get(portal).content.decode()
        for module in ("government", "enterprise", "institution", "investor", "investment", "business"):
            assert f'href="/hub/{module}/"' in page, (role, module)


def test_the_government_console_shows_open_alerts(world, client_for):
    alert = Alert.objects.create(government=world.gov, subject=world.firm, kind="alert.negative_verified",
                                 params={"subject": world.firm.name, "title": "欠缴社保", "category": "tax"})
    client = client_for("government")
    assert "欠缴社保" in client.get("/gov/").content.decode()
    client.post(f"/hub/alerts/{alert.pk}/ack/")
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.users["government"]
    assert "欠缴社保" not in client.get("/gov/").content.decode()
    assert "欠缴社保" in client.get("/hub/alerts/").content.decode()


# --- bounded queries --------------------------------------------------------------------------
def _populate(world, n: int) -> None:
    firms = [AgentFactory(name=f"查询企业{i}") for i in range(n)]
    for i, firm in enumerate(firms):
        PublicationFactory(subject=firm, visibility=["public", "members", "consent"][i % 3])
        PublicationFactory(subject=world.firm, visibility=["public", "consent", "government"][i % 3],
                           category=["financial_statements", "tax_paid", "orders_capacity"][i % 3],
                           title=f"查询 报表 {i}")
        ReportFactory(reporter=world.bank, subject=world.firm, status=["verified", "unverified"][i % 2])
        ReportFactory(reporter=world.investor, subject=firm, status="verified")
        Notification.objects.create(user=world.users["enterprise"], kind="report.filed", url="/hub/",
                                    params={"reporter": "a", "subject": "b", "title": f"t{i}", "type": "negative"})
        AccessLog.objects.create(user=world.users["institution"], viewer_agent=world.bank, subject=world.firm,
                                 basis="consent")
        Alert.objects.create(government=world.gov, subject=firm, kind="alert.negative_verified",
                             params={"subject": firm.name, "title": "x", "category": "c"})
    subscription_create(user=world.users["enterprise"], target="agent", agent=firms[0])


PAGES = [
    ("anonymous", "/hub/"), ("investor", "/hub/"), ("institution", "/hub/enterprise/"),
    ("institution", "/hub/business/"), ("finance", "/hub/agents/{firm}/"), ("institution", "/hub/agents/{firm}/"),
    ("government", "/hub/search/?q=查询"), ("enterprise", "/hub/reports/?tab=about"),
    ("finance", "/hub/reports/?tab=queue"), ("investor", "/hub/reports/?tab=verified"),
    ("enterprise", "/hub/mine/"), ("enterprise", "/hub/notifications/"), ("enterprise", "/hub/access-log/"),
    ("enterprise", "/hub/consents/"), ("institution", "/hub/consents/"), ("government", "/hub/alerts/"),
    ("finance", "/hub/asymmetry/"), ("government", "/hub/asymmetry/"), ("enterprise", "/hub/subscriptions/"),
    ("government", "/gov/"), ("finance", "/finance/"),
]
MAX_QUERIES = 25
MAX_QUERIES_PORTAL = 35  # the portals' home pages carry other apps' cards too


@pytest.mark.parametrize(("role", "url"), PAGES)
def test_pages_have_a_bounded_number_of_queries(world, client_for, role, url):
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=timezone.localdate() + timedelta(days=30))
    url = url.format(firm=world.firm.pk)

    def count(client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _populate(world, 3)
    small = count(client_for(role))
    _populate(world, 25)
    large = count(client_for(role))
    assert large <= (MAX_QUERIES if url.startswith("/hub/") else MAX_QUERIES_PORTAL), f"{url}: {large} queries"
    assert large == small, f"{url}: {small} queries with few rows, {large} with many"
