"""The oversight dashboard: figures equal a recomputation from the loans, drill-down to the
records, the LPR in force, fixed query counts at two sizes, the Excel workbook and the PDF
report (Chinese through the CID font), the monitor's pages, and another region's government
kept out."""

import io
import re
import zlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, ClusterMembershipFactory, MembershipFactory, UserFactory
from lending.ledger.models import LedgerAlert
from lending.models import Loan
from portals.government import selectors_oversight as oversight
from portals.government.models_oversight import AlertStatus, ComplianceAlert, LoanPrimeRate
from portals.government.services_compliance import compliance_check, lpr_record

from .oversight_world import loan, private_loan, set_delinquency

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _book(world):
    """Loans from the finance company, the bank and an investor; one 45 days late, one 120 days
    late and doubtful."""
    month_ago = TODAY - timedelta(days=35)
    a = loan(world, lender="finance", amount="100000.00", rate="0.10", start=month_ago)
    b = loan(world, lender="bank", amount="50000.00", rate="0.06", start=month_ago)
    owner = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER, user=UserFactory()).user
    c = loan(world, lender="bank", borrower=world.other_firm, borrower_user=owner, amount="30000.00", rate="0.08",
             start=month_ago)
    d = private_loan(world.investor, world.users["investor"], world.firm, "20000.00", on=month_ago, rate="0.09")
    set_delinquency(b, 45)
    set_delinquency(c, 120, "doubtful")
    return a, b, c, d


def _recompute(loans):
    active = [x for x in loans if x.status == "active"]
    out = sum((x.principal_outstanding for x in active), Decimal(0))
    return {
        "outstanding": out, "count": len(active),
        "par30": sum((x.principal_outstanding for x in active if x.dpd > 30), Decimal(0)),
        "par90": sum((x.principal_outstanding for x in active if x.dpd > 90), Decimal(0)),
        "npl": sum((x.principal_outstanding for x in active if x.loan_class in ("substandard", "doubtful", "loss")),
                   Decimal(0)),
        "rate": (sum((x.annual_rate * x.principal_outstanding for x in active), Decimal(0)) / out)
        .quantize(Decimal("0.000001")),
    }


def test_dashboard_figures_equal_a_recomputation_from_the_loans(world, client_for):
    _book(world)
    lpr_record(government=world.gov, user=world.users["government"], value=Decimal("0.0310"),
               effective_on=TODAY - timedelta(days=400))
    lpr_record(government=world.gov, user=world.users["government"], value=Decimal("0.0300"),
               effective_on=TODAY - timedelta(days=10))
    lpr_record(government=world.gov, user=world.users["government"], value=Decimal("0.0290"),
               effective_on=TODAY + timedelta(days=10))  # not yet in force
    response = client_for("government").get(reverse("government:portal"))
    assert response.status_code == 200
    d = response.context["d"]
    loans = list(Loan.objects.all())
    expected = _recompute(loans)
    assert d.total.outstanding == expected["outstanding"] and d.total.count == expected["count"]
    assert (d.total.par30_amount, d.total.par90_amount, d.total.npl_amount) == (
        expected["par30"], expected["par90"], expected["npl"])
    assert d.total.par30 == (expected["par30"] / expected["outstanding"]).quantize(Decimal("0.0001"))
    assert d.total.average_rate == expected["rate"]
    assert d.lpr.value == Decimal("0.0300") and d.rate_spread == expected["rate"] - Decimal("0.03")
    groups = {g.key: g for g in d.by_lender}
    for key, lender in (("finance_company", world.finance_company), ("institution_small", world.bank),
                        ("investor", world.investor)):
        mine = _recompute([x for x in loans if x.lender_id == lender.pk])
        assert groups[key].outstanding == mine["outstanding"] and groups[key].count == mine["count"], key
    assert d.private.outstanding == Loan.objects.get(lender=world.investor).principal_outstanding
    assert d.private.investors == 1 and d.private.borrowers == 1
    assert sum(f.outstanding for f in d.by_industry) == d.total.outstanding
    assert sum(f.outstanding for f in d.by_grade) == d.total.outstanding
    assert d.sme.count_share == 1 and d.sme.volume_share == 1
    month = next(m for m in d.trend if m["label"] == f"{TODAY - timedelta(days=35):%Y-%m}")
    assert sum(m["disbursed"] for m in d.trend) == sum(x.principal for x in loans)
    assert month["count"] == 4 and month["private"] == Decimal("20000.00") and len(d.trend) == 12
    page = response.content.decode()
    assert 'data-testid="region-loans-card"' in page and "PAR30" in page


