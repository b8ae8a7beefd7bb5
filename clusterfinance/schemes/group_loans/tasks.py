"""The nightly joint-liability run (thin: it calls the service; idempotent)."""

from celery import shared_task
from django.utils import timezone

from .services import calls_run


@shared_task(name="clusterfinance.schemes.group_loans.tasks.joint_liability_calls_nightly", acks_late=True)
def joint_liability_calls_nightly() -> dict:
    """After the nightly delinquency run: the co-members called for instalments past the call
    days, calls released when the borrower paid, the holds on new money refreshed."""
    return calls_run(today=timezone.localdate())
