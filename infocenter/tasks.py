"""Celery tasks of the centre (thin: they call a service)."""

from celery import shared_task


@shared_task(name="infocenter.tasks.events_dispatch", acks_late=True, ignore_result=True)
def events_dispatch() -> int:
    """Deliver pending outbox events to their handlers (beat: every minute; also kicked after
    each transaction that wrote an event)."""
    from .services.events import events_dispatch as dispatch

    return dispatch()


@shared_task(name="infocenter.tasks.consents_expire", ignore_result=True)
def consents_expire() -> int:
    """Take back the guardian permission of consents whose period has ended."""
    from .services.consent import consents_expire as expire

    return expire()


@shared_task(name="infocenter.tasks.notification_digests_email", ignore_result=True)
def notification_digests_email() -> int:
    """E-mail yesterday's daily digests to those who follow their items by e-mail."""
    from .services.notifications import notification_digests_email as send

    return send()
