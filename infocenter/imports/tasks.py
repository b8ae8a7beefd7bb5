"""Celery entry point of imports: thin, takes an id, idempotent (a finished job is left alone)."""

from celery import shared_task


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def import_job_run_task(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id=job_id)


@shared_task(acks_late=True)
def idempotency_keys_purge() -> int:
    """Forget stored API answers after 30 days (a retry comes within minutes, not months)."""
    from datetime import timedelta

    from django.utils import timezone

    from ..models import IdempotencyKey

    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - timedelta(days=30)).delete()
    return deleted
