"""The nightly run of the reward and penalty rules (thin: it calls the service; idempotent)."""

from celery import shared_task
from django.utils import timezone

from .services import sanctions_run


@shared_task(name="clusterfinance.sanctions.tasks.sanctions_apply_nightly", acks_late=True)
def sanctions_apply_nightly() -> dict:
    """After the nightly delinquency run has set the days past due: every finance company's
    active rules applied to its members."""
    return sanctions_run(today=timezone.localdate())
