"""Periodic jobs of lending (thin: they call a service; idempotent)."""

from celery import shared_task

from .ledger.checks import ledger_check_run
from .services import delinquency_run


@shared_task(name="lending.tasks.delinquency_nightly", acks_late=True)
def delinquency_nightly(as_of: str | None = None) -> dict:
    """Mark overdue instalments, accrue penalty interest, update days past due, buckets and classes."""
    report = delinquency_run(as_of=as_of)
    return {"as_of": report.as_of.isoformat(), "moves": report.moves, "reclassified": report.reclassified,
            "seconds": {name: round(s, 3) for name, s in report.seconds.items()}}


@shared_task(name="lending.tasks.ledger_check", acks_late=True)
def ledger_check() -> bool:
    """Reconcile the ledger; failures are logged and recorded as ledger alerts."""
    return ledger_check_run().ok
