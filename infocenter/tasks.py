"""Celery tasks of the centre (thin: they call a service)."""

from celery import shared_task


@shared_task(name="infocenter.tasks.events_dispatch", acks_late=True, ignore_result=True)
def events_dispatch() -> int:
    """Deliver pending outbox events to their handlers (beat: every minute; also kicked after a
    transaction that wrote an event, at most one waiting in the queue). When its batches did not
    empty the outbox, it queues its successor rather than leaving the rest to the beat."""
    from .services.events import _kick, dispatch_starting, events_pending
    from .services.events import events_dispatch as dispatch

    dispatch_starting()
    delivered = dispatch()
    if delivered and events_pending():
        _kick()
    return delivered


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


@shared_task(name="infocenter.tasks.summaries_refresh", ignore_result=True)
def summaries_refresh() -> int:
    """Recompute the stored summaries of the large scopes whose figures may have changed (beat:
    every minute; ``infocenter.summaries``)."""
    from .summaries import summaries_refresh as refresh

    return refresh().computed
