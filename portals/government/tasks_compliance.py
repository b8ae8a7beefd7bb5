"""The compliance monitor on beat (settings ``CELERY_BEAT_SCHEDULE``: nightly, after the
delinquency run and the ledger check). Imported from ``GovernmentConfig.ready()`` so workers
know the task."""

from celery import shared_task


@shared_task(name="portals.government.tasks_compliance.compliance_check_all")
def compliance_check_all() -> dict:
    from .services_compliance import compliance_check_all as run

    return {str(pk): vars(result) for pk, result in run().items()}
