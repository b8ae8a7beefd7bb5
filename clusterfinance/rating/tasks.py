"""Celery tasks of the rating: thin, take ids, idempotent (a re-run on unchanged inputs writes nothing)."""

from celery import shared_task

from .choices import RatingTrigger


@shared_task(name="clusterfinance.rating.tasks.ratings_rescore_agents", acks_late=True)
def ratings_rescore_agents(*, agent_ids: list[int], source_event_id: int | None = None,
                           source_event_ids: dict | None = None) -> int:
    """Re-score these firms now (the feedback loop: new information about them). Each new rating
    names the event that asked for it: ``source_event_ids`` (agent id → event id, keys as text
    since the message is JSON), or ``source_event_id`` for all."""
    from .services import ratings_rescore

    source = {int(a): e for a, e in source_event_ids.items()} if source_event_ids else source_event_id
    return len(ratings_rescore(agent_ids=agent_ids, trigger=RatingTrigger.EVENT, source_event_id=source))


@shared_task(name="clusterfinance.rating.tasks.ratings_rescore_agents_routine", acks_late=True)
def ratings_rescore_agents_routine(*, agent_ids: list[int], source_event_ids: dict | None = None) -> int:
    """The same re-score after facts machines write in bulk (repayments, the nightly bucket moves,
    imports), routed to the batch queue so they never hold up the loop's (platform4a1c/queues.py)."""
    return ratings_rescore_agents(agent_ids=agent_ids, source_event_ids=source_event_ids)


@shared_task(name="clusterfinance.rating.tasks.ratings_rescore_company", acks_late=True)
def ratings_rescore_company(*, finance_company_id: int, trigger: str = RatingTrigger.PROMOTION) -> int:
    """Re-score every member of one finance company's cluster (a new version is in use)."""
    from agents.models import Agent, cluster_members_q

    from .services import ratings_rescore

    firms = Agent.objects.filter(cluster_members_q(finance_company=finance_company_id, kind="enterprise"))
    return len(ratings_rescore(agent_ids=firms.values("pk"), trigger=trigger))


@shared_task(name="clusterfinance.rating.tasks.ratings_rescore_all", acks_late=True)
def ratings_rescore_all() -> int:
    """Every night: every member firm of every cluster. Up to ``RATING_RESCORE_CHUNK`` member
    firms (settings) it runs here, vectorised per finance company. Beyond, it fans out: one
    ``ratings_rescore_chunk`` task per chunk of that many member ids (in id order), sent as a
    Celery group to the ``rescore`` queue, so every worker listening there takes a share of the
    night (docs/scaling.md §2: a chunk of 10,000 firms costs the same 3.5 s at any size of the
    database). Returns how many firms were re-scored here, or handed to the chunks."""
    from celery import group
    from django.conf import settings

    from agents.choices import AgentKind
    from agents.models import Agent, cluster_members_q

    from .services import ratings_rescore

    size = settings.RATING_RESCORE_CHUNK
    ids = list(Agent.objects.filter(cluster_members_q(kind=AgentKind.ENTERPRISE)).order_by("pk")
               .values_list("pk", flat=True))
    if len(ids) <= size:
        return len(ratings_rescore(agent_ids=None, trigger=RatingTrigger.NIGHTLY))
    group(ratings_rescore_chunk.s(agent_ids=ids[start:start + size])
          for start in range(0, len(ids), size)).apply_async()
    return len(ids)


@shared_task(name="clusterfinance.rating.tasks.ratings_rescore_chunk", acks_late=True)
def ratings_rescore_chunk(*, agent_ids: list[int]) -> int:
    """One chunk of the nightly re-score (``ratings_rescore_all``); idempotent like the whole."""
    from .services import ratings_rescore

    return len(ratings_rescore(agent_ids=agent_ids, trigger=RatingTrigger.NIGHTLY))
