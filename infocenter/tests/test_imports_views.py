"""The import pages as a user meets them: upload, mapping, live progress, error report, and
the record lists with their exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from infocenter.choices import ImportStatus
from infocenter.models import FirmRecord, ImportJob

from .bulk_helpers import csv_bytes, statement_rows, upload

pytestmark = pytest.mark.django_db


def post_file(client, content, name="s.csv", kind="statement"):
    return client.post(reverse("infocenter:import-create"), {"kind": kind, "file": upload(content, name),
                                                              "source_name": "金税三期"})


def test_government_uploads_and_sees_the_finished_job(world, client_for):
    client = client_for("government")
    response = post_file(client, csv_bytes(statement_rows([world.firm, world.other_firm]), encoding="gbk"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("infocenter:import-detail", args=[job.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert 'data-status="succeeded"' in page.content.decode()
    assert FirmRecord.objects.filter(source_name="金税三期").count() == 4
    # the finished fragment stops the htmx polling
    fragment = client.get(reverse("infocenter:import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in fragment.content.decode()
    assert fragment["HX-Trigger"] == "import-finished"


def test_a_running_job_polls_its_progress(world, client_for):
    from infocenter.imports.services import import_job_create

    job = import_job_create(user=world.users["government"], agent=world.gov, kind="statement",
                            file=upload(csv_bytes(statement_rows([world.firm]))))
    html = client_for("government").get(reverse("infocenter:import-detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert reverse("infocenter:import-progress", args=[job.pk]) in html


def test_a_broken_file_shows_the_reason_on_the_form_and_stores_nothing(world, client_for):
    client = client_for("government")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_file(client, b"a,b,a\r\n1,2,3\r\n")
    assert response.status_code == 200
    assert "appears twice" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_mapping_step_then_the_import(world, client_for):
    client = client_for("government")
    rows = [["统一社会信用代码", "期间", "销售额", "纯利润"], [world.firm.credit_code, "2026Q1", "100", "10"]]
    response = post_file(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert response.url == reverse("infocenter:import-mapping", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "销售额" in page and 'name="col_2"' in page
    # mapping only the code and period: the required figures are still missing
    bad = client.post(response.url, {"col_0": "credit_code", "col_1": "period"})
    assert bad.status_code == 200 and ImportJob.objects.get().status == ImportStatus.MAPPING
    done = client.post(response.url, {"col_0": "credit_code", "col_1": "period", "col_2": "revenue",
                                      "col_3": "net_profit"})
    assert done.status_code == 302
    assert FirmRecord.objects.get().revenue == Decimal("100.00")


def test_the_error_report_downloads_as_csv_with_bom(world, client_for):
    client = client_for("government")
    rows = statement_rows([world.firm])
    rows[1][2] = "2026-02-30"
    post_file(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    response = client.get(reverse("infocenter:import-errors", args=[job.pk]))
    body = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")
    report = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert report[1][0] == "2" and "2026-02-30" in report[1][2]
    # the finance company may not read the government's job
    assert client_for("finance").get(reverse("infocenter:import-errors", args=[job.pk])).status_code == 404


def test_the_template_has_the_chinese_headers(world, client_for):
    response = client_for("government").get(reverse("infocenter:import-template") + "?kind=tax")
    assert response.content.decode("utf-8-sig").startswith("统一社会信用代码,企业名称,期间,实缴税额,欠税额")


def _records(world, n=3, start=0):
    from datetime import date

    for firm in (world.firm, world.other_firm):
        for i in range(start, start + n):
            FirmRecord.objects.create(
                agent=firm, kind="statement", period=f"{2020 + i}", period_type="year",
                period_start=date(2020 + i, 1, 1), period_end=date(2020 + i, 12, 31), revenue=Decimal("1000.10"),
                net_profit=Decimal("-5.00"), source="import", supplied_by=world.gov, source_name="=cmd|' /C calc'!A0")


@pytest.mark.parametrize("role,visible", [("enterprise", 3), ("finance", 6), ("government", 6),
                                          ("institution", 0), ("investor", 0)])
def test_the_record_list_shows_what_each_role_may_see(world, client_for, role, visible):
    _records(world)
    response = client_for(role).get(reverse("infocenter:record-list"))
    assert len(response.context["records"]) == visible


def test_the_record_list_has_bounded_queries(world, client_for, django_assert_max_num_queries):
    client = client_for("government")
    _records(world, n=2)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("infocenter:record-list"))
    _records(world, n=20, start=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("infocenter:record-list"))


def test_csv_export_has_a_bom_escapes_formulas_and_keeps_numbers(world, client_for):
    _records(world)
    response = client_for("enterprise").get(reverse("infocenter:record-list") + "?export=csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3  # only the user's own firm
    header = rows[0]
    source = rows[1][header.index("Source system")] if "Source system" in header else rows[1][-2]
    assert source.startswith("'=cmd")
    assert "-5.00" in rows[1]  # a negative number is a number, not escaped


def test_xlsx_export_opens_with_openpyxl(world, client_for):
    _records(world)
    response = client_for("government").get(reverse("infocenter:firm-records", args=[world.firm.pk]) + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][0] == world.firm.name
    assert Decimal(str(rows[1][4])) == Decimal("1000.10")
    assert any(isinstance(v, str) and v.startswith("'=cmd") for v in rows[1])
    assert sheet.cell(row=2, column=5).data_type == "n"


def test_export_respects_the_filters(world, client_for):
    _records(world)
    response = client_for("government").get(reverse("infocenter:record-list") + "?period=2021&export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3


def test_consent_opens_a_firms_records_to_a_bank_and_every_view_is_logged(world, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from infocenter.models import AccessLog
    from infocenter.services import consent_grant, consent_revoke

    _records(world)
    bank = client_for("institution")
    assert len(bank.get(reverse("infocenter:record-list")).context["records"]) == 0
    consent = consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                            valid_until=timezone.localdate() + timedelta(days=30),
                            categories=["financial_statements"])
    bank = client_for("institution")
    records = bank.get(reverse("infocenter:record-list")).context["records"]
    assert {r.agent_id for r in records} == {world.firm.pk} and len(records) == 3
    log = AccessLog.objects.get(subject=world.firm)
    assert (log.basis, log.viewer_agent_id, log.consent_id) == ("consent", world.bank.pk, consent.pk)
    consent_revoke(consent=consent, revoked_by=world.users["enterprise"])
    bank = client_for("institution")
    assert len(bank.get(reverse("infocenter:record-list")).context["records"]) == 0


def test_a_consent_for_other_categories_does_not_open_statements(world, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from infocenter.services import consent_grant

    _records(world)
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=timezone.localdate() + timedelta(days=30), categories=["tax_paid"])
    assert len(client_for("institution").get(reverse("infocenter:record-list")).context["records"]) == 0


def test_the_government_reading_a_firms_records_is_logged_once_per_firm(world, client_for):
    from infocenter.models import AccessLog

    _records(world)
    client_for("government").get(reverse("infocenter:record-list"))
    assert sorted(AccessLog.objects.values_list("subject_id", "basis")) == sorted(
        [(world.firm.pk, "government"), (world.other_firm.pk, "government")])
    client_for("enterprise").get(reverse("infocenter:record-list"))  # its own: not logged
    assert AccessLog.objects.count() == 2
