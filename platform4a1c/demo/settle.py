"""Demo step, last: the night after the demo's day, as beat would run it — every member re-rated,
the rewards and penalties rules applied, the finance company's records disclosed, the
government's compliance check, and every event delivered — so the steps above, which add loans,
guarantees, investments and schemes after the rating and disclosure steps ran, leave nothing
pending, and a second ``seed_demo`` finds nothing new to write (idempotent)."""

from django.utils import timezone

from agents.models import Agent, cluster_members_q
from clusterfinance import disclosure
from clusterfinance.rating.choices import RatingTrigger
from clusterfinance.rating.services import ratings_rescore
from clusterfinance.sanctions import services as sanctions
from infocenter.services.events import events_dispatch
from portals.government.services_compliance import compliance_check


def _dispatch() -> int:
    delivered = 0
    while batch := events_dispatch(max_batches=50):
        delivered += batch
    return delivered


def seed(world: dict, out) -> None:
    cluster, fc, gov = world["cluster"], world["finance_company"], world["government"]
    today = timezone.localdate()
    delivered = _dispatch()
    for _ in range(2):  # a rating change can trigger a rule, a rule re-rates: twice settles it
        ids = list(Agent.objects.filter(cluster_members_q(finance_company=fc, kind="enterprise"))
                   .values_list("pk", flat=True))
        rated = len(ratings_rescore(agent_ids=ids, trigger=RatingTrigger.NIGHTLY))
        sanctions.sanction_rules_apply(cluster=cluster, today=today)
        delivered += _dispatch()
    new = disclosure.records_disclose(cluster=cluster, today=today)
    compliance_check(government=gov)
    delivered += _dispatch()
    out.write(f"  settle: members re-rated ({rated} changed in the last pass), {new} new record disclosures, "
              f"compliance checked, {delivered} events delivered")
