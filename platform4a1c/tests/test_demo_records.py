"""The demo's records step and the sample files shipped in docs/samples/."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from infocenter.choices import ImportStatus
from infocenter.imports.services import import_job_create, import_job_run
from infocenter.models import FirmRecord, ImportJob
from platform4a1c.demo import records, registry

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
def demo_world():
    world: dict = {}
    registry.seed(world, StringIO())
    return world


def test_the_demo_imports_eight_quarters_of_three_kinds_through_completed_jobs(demo_world):
    records.seed(demo_world, StringIO())
    jobs = ImportJob.objects.all()
    assert sorted(jobs.values_list("status", flat=True)) == [ImportStatus.SUCCEEDED] * 3
    assert {j.file_format for j in jobs} == {"csv", "xlsx"}
    assert FirmRecord.objects.count() == len(demo_world["firms"]) * 8 * 3
    records.seed(demo_world, StringIO())  # idempotent
    assert ImportJob.objects.count() == 3


def _import(world, name):
    gov, user = world["government"], world["users"]["gov_supervisor"]
    content = (SAMPLES / name).read_bytes()
    job = import_job_create(user=user, agent=gov, kind="statement", file=SimpleUploadedFile(name, content))
    with translation.override("en"):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_the_sample_files_import_into_the_demo(demo_world):
    job = _import(demo_world, "statements-sample.csv")
    assert job.status == ImportStatus.SUCCEEDED and job.encoding == "utf-8-sig"
    assert job.created_rows == 24
    broken = _import(demo_world, "statements-with-errors.csv")
    assert broken.status == ImportStatus.FAILED and broken.encoding == "gb18030"
    assert [e["row"] for e in broken.error_preview] == [7, 8, 9, 10]
    assert FirmRecord.objects.count() == 24