def test_every_figure_drills_down_to_its_loans(world, client_for):
    a, b, c, d = _book(world)
    client = client_for("government")
    url = reverse("government:oversight-loans")

    def contracts(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return {x.contract_no for x in response.context["page"]}

    assert contracts("?par=30") == {b.contract_no, c.contract_no}
    assert contracts("?par=90") == {c.contract_no}
    assert contracts("?npl=1") == {c.contract_no}
    assert contracts("?lender_kind=investor") == {d.contract_no}
    assert contracts("?lender_kind=institution&lender_size=small") == {b.contract_no, c.contract_no}
    assert contracts("?industry=C33&active=1") == {a.contract_no, b.contract_no, c.contract_no, d.contract_no}
    assert contracts(f"?month={TODAY - timedelta(days=35):%Y-%m}") == {a.contract_no, b.contract_no, c.contract_no,
                                                                      d.contract_no}
    assert contracts("?par=abc&month=nonsense&lender_kind=x") == {a.contract_no, b.contract_no, c.contract_no,
                                                                d.contract_no}
    response = client.get(url + "?par=30")
    assert response.context["totals"]["outstanding"] == b.principal_outstanding + c.principal_outstanding
    # the links of the dashboard are these filters
    page = client.get(reverse("government:portal")).content.decode()
    for query in ("?par=30", "?par=90", "?npl=1", "?lender_kind=investor", "lender_kind=institution&amp;lender_size=small"):
        assert query in page, query


def _grow(world, n):
    bank_user = world.users["institution"]
    for i in range(n):
        firm = AgentFactory(kind=AgentKind.ENTERPRISE)
        ClusterMembershipFactory(cluster=world.cluster, agent=firm)
        owner = MembershipFactory(agent=firm, role=Role.ENTERPRISE_OWNER, user=UserFactory()).user
        loan(world, lender="bank" if i % 2 else "finance", borrower=firm, borrower_user=owner,
             amount=f"{10000 + i}.00", start=TODAY - timedelta(days=40 * (i % 5) + 3))
    return bank_user


@pytest.mark.parametrize("url_name", ["government:portal", "government:oversight-loans", "government:compliance",
                                      "government:oversight-guarantees"])
def test_pages_run_a_fixed_number_of_queries(world, client_for, url_name):
    client = client_for("government")
    _grow(world, 3)
    LedgerAlert.objects.create(kind="balance_mismatch", message="x")
    compliance_check(government=world.gov)
    client.get(reverse(url_name))
    cache.clear()  # both measured visits compute the cached coverage card (a cold cache)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    _grow(world, 12)
    AgentFactory(kind=AgentKind.INSTITUTION, size_class="large", industry_code="J66")
    AgentFactory(kind=AgentKind.INSTITUTION, size_class="large", industry_code="J66")
    compliance_check(government=world.gov)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(url_name)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries), url_name
    if url_name == "government:portal":
        assert len(few.captured_queries) <= 25


def test_excel_export_has_the_figures(world, client_for):
    from openpyxl import load_workbook

    _book(world)
    response = client_for("government").get(reverse("government:oversight-excel"))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 6
    summary = {row[0]: row[1] for row in wb[wb.sheetnames[0]].iter_rows(values_only=True)}
    total = oversight.lending_by_lender(world.gov)[0]
    assert f"{total.outstanding:,.2f}" in summary.values()
    trend = list(wb[wb.sheetnames[4]].iter_rows(values_only=True))
    assert len(trend) == 13


def _pdf_text(data: bytes) -> str:
    """The text shown by a reportlab PDF: its page streams inflated (ASCII85 + Flate), the
    string operands of ``Tj`` unescaped and read as UCS-2 (the CID font's UniGB-UCS2-H encoding)."""
    import base64

    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        except (ValueError, zlib.error):
            continue  # not a page stream
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit()
                         else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m[1], m[1]), literal)
            shown.append(raw.decode("utf-16-be", errors="replace") if len(raw) % 2 == 0 else "")
    return " ".join(shown)


