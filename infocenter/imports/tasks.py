"""Celery entry point of imports: thin, takes an id, idempotent (a finished job is left alone)."""

from celery import shared_task


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def import_job_run_task(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id=job_id)
