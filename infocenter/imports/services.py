"""Writes of the import pipeline: create a job from an uploaded file, map its columns, run it
all-or-nothing, and save single records (the API)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents.models import Agent, Membership

from ..choices import ImportStatus, RecordKind, RecordSource
from ..event_kinds import RECORD_IMPORTED, RECORD_SAVED
from ..exports import BOM, escape_cell
from ..models import FirmRecord, ImportJob
from ..models.records import FIELDS_BY_KIND, REQUIRED_FIELDS, SIGNED_FIELDS
from . import readers
from .columns import fields_for
from .rows import FirmDirectory, ParsedRow, RowError, RowParser, analyse_headers, check_mapping, missing_message

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 500_000
BATCH = 2000
PREVIEW_ERRORS = 50
IMPORTER_KINDS = ("government", "finance_company")


# --- who may import --------------------------------------------------------------------------
def importer_memberships(user):
    return (Membership.objects.filter(user=user, is_active=True, agent__status="active", agent__kind__in=IMPORTER_KINDS)
            .select_related("agent").order_by("created_at", "pk"))


def kinds_for(agent: Agent) -> list[str]:
    """Government: all three kinds; the finance company: its members' statements."""
    if agent.kind == "government":
        return list(RecordKind.values)
    if agent.kind == "finance_company":
        return [RecordKind.STATEMENT]
    return []


def check_may_supply(*, user, agent: Agent, kind: str) -> None:
    if not Membership.objects.filter(user=user, agent=agent, is_active=True, agent__status="active").exists():
        raise PermissionDenied(_("You do not act for this agent."))
    if kind not in kinds_for(agent):
        raise PermissionDenied(_("Your agent does not supply this kind of record."))