def test_pdf_report_renders_chinese_with_the_cid_font(world, client_for):
    _book(world)
    client = client_for("government")
    response = client.get(reverse("government:oversight-pdf"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/BaseFont /STSong-Light" in data and b"/UniGB-UCS2-H" in data and b"/FontFile" not in data
    text = _pdf_text(data)
    total = oversight.lending_by_lender(world.gov)[0]
    # the figures and the authority's Chinese name, as the reader shows them
    assert f"{total.outstanding:,.2f}" in text and "永康市人民政府" in text
    assert "浙江省金华市永康市" in text


def test_lpr_page_records_a_new_value_and_refuses_bad_input(world, client_for):
    client = client_for("government")
    url = reverse("government:lpr")
    response = client.post(url, {"tenor": "1y", "value_percent": "3.10", "effective_on": "2026-10-21", "note": "公告"})
    assert response.status_code == 302
    rate = LoanPrimeRate.objects.get(government=world.gov)
    assert rate.value == Decimal("0.031") and rate.effective_on == date(2026, 10, 21)
    for bad in ({"tenor": "1y", "value_percent": "abc", "effective_on": "2026-10-22"},
                {"tenor": "1y", "value_percent": "3.10", "effective_on": "2026-10-21"},  # same day again
                {"tenor": "9y", "value_percent": "3", "effective_on": "2026-10-23"},
                {"tenor": "1y", "value_percent": "-1", "effective_on": "2026-10-24"}):
        response = client.post(url, bad)
        assert response.status_code == 200 and response.context["form"].errors, bad
    assert LoanPrimeRate.objects.count() == 1
    assert "3.1" in client.get(url).content.decode()


def test_monitor_pages_check_now_and_the_alert_steps(world, client_for):
    client = client_for("government")
    LedgerAlert.objects.create(kind="balance_mismatch", message="x")
    assert client.post(reverse("government:compliance-check")).status_code == 302
    alert = ComplianceAlert.objects.get(government=world.gov)
    listing = client.get(reverse("government:compliance"))
    assert [a.pk for a in listing.context["page"]] == [alert.pk]
    assert client.get(reverse("government:compliance") + "?rule=sme_count").context["page"].paginator.count == 0
    detail = reverse("government:compliance-alert", args=[alert.pk])
    assert client.get(detail).status_code == 200
    client.post(reverse("government:compliance-acknowledge", args=[alert.pk]), {"note": "收到"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    response = client.post(reverse("government:compliance-resolve", args=[alert.pk]), {"note": ""})
    assert response.status_code == 200 and response.context["resolve_form"].errors
    client.post(reverse("government:compliance-resolve", args=[alert.pk]), {"note": "已更正"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert "已更正" in client.get(detail).content.decode()
    assert client.get(reverse("government:compliance") + "?status=resolved").context["page"].paginator.count == 1


def test_settings_page_saves_caps_and_thresholds_and_refuses_bad_input(world, client_for):
    from lending.models import PrivateLendingCaps

    client = client_for("government")
    url = reverse("government:compliance-settings")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"form": "caps", "per_firm": "abc", "per_natural_person": "1", "per_lender": "1"})
    assert bad.status_code == 200 and not PrivateLendingCaps.objects.exists()
    client.post(url, {"form": "caps", "per_firm": "900000", "per_natural_person": "150000", "per_lender": "300000"})
    assert PrivateLendingCaps.objects.get(government=world.gov).per_firm == Decimal("900000")
    client.post(url, {"form": "thresholds", "borrower_share": "0.2", "industry_share": "0.7",
                      "negative_reports_count": "5", "negative_reports_days": "14"})
    assert world.gov.compliance_settings.negative_reports_count == 5
    bad = client.post(url, {"form": "thresholds", "borrower_share": "2", "industry_share": "0.7",
                            "negative_reports_count": "5", "negative_reports_days": "14"})
    assert bad.status_code == 200 and bad.context["thresholds_form"].errors


def test_another_regions_government_sees_nothing_of_this_region(world, client_for):
    _book(world)
    LedgerAlert.objects.create(kind="balance_mismatch", message="x")
    compliance_check(government=world.gov)
    alert = ComplianceAlert.objects.get(government=world.gov, rule="ledger")
    other_gov = AgentFactory(kind=AgentKind.GOVERNMENT, region_code="330100", region="杭州市", industry_code="",
                             size_class="")
    user = MembershipFactory(agent=other_gov, role=Role.GOV_SUPERVISOR, user=UserFactory()).user
    client = client_for(None)
    client.force_login(user)
    for name in ("government:compliance-alert", "government:compliance-acknowledge",
                 "government:compliance-resolve", "government:compliance-assign"):
        response = (client.get if name.endswith("alert") else client.post)(reverse(name, args=[alert.pk]),
                                                                           {"note": "x"})
        assert response.status_code == 404, name
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    drill = client.get(reverse("government:oversight-loans"))
    assert drill.context["page"].paginator.count == 0
    d = client.get(reverse("government:portal")).context["d"]
    assert d.total.count == 0 and d.private.loans == 0
    for pk in Loan.objects.values_list("pk", flat=True):
        assert client.get(reverse("government:oversight-loans") + f"?borrower={world.firm.pk}").context[
            "page"].paginator.count == 0
        assert client.get(reverse("lending:loan-detail", args=[pk])).status_code == 404
