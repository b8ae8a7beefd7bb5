"""Periodic jobs of the finance company (thin: they call a service)."""

from celery import shared_task
from django.utils import timezone

from . import disclosure


@shared_task(name="clusterfinance.tasks.disclosure_run")
def disclosure_run() -> dict:
    """Every morning: continuous disclosure, and the monthly platform disclosure when due."""
    result = disclosure.disclosure_run(today=timezone.localdate())
    return {"records": result["records"], "monthly": len(result["monthly"])}