# --- creating a job --------------------------------------------------------------------------
@transaction.atomic
def import_job_create(*, user, agent: Agent, kind: str, file, source_name: str = "",
                      allow_mapping: bool = True) -> ImportJob:
    """Check the file's format, encoding and header row and store it. Returns a job waiting
    for its column mapping (unknown or missing columns) or queued; a broken file raises
    ``ValidationError`` and nothing is stored. Without ``allow_mapping`` (the API: no person to
    match columns) unknown column names are an error too."""
    check_may_supply(user=user, agent=agent, kind=kind)
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than %(mb)s MB; split it into smaller files."),
                              code="too_large", params={"mb": MAX_FILE_BYTES // (1024 * 1024)})
    info = readers.detect(file, getattr(file, "name", ""))
    headers, total = readers.read_headers(file, info)
    analysis = analyse_headers(headers, kind)
    if total > MAX_ROWS:
        raise ValidationError(_("The file has about %(n)s rows; at most %(max)s rows are imported at once."),
                              code="too_many_rows", params={"n": total, "max": MAX_ROWS})
    file.seek(0)
    job = ImportJob(
        agent=agent, created_by=user, kind=kind, original_name=(getattr(file, "name", "") or "upload")[-255:],
        file_format=info.file_format, encoding=info.encoding, source_name=source_name, headers=headers,
        column_mapping=analysis.mapping, total_rows=total, language=translation.get_language() or "",
        status=ImportStatus.QUEUED if analysis.complete else ImportStatus.MAPPING,
    )
    if not analysis.complete and analysis.missing and not analysis.unknown:
        # Nothing left to map: the file lacks a required column.
        raise ValidationError(missing_message(analysis.missing), code="missing_columns")
    if not analysis.complete and not allow_mapping:
        problems = []
        if analysis.unknown:
            problems.append(_("Unknown column names: %(names)s. Use the column names of the documentation (or "
                              "import the file on the web page, where columns can be matched).") % {
                "names": "、".join(f"“{headers[i]}”" for i in analysis.unknown)})
        if analysis.missing:
            problems.append(missing_message(analysis.missing))
        raise ValidationError(" ".join(problems), code="unknown_columns")
    job.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{agent.pk}.{info.file_format}", file, save=False)
    job.full_clean(exclude=["file"])
    job.save()
    return job


@transaction.atomic
def import_job_map(*, job: ImportJob, user, mapping: dict[str, str]) -> ImportJob:
    """Save the column mapping a user chose for unknown headers and queue the job."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    check_may_supply(user=user, agent=job.agent, kind=job.kind)
    if job.status != ImportStatus.MAPPING:
        raise ValidationError(_("This import is no longer waiting for its column mapping."), code="state")
    allowed = set(fields_for(job.kind))
    clean = {}
    for index in range(len(job.headers)):
        target = mapping.get(str(index), "") or ""
        if target and target not in allowed:
            raise ValidationError(_("Unknown field “%(field)s”."), code="field", params={"field": target})
        clean[str(index)] = target
    missing = check_mapping(job.headers, clean, job.kind)
    if missing:
        raise ValidationError(missing_message(missing), code="missing_columns")
    job.column_mapping = clean
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["column_mapping", "status"])
    return job


def import_job_enqueue(job: ImportJob) -> None:
    """Hand the job to a Celery worker. Call it after the job was committed (outside
    ``transaction.atomic``); with eager Celery (tests) the job runs right here."""
    from .tasks import import_job_run_task

    import_job_run_task.delay(job.pk)


# --- running a job ---------------------------------------------------------------------------
def _set(job: ImportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _parse_all(job: ImportJob, parser: RowParser, fileobj, *, progress: bool) -> Iterable[list[ParsedRow]]:
    """Parse the file chunk by chunk; yields the good rows of each chunk and records errors on
    ``parser.errors``."""
    info = readers.FileInfo(job.file_format, job.encoding)
    processed = 0
    for _start, rows in readers.iter_chunks(fileobj, info, len(job.headers)):
        good = []
        for offset, cells in enumerate(rows):
            result = parser.parse(_start + offset, cells)
            if result is None:
                continue
            if isinstance(result, list):
                parser.errors.extend(result)
            else:
                good.append(result)
        processed += len(rows)
        if processed > MAX_ROWS:
            raise ValidationError(_("The file has more than %(max)s rows; split it."), code="too_many_rows",
                                  params={"max": MAX_ROWS})
        if progress:
            _set(job, processed_rows=processed, total_rows=max(job.total_rows, processed))
        yield good


def _write_error_report(job: ImportJob, errors: list[RowError]) -> None:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Error")])
    for e in errors:
        writer.writerow([e.row, escape_cell(e.column), escape_cell(e.value), escape_cell(e.message)])
    job.error_report.save(f"import-{job.pk}-errors.csv", ContentFile(buffer.getvalue().encode("utf-8")), save=False)


def _fail(job: ImportJob, message: str, errors: list[RowError]) -> None:
    if errors:
        _write_error_report(job, errors)
    preview = [e.__dict__ for e in errors[:PREVIEW_ERRORS]]
    _set(job, status=ImportStatus.FAILED, message=message, error_count=len(errors), error_preview=preview,
         error_report=job.error_report.name or "", finished_at=timezone.now())


def _save_chunk(job: ImportJob, rows: list[ParsedRow], now) -> tuple[int, int]:
    """One multi-row INSERT … ON CONFLICT (firm, period, kind) DO UPDATE per batch: new records
    are created, existing ones get the file's figures (the source's correction) and keep their
    id and creation time. Returns (created, replaced)."""
    if not rows:
        return 0, 0
    figures = FIELDS_BY_KIND[RecordKind(job.kind)]
    existing = set(FirmRecord.objects.filter(
        kind=job.kind, agent_id__in={r.agent_id for r in rows}, period__in={r.period.label for r in rows},
    ).values_list("agent_id", "period"))
    records = [
        FirmRecord(
            agent_id=r.agent_id, kind=job.kind, period=r.period.label, period_type=r.period.type,
            period_start=r.period.start, period_end=r.period.end, source=RecordSource.IMPORT,
            source_name=job.source_name, supplied_by_id=job.agent_id, import_job_id=job.pk,
            created_by_id=job.created_by_id, created_at=now, updated_at=now,
            **{name: r.figures.get(name) for name in figures},
        )
        for r in rows
    ]
    FirmRecord.objects.bulk_create(
        records, batch_size=BATCH, update_conflicts=True, unique_fields=["agent", "period", "kind"],
        update_fields=[*figures, "period_type", "period_start", "period_end", "source", "source_name",
                       "supplied_by", "import_job", "created_by", "updated_at"])
    replaced = sum(1 for r in rows if (r.agent_id, r.period.label) in existing)
    return len(rows) - replaced, replaced


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job: check every row first (progress visible to the polling page), then
    save everything in one transaction. Any error → nothing is saved and the job carries an
    error report. Safe to run again (a redelivered task): a finished job is left alone."""
    job = ImportJob.objects.select_related("agent", "created_by").get(pk=job_id)
    if job.is_finished or job.status == ImportStatus.MAPPING:
        return job
    with translation.override(job.language or None):
        try:
            return _run(job)
        except ValidationError as exc:
            _fail(job, " ".join(exc.messages), [])
        except Exception:
            logger.exception("import job %s crashed", job.pk)
            _fail(job, _("The import stopped because of an unexpected error; nothing was saved. Please try "
                         "again or contact the platform."), [])
    return job


