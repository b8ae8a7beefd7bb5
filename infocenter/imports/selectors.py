"""Reads of records and import jobs; every queryset goes through ``restrict()``."""

from __future__ import annotations

from django.db.models import Q

from ..models import FirmRecord, ImportJob
from .values import clean_text


def records_for(user, *, q: str = "", kind: str = "", period: str = "", firm=None):
    qs = FirmRecord.objects.restrict(user, "view").select_related("agent", "supplied_by")
    if firm is not None:
        qs = qs.filter(agent=firm)
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period__iexact=clean_text(period))
    if q:
        text = clean_text(q)
        qs = qs.filter(Q(agent__name__icontains=text) | Q(agent__credit_code__iexact=text.upper()))
    return qs.order_by("agent__name", "kind", "-period_end", "pk")


def import_jobs_for(user, agent=None):
    qs = ImportJob.objects.restrict(user, "view").select_related("agent", "created_by")
    if agent is not None:
        qs = qs.filter(agent=agent)
    return qs
