"""Stored summaries: a dashboard's aggregates cost the same for a hundred loans or a million.

A *summary kind* is the function that computes some figures of a dashboard for one scope (a
cluster, a government, a lender) — the very function the page calls, one or two grouped queries
over the scope's loans or instalments. Its cost grows with the scope; below
``SUMMARY_MIN_ROWS`` records it is small, and the page calls it in the request. From that size
on, the refresh (Celery beat, every minute: ``summaries_refresh``) keeps the scope's figures in a
``Summary`` row and the page reads that row instead: one small indexed query whatever the size,
with the time the figures were computed shown beside them.

What this guarantees:

- **Same figures.** A stored summary is the kind's own result at ``computed_at``, serialised as
  JSON (decimals as exact strings) and decoded by the kind; a test round-trips every kind.
- **At most a minute or two behind.** The refresh recomputes a scope when an event was recorded
  in the centre since its last computation (every disbursement, repayment, delinquency change
  and rating writes one) and in any case once it is older than ``SUMMARY_MAX_AGE`` (which also
  bounds the one gap of the event stamp: a transaction that allocated its event id before the
  refresh read the stamp and committed after it).
- **A page never writes.** A scope without a stored summary (small, or not refreshed yet) is
  computed live; a scope that shrank below the size loses its stored row at the next refresh.

Usage (a kind is registered once, from its app's ``ready()``)::

    BOOK = summary_kind_register(SummaryKind("government.book", compute=book_rows_of,
                                             sizes=loans_per_government, decode=decode_rows(...)))
    figures = summary_read(BOOK.name, government.pk)   # .data, .as_of (None when live)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Event, Summary

logger = logging.getLogger(__name__)

REFRESH_LOCK = "infocenter:summaries-refresh"


@dataclass(frozen=True)
class SummaryKind:
    """``compute(scope_id)`` → the figures (JSON-able, with ``Decimal`` and ``date`` values);
    ``sizes()`` → ``{scope_id: records aggregated}`` for every scope, in one query;
    ``decode(data)`` → the figures as ``compute`` returned them, from their JSON form."""

    name: str
    compute: Callable[[int], Any]
    sizes: Callable[[], dict[int, int]]
    decode: Callable[[Any], Any]


_KINDS: dict[str, SummaryKind] = {}


def summary_kind_register(kind: SummaryKind) -> SummaryKind:
    _KINDS[kind.name] = kind
    return kind


def summary_kinds() -> list[SummaryKind]:
    return list(_KINDS.values())


def min_rows() -> int:
    return int(getattr(settings, "SUMMARY_MIN_ROWS", 20_000))


def max_age() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "SUMMARY_MAX_AGE", 600)))


@dataclass(frozen=True)
class Figures:
    """What a page shows: ``data`` as the kind computes it, and ``as_of`` — when a stored
    summary computed it, or ``None`` when it was computed in this request."""

    data: Any
    as_of: datetime | None = None

    @property
    def stored(self) -> bool:
        return self.as_of is not None


def summaries_read(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Figures]:
    """The figures of several (kind, scope) pairs: the stored ones in one query, the others
    computed live."""
    pairs = list(pairs)
    stored = {}
    if pairs:
        rows = Summary.objects.filter(kind__in={k for k, _ in pairs}, scope__in={str(s) for _, s in pairs},
                                      source_rows__gte=min_rows()).values_list("kind", "scope", "data", "computed_at")
        stored = {(k, s): (data, at) for k, s, data, at in rows}
    out = {}
    for name, scope in pairs:
        kind = _KINDS[name]
        found = stored.get((name, str(scope)))
        out[(name, scope)] = (Figures(kind.decode(found[0]), as_of=found[1]) if found
                              else Figures(kind.compute(scope)))
    return out


def summary_read(name: str, scope: int) -> Figures:
    return summaries_read([(name, scope)])[(name, scope)]


def summary_stored(name: str, scope: int) -> Figures | None:
    """The stored figures of a large scope, or ``None`` (a small scope: the caller computes what
    it needs itself)."""
    row = Summary.objects.filter(kind=name, scope=str(scope), source_rows__gte=min_rows()) \
        .values_list("data", "computed_at").first()
    return Figures(_KINDS[name].decode(row[0]), as_of=row[1]) if row else None


def _stored_form(data: Any) -> Any:
    """``data`` as the JSON column will give it back (decimals and dates as strings)."""
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@dataclass
class RefreshReport:
    computed: int = 0
    skipped: int = 0
    dropped: int = 0
    seconds: float = 0.0


def summaries_refresh(*, force: bool = False, kinds: Iterable[str] | None = None) -> RefreshReport:
    """Recompute the stored summary of every large scope whose figures may have changed (see
    the module docstring); drop those of scopes no longer large. One process at a time (a cache
    lock): a refresh that finds another running does nothing."""
    if not cache.add(REFRESH_LOCK, 1, timeout=15 * 60):
        logger.info("summaries refresh already running")
        return RefreshReport()
    started = time.monotonic()
    report = RefreshReport()
    try:
        stamp = Event.objects.aggregate(m=Max("pk"))["m"] or 0
        threshold, too_old = min_rows(), timezone.now() - max_age()
        for kind in summary_kinds():
            if kinds is not None and kind.name not in kinds:
                continue
            large = {str(scope): n for scope, n in kind.sizes().items() if n >= threshold}
            existing = {row.scope: row for row in Summary.objects.filter(kind=kind.name).only(
                "scope", "stamp", "computed_at")}
            gone = [scope for scope in existing if scope not in large]
            if gone:
                report.dropped += Summary.objects.filter(kind=kind.name, scope__in=gone).delete()[0]
            for scope, n in large.items():
                row = existing.get(scope)
                if not force and row is not None and row.stamp >= stamp and row.computed_at >= too_old:
                    report.skipped += 1
                    continue
                computed_at, began = timezone.now(), time.monotonic()
                with transaction.atomic():
                    data = kind.compute(int(scope))
                    Summary.objects.update_or_create(kind=kind.name, scope=scope, defaults={
                        "data": data, "source_rows": n, "stamp": stamp, "computed_at": computed_at,
                        "seconds": time.monotonic() - began})
                report.computed += 1
    finally:
        cache.delete(REFRESH_LOCK)
    report.seconds = time.monotonic() - started
    return report


# --- decoding helpers for the kinds ---------------------------------------------------------

def decode_decimal(value):
    return None if value is None else Decimal(value)


def decode_date(value):
    return None if value is None else date.fromisoformat(value[:10])


def decode_rows(*, decimals: Iterable[str] = (), dates: Iterable[str] = ()) -> Callable[[list], list]:
    """A decoder for a list of flat dicts whose ``decimals`` / ``dates`` keys were serialised."""
    decimals, dates = tuple(decimals), tuple(dates)

    def decode(rows: list) -> list:
        out = []
        for row in rows:
            row = dict(row)
            for key in decimals:
                if key in row:
                    row[key] = decode_decimal(row[key])
            for key in dates:
                if key in row:
                    row[key] = decode_date(row[key])
            out.append(row)
        return out

    return decode


def decode_one(decoder: Callable[[list], list]) -> Callable[[dict], dict]:
    """A decoder for one flat dict, from the decoder of a list of them (``decode_rows``)."""
    return lambda row: decoder([row])[0]


def decode_dict(**parts: Callable[[Any], Any]) -> Callable[[dict], dict]:
    """A decoder for a dict whose values each have their own decoder (others are kept as they are)."""

    def decode(data: dict) -> dict:
        return {key: parts[key](value) if key in parts else value for key, value in data.items()}

    return decode


def round_trip(name: str, data: Any) -> Any:
    """``data`` as a stored summary of kind ``name`` would give it back (for the kinds' tests)."""
    return _KINDS[name].decode(_stored_form(data))
