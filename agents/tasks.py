"""Periodic jobs of the registry (thin: they call a service)."""

from celery import shared_task

from . import services


@shared_task(name="agents.tasks.invitations_expire")
def invitations_expire() -> int:
    return services.invitations_expire()
