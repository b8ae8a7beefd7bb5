"""Imports of firm records: formats, encodings, headers, per-row validation, all-or-nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from infocenter.choices import ImportStatus, RecordKind
from infocenter.imports.services import import_job_create, import_job_map, import_job_run
from infocenter.models import FirmRecord, ImportJob

from .bulk_helpers import STATEMENT_HEADERS, csv_bytes, statement_rows, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(world, content: bytes, name="statements.csv", kind=RecordKind.STATEMENT, role="government"):
    agent = world.gov if role == "government" else world.finance_company
    job = import_job_create(user=world.users[role], agent=agent, kind=kind, file=upload(content, name))
    if job.status == ImportStatus.QUEUED:
        job = import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_a_utf8_csv_imports_every_row_with_exact_decimals(world):
    job = run(world, csv_bytes(statement_rows([world.firm, world.other_firm])))
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.created_rows, job.updated_rows, job.error_count) == (4, 0, 0)
    record = FirmRecord.objects.get(agent=world.firm, period="2026Q1", kind=RecordKind.STATEMENT)
    assert record.revenue == Decimal("1234567.89")
    assert record.net_profit == Decimal("-1200.50")
    assert record.period_start.isoformat() == "2026-01-01" and record.period_end.isoformat() == "2026-03-31"
    assert record.supplied_by == world.gov and record.import_job == job


@pytest.mark.parametrize("encoding,bom", [("utf-8", True), ("gbk", False), ("gb18030", False)])
def test_bom_and_gbk_files_read_the_chinese_headers(world, encoding, bom):
    job = run(world, csv_bytes(statement_rows([world.firm]), encoding=encoding, bom=bom))
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert job.encoding in ("utf-8-sig", "gb18030")
    assert FirmRecord.objects.filter(agent=world.firm).count() == 2


def test_wrong_encoding_is_refused_before_anything_is_stored(world):
    with pytest.raises(ValidationError, match="UTF-16"):
        run(world, "统一社会信用代码,期间\r\n".encode("utf-16"))
    with pytest.raises(ValidationError, match="neither UTF-8 nor GBK"):
        run(world, b"credit_code,period,revenue,net_profit\r\n\xff\xfe\xfa,2026Q1,1,1\r\n")
    assert not ImportJob.objects.exists()


def test_an_xlsx_file_imports(world):
    rows = statement_rows([world.firm])
    rows[1][3] = 1234.56  # a real number cell
    job = run(world, xlsx_bytes(rows), name="s.xlsx")
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert FirmRecord.objects.get(agent=world.firm, period="2026Q1").revenue == Decimal("1234.56")


def test_duplicate_headers_are_refused_with_the_columns_named(world):
    rows = [STATEMENT_HEADERS + ["营业收入"], [world.firm.credit_code, "x", "2026Q1", "1", "1", "1", "1", "1"]]
    with pytest.raises(ValidationError) as exc:
        run(world, csv_bytes(rows))
    assert "appears twice (columns D and H)" in str(exc.value)
    rows = [["credit_code", "period", "revenue", "营业收入", "net_profit"]]
    with pytest.raises(ValidationError, match="both hold"):
        run(world, csv_bytes(rows))


def test_a_missing_required_column_is_refused(world):
    rows = [["统一社会信用代码", "期间", "营业收入"], [world.firm.credit_code, "2026Q1", "1"]]
    with pytest.raises(ValidationError, match="Required columns are missing: “Net profit”"):
        run(world, csv_bytes(rows))


def test_unknown_headers_wait_for_a_mapping(world):
    rows = [["统一社会信用代码", "期间", "销售额（万元）", "纯利", "备注"],
            [world.firm.credit_code, "2026-03", "12.5", "3", "ok"]]
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.MAPPING
    with pytest.raises(ValidationError, match="Required columns are missing"):
        import_job_map(job=job, user=world.users["government"], mapping={"0": "credit_code", "1": "period"})
    job = import_job_map(job=job, user=world.users["government"],
                         mapping={"0": "credit_code", "1": "period", "2": "revenue", "3": "net_profit", "4": ""})
    import_job_run(job_id=job.pk)
    record = FirmRecord.objects.get(agent=world.firm)
    assert record.revenue == Decimal("125000.00")  # 万元 in the header
    assert record.period == "2026-03"


BAD_CELLS = [
    ("credit_code", "91330784MA2ABCDE1X", "check character"),
    ("credit_code", "123", "18 characters"),
    ("period", "2026-02-30", "that month has 28 days"),
    ("period", "2026-13", "no month 13"),
    ("period", "2099Q1", "has not started"),
    ("period", "spring", "not a period"),
    ("revenue", "=SUM(A1:A2)", "Formulas are not accepted"),
    ("revenue", "12.345", "at most two decimals"),
    ("revenue", "-5", "cannot be negative"),
    ("revenue", "1e400", "too large"),
    ("revenue", "NaN", "not an amount"),
    ("net_profit", "", "required"),
]


@pytest.mark.parametrize("column,value,message", BAD_CELLS)
def test_a_bad_cell_fails_the_whole_file_and_nothing_changes(world, column, value, message):
    FirmRecord.objects.create(agent=world.firm, kind="statement", period="2026Q2", period_type="quarter",
                              period_start="2026-04-01", period_end="2026-06-30", revenue=Decimal("7.00"),
                              net_profit=Decimal("1.00"), source="api", supplied_by=world.gov)
    rows = statement_rows([world.firm, world.other_firm])
    index = {"credit_code": 0, "period": 2, "revenue": 3, "net_profit": 4}[column]
    rows[3][index] = value  # other_firm, 2026Q1
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.FAILED
    assert job.error_count >= 1
    assert message in " ".join(e["message"] for e in job.error_preview)
    assert job.error_preview[0]["row"] == 4
    assert FirmRecord.objects.count() == 1
    assert FirmRecord.objects.get().revenue == Decimal("7.00")
    report = job.error_report.open("rb").read().decode("utf-8")
    assert report.startswith("\ufeffRow,Column,Value,Error")
    assert message in report


def test_full_width_amounts_are_refused_as_in_every_form_and_nothing_is_saved(world):
    # One rule on every path (agents.money): the error shows the half-width number to retype.
    rows = statement_rows([world.firm], revenue="１，２３４．５０")
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.FAILED
    error = job.error_preview[0]
    assert error["column"] == "D 营业收入"
    assert "full-width" in error["message"] and "1,234.50" in error["message"]
    assert not FirmRecord.objects.exists()


@pytest.mark.parametrize(("parser", "raw", "meant"), [
    ("parse_count", "１２", "12"), ("parse_count", "1２", "12"), ("parse_figure", "１２３．４", "123.4"),
    ("parse_figure", "￥１２３", "123"),
])
def test_full_width_counts_and_figures_are_refused_with_the_number_meant(parser, raw, meant):
    from infocenter.imports import values

    with pytest.raises(ValidationError) as caught:
        getattr(values, parser)(raw)
    assert caught.value.code == "fullwidth"
    assert f"e.g. {meant}" in caught.value.messages[0]


def test_full_width_periods_and_half_width_thousands_separators_are_read(world):
    # A period is an identifier, not an amount: it is normalised (its own checks catch a misreading).
    rows = statement_rows([world.firm], periods=("２０２６Ｑ１",), revenue="1,234.50")
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.SUCCEEDED, job.error_preview
    record = FirmRecord.objects.get(agent=world.firm)
    assert (record.period, record.revenue) == ("2026Q1", Decimal("1234.50"))


def test_formula_cells_in_excel_are_refused(world):
    rows = statement_rows([world.firm])
    rows[1][3] = "=1+1"
    job = run(world, xlsx_bytes(rows), name="s.xlsx")
    assert job.status == ImportStatus.FAILED
    assert "Formulas are not accepted" in job.error_preview[0]["message"]
    assert job.error_preview[0]["column"] == "D 营业收入"
    assert job.percent == 100
    assert not FirmRecord.objects.exists()


def test_the_same_firm_and_period_twice_is_an_error(world):
    rows = statement_rows([world.firm], periods=("2026Q1", "2026Q1"))
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.FAILED
    assert "already appear in row 2" in job.error_preview[0]["message"]


def test_an_unknown_or_foreign_firm_is_an_error(world):
    from agents.tests.factories import AgentFactory
    from agents.validators import make_uscc

    far = AgentFactory(region_code="110101", region="北京市东城区")
    rows = statement_rows([world.firm])
    rows[1][0] = make_uscc(division="330784", serial=99_999_001)
    rows[2][0] = far.credit_code
    job = run(world, csv_bytes(rows))
    messages = [e["message"] for e in job.error_preview]
    assert "No firm with the credit code" in messages[0]
    assert "not among the firms your agent supplies" in messages[1]


def test_a_second_import_replaces_the_figures(world):
    run(world, csv_bytes(statement_rows([world.firm])))
    job = run(world, csv_bytes(statement_rows([world.firm], revenue="99.00")))
    assert (job.created_rows, job.updated_rows) == (0, 2)
    assert set(FirmRecord.objects.values_list("revenue", flat=True)) == {Decimal("99.00")}


def test_the_finance_company_imports_its_members_statements_only(world):
    job = run(world, csv_bytes(statement_rows([world.firm])), role="finance")
    assert job.status == ImportStatus.SUCCEEDED
    with pytest.raises(PermissionDenied):
        run(world, csv_bytes([["credit_code", "period", "tax_paid"]]), kind=RecordKind.TAX, role="finance")


def test_tax_and_social_insurance_records(world):
    tax = [["统一社会信用代码", "税款所属期", "实缴税额", "欠税额"], [world.firm.credit_code, "2026-05", "8800.00", "0"]]
    si = [["统一社会信用代码", "费款所属期", "参保人数", "实缴社保费"], [world.firm.credit_code, "2026年5月", "86", "51234.10"]]
    assert run(world, csv_bytes(tax), kind=RecordKind.TAX).status == ImportStatus.SUCCEEDED
    assert run(world, csv_bytes(si), kind=RecordKind.SOCIAL_INSURANCE).status == ImportStatus.SUCCEEDED
    record = FirmRecord.objects.get(kind=RecordKind.SOCIAL_INSURANCE)
    assert (record.insured_headcount, record.contributions_paid) == (86, Decimal("51234.10"))


def test_a_row_longer_than_the_header_is_reported_with_its_row(world):
    rows = statement_rows([world.firm])
    rows[2].append("extra")
    job = run(world, csv_bytes(rows))
    assert job.status == ImportStatus.FAILED
    assert "more cells than the header" in job.message
    assert not FirmRecord.objects.exists()


def _bulk_firms(n: int):
    from agents.models import Agent
    from agents.validators import make_uscc

    Agent.objects.bulk_create([
        Agent(kind="enterprise", name=f"批量企业{i}", region_code="330784", region="永康市",
              credit_code=make_uscc(division="330784", serial=60_000_000 + i), industry_code="C33", size_class="small")
        for i in range(n)])
    return list(Agent.objects.filter(name__startswith="批量企业").order_by("pk"))


def _months(n: int) -> list[str]:
    return [f"{2018 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def test_a_50000_row_file_imports_in_bulk(world, django_assert_max_num_queries):
    firms = _bulk_firms(500)
    lines = ["统一社会信用代码,期间,营业收入,净利润"]
    lines += [f"{f.credit_code},{m},{i}.25,-{i % 7}.10" for i, (f, m) in
              enumerate((f, m) for f in firms for m in _months(100))]
    content = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    job = import_job_create(user=world.users["government"], agent=world.gov, kind="statement", file=upload(content))
    # bulk: multi-row INSERTs, not one query per row (SQLite caps a statement at 999 parameters,
    # so ~45 rows per INSERT there; PostgreSQL takes 2,000 rows per INSERT)
    from django.db import connection

    with django_assert_max_num_queries(150 if connection.vendor == "postgresql" else 1500):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.total_rows, job.created_rows) == (50_000, 50_000)
    assert FirmRecord.objects.count() == 50_000
    assert FirmRecord.objects.get(agent=firms[1], period="2018-01").revenue == Decimal("100.25")


def test_one_bad_row_in_50000_leaves_nothing_behind(world):
    firms = _bulk_firms(500)
    lines = ["统一社会信用代码,期间,营业收入,净利润"]
    lines += [f"{f.credit_code},{m},1.00,1.00" for f in firms for m in _months(100)]
    lines[49_999] = lines[49_999].replace(",1.00,1.00", ",=HYPERLINK(\"x\"),1.00")
    job = run(world, ("\n".join(lines)).encode("gbk"))
    assert job.status == ImportStatus.FAILED
    assert job.error_count == 1 and job.error_preview[0]["row"] == 50_000
    assert not FirmRecord.objects.exists()


def test_a_job_whose_worker_died_runs_again_from_the_start(world):
    # acks_late + reject_on_worker_lost: Celery hands the task to another worker; the job was
    # left "checking" or "saving" (pass 2 is one transaction, so nothing half-saved remains).
    job = import_job_create(user=world.users["government"], agent=world.gov, kind="statement",
                            file=upload(csv_bytes(statement_rows([world.firm]))))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.SAVING, processed_rows=2)
    job = import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.created_rows == 2
    again = import_job_run(job_id=job.pk)  # a duplicate delivery changes nothing
    assert again.created_rows == 2 and FirmRecord.objects.count() == 2


def test_old_idempotency_keys_are_purged(world):
    from datetime import timedelta

    from django.utils import timezone

    from infocenter.imports.tasks import idempotency_keys_purge
    from infocenter.models import IdempotencyKey

    for days in (1, 31):
        IdempotencyKey.objects.create(agent=world.gov, key=f"k{days}", method="POST", path="/api/records/",
                                      request_hash="x", response_status=201,
                                      created_at=timezone.now() - timedelta(days=days))
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k1"]


def test_an_excel_date_cell_in_the_period_column_names_its_month(world):
    from datetime import datetime

    rows = statement_rows([world.firm], periods=("2026Q1",))
    rows[1][2] = datetime(2026, 3, 31)
    rows[1][3] = 1000  # an integer cell
    job = run(world, xlsx_bytes(rows), name="s.xlsx")
    assert job.status == ImportStatus.SUCCEEDED, job.error_preview
    record = FirmRecord.objects.get()
    assert (record.period, record.revenue) == ("2026-03", Decimal("1000.00"))


@pytest.mark.parametrize("content,message", [
    (b"", "The file is empty."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel 97"),
    (b"PK\x03\x04 not really a workbook", "cannot be opened"),
    (b"\r\n1,2,3\r\n", "must hold the column names"),
    (b"credit_code,period\x00,revenue\r\n", "binary data"),
])
def test_broken_files_are_refused_with_a_clear_message(world, content, message):
    with pytest.raises(ValidationError, match=message):
        run(world, content)
    assert not ImportJob.objects.exists()
