"""Periodic jobs of the registry (thin: they call a service)."""

from celery import shared_task

from . import services


@shared_task(name="agents.tasks.invitations_expire")
def invitations_expire() -> int:
    return services.invitations_expire()


@shared_task(name="agents.tasks.audit_chain_seal")
def audit_chain_seal_task() -> int:
    from .audit import audit_chain_seal

    return audit_chain_seal()