def _run(job: ImportJob) -> ImportJob:
    _set(job, status=ImportStatus.VALIDATING, started_at=timezone.now(), processed_rows=0, message="",
         error_count=0, error_preview=[])
    directory = FirmDirectory(agent=job.agent, kind=job.kind)

    def new_parser():
        parser = RowParser(headers=job.headers, mapping=job.column_mapping, kind=job.kind, directory=directory)
        parser.errors = []
        return parser

    # Pass 1: check every row; nothing is written but the progress counter.
    parser = new_parser()
    with job.file.open("rb") as fileobj:
        count = sum(len(chunk) for chunk in _parse_all(job, parser, fileobj, progress=True))
    if parser.errors:
        rows_with_errors = len({e.row for e in parser.errors})
        _fail(job, _("%(rows)s rows have errors; nothing was imported. Download the error report, correct the "
                     "file and upload it again.") % {"rows": rows_with_errors}, parser.errors)
        return job
    if count == 0:
        _fail(job, _("The file has no data rows; nothing was imported."), [])
        return job

    # Pass 2: all rows are good: save them in one transaction (all-or-nothing).
    _set(job, status=ImportStatus.SAVING, total_rows=job.processed_rows)
    parser = new_parser()
    created = updated = 0
    now = timezone.now()
    try:
        with transaction.atomic(), job.file.open("rb") as fileobj:
            for chunk in _parse_all(job, parser, fileobj, progress=False):
                if parser.errors:  # the data changed between the passes (a firm left): roll back
                    raise ValidationError(_("Some rows became invalid while saving; nothing was imported."))
                c, u = _save_chunk(job, chunk, now)
                created, updated = created + c, updated + u
            if parser.errors:
                raise ValidationError(_("Some rows became invalid while saving; nothing was imported."))
            _emit_imported(job, created=created, updated=updated)
            _set(job, status=ImportStatus.SUCCEEDED, created_rows=created, updated_rows=updated,
                 finished_at=timezone.now(),
                 message=_("%(created)s records created, %(updated)s replaced.") % {
                     "created": created, "updated": updated})
    except IntegrityError:
        logger.warning("import job %s hit a concurrent write", job.pk, exc_info=True)
        job.refresh_from_db()
        _fail(job, _("Another import or API call wrote the same records at the same time; nothing was "
                     "imported. Upload the file again."), [])
    return job


def _emit_imported(job: ImportJob, *, created: int, updated: int) -> None:
    """Tell the centre's feedback loop (outbox) that a batch of records arrived."""
    emit = _event_emit()
    if emit is None:
        return
    firm_ids = sorted(set(FirmRecord.objects.filter(import_job=job).values_list("agent_id", flat=True)))
    emit(kind=RECORD_IMPORTED, subject_agent=None, actor=job.created_by, actor_agent=job.agent,
         agent_ids=firm_ids,
         payload={"import_job": job.pk, "record_kind": job.kind, "created": created, "updated": updated})


def _event_emit():
    try:
        from ..services import event_emit  # the outbox (the feedback loop)
    except ImportError:
        return None
    return event_emit


