"""Module 3 disclosure (信息披露): the finance company continuously discloses its records —
applications, review results, amounts, repayment records, rewards and penalties — and, within
the first five working days of each month, a monthly platform disclosure of the cluster's whole
loan book. Both are publications in the centre (``infocenter``), published idempotently: each
has a unique key per subject and period, so a run repeated by beat or by hand publishes nothing
twice.

This package only publishes: the figures and what changed are reads of ``lending.selectors``
(``disclosure``), the rewards and penalties are ``clusterfinance.sanctions``, the calendar is
``working_days``. See docs/disclosure.md."""

from __future__ import annotations

from datetime import date

from .monthly import PlatformFigures, monthly_disclosure_publish, platform_figures
from .records import records_disclose
from .working_days import month_bounds, monthly_disclosure_due, previous_period, working_day_of_month


def disclosure_run(*, today: date) -> dict:
    """What beat runs every morning: continuous disclosure for every cluster, and the monthly
    platform disclosure when it is due."""
    from agents.models import Cluster

    result = {"records": 0, "monthly": []}
    period = monthly_disclosure_due(today=today)
    for cluster in Cluster.objects.select_related("finance_company"):
        result["records"] += records_disclose(cluster=cluster, today=today)
        if period:
            monthly_disclosure_publish(cluster=cluster, period=period)
            result["monthly"].append((cluster.pk, period))
    return result


__all__ = ["PlatformFigures", "disclosure_run", "month_bounds", "monthly_disclosure_due", "monthly_disclosure_publish",
           "platform_figures", "previous_period", "records_disclose", "working_day_of_month"]
