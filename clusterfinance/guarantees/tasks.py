"""The guarantee fund's nightly job (thin: it calls the service; idempotent, one claim per guarantee)."""

from celery import shared_task
from django.utils import timezone

from .services import guarantee_claims_raise


@shared_task(name="clusterfinance.guarantees.tasks.guarantee_claims_nightly", acks_late=True)
def guarantee_claims_nightly() -> dict:
    """After the delinquency run: claims for guaranteed loans past the fund's claim days."""
    return guarantee_claims_raise(on=timezone.localdate())
