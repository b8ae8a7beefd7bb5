"""Demo step: the finance company's continuous disclosure and the last three monthly platform
disclosures, published through the same service beat calls (idempotent)."""

from django.utils import timezone

from clusterfinance import disclosure
from infocenter.services.events import events_dispatch


def seed(world: dict, out) -> None:
    cluster = world["cluster"]
    today = timezone.localdate()
    new = disclosure.records_disclose(cluster=cluster, today=today)
    periods = []
    first = today.replace(day=1)
    for _ in range(3):
        period = disclosure.previous_period(first)
        disclosure.monthly_disclosure_publish(cluster=cluster, period=period)
        periods.append(period)
        first = disclosure.month_bounds(period)[0]
    # Deliver what the disclosures set off (notifications to followers), as the worker would.
    delivered = 0
    while batch := events_dispatch(max_batches=50):
        delivered += batch
    out.write(f"  disclosure: {new} new record disclosures, monthly platform disclosures "
              f"{', '.join(sorted(periods))}; {delivered} events delivered")