# --- single records (the API) ----------------------------------------------------------------
@transaction.atomic
def firm_record_save(*, user, agent: Agent, kind: str, credit_code, period, figures: dict,
                     source_name: str = "", source: str = RecordSource.API) -> tuple[FirmRecord, bool]:
    """Create or replace (same firm, period and kind) one record with the same rules as an
    import row. Returns (record, created). Errors are a ``ValidationError`` per field."""
    from .values import parse_count, parse_credit_code, parse_figure, parse_period

    if kind not in RecordKind.values:
        raise ValidationError({"kind": _("Unknown kind of record.")})
    check_may_supply(user=user, agent=agent, kind=kind)
    errors: dict[str, list[str]] = {}
    agent_id = period_value = None
    try:
        code = parse_credit_code(credit_code)
        agent_id = FirmDirectory(agent=agent, kind=kind).resolve(code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    try:
        period_value = parse_period(period)
    except ValidationError as exc:
        errors["period"] = exc.messages
    allowed = FIELDS_BY_KIND[RecordKind(kind)]
    parsed = {}
    for name, raw in figures.items():
        if name not in allowed:
            if raw not in (None, ""):
                errors[name] = [_("This figure does not belong to a record of this kind.")]
            continue
        try:
            parsed[name] = parse_count(raw) if name == "insured_headcount" else parse_figure(
                raw, signed=name in SIGNED_FIELDS)
        except ValidationError as exc:
            errors[name] = exc.messages
    for name in REQUIRED_FIELDS[RecordKind(kind)]:
        if parsed.get(name) is None and name not in errors:
            errors[name] = [_("This figure is required for a record of this kind.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    record = (FirmRecord.objects.select_for_update()
              .filter(agent_id=agent_id, kind=kind, period=period_value.label).first())
    created = record is None
    if created:
        record = FirmRecord(agent_id=agent_id, kind=kind, period=period_value.label, created_at=now)
    record.period_type, record.period_start, record.period_end = period_value.type, period_value.start, period_value.end
    for name in allowed:
        setattr(record, name, parsed.get(name))
    record.source, record.source_name, record.supplied_by = source, source_name, agent
    record.created_by, record.updated_at, record.import_job = user, now, None
    record.full_clean(validate_constraints=False)
    record.save()
    emit = _event_emit()
    if emit is not None:
        emit(kind=RECORD_SAVED, subject_agent=record.agent, actor=user, actor_agent=agent,
             payload={"record": record.pk, "record_kind": kind, "period": record.period, "created": created})
    return record, created


# --- who looked at my data -------------------------------------------------------------------
def records_access_log(*, user, firm_regions: dict[int, str], page: str = "") -> int:
    """One access-log row per firm whose records ``user`` just read (a page, an export or an
    API list) when it is not the user's own firm, with the basis of the access. The firm sees
    them on its "who looked at my data" page. A fixed number of queries whatever the rows."""
    from agents.restrict import region_prefix, viewer_for

    from ..choices import AccessBasis
    from ..models import AccessLog
    from ..rules import finance_company_members, held_consents

    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    viewer = viewer_for(user)
    firms = {pk: region for pk, region in firm_regions.items() if pk not in viewer.agent_ids}
    if not firms:
        return 0
    governments = list(Agent.objects.filter(pk__in=viewer.ids_of("government")).only("pk", "region_code"))
    fc_ids = viewer.ids_of("finance_company")
    fc_members = set(finance_company_members(fc_ids).values_list("pk", flat=True)) if fc_ids else set()
    consents = {}
    if viewer.ids_of("institution") or viewer.ids_of("investor"):
        for consent in held_consents(viewer).filter(grantor_id__in=list(firms)):
            consents.setdefault(consent.grantor_id, consent)
    now = timezone.now()
    rows = []
    for firm_id, region in firms.items():
        basis, agent_id, consent = AccessBasis.ADMIN, None, None
        gov = next((g for g in governments if (region or "").startswith(region_prefix(g.region_code))), None)
        if gov is not None:
            basis, agent_id = AccessBasis.GOVERNMENT, gov.pk
        elif firm_id in fc_members:
            basis, agent_id = AccessBasis.FINANCE_COMPANY, fc_ids[0]
        elif firm_id in consents:
            consent = consents[firm_id]
            basis, agent_id = AccessBasis.CONSENT, consent.grantee_id
        rows.append(AccessLog(at=now, user=user, viewer_agent_id=agent_id, subject_id=firm_id, basis=basis,
                              consent=consent, page=page[:200]))
    AccessLog.objects.bulk_create(rows)
    return len(rows)
