"""Search across modules for Chinese and English text.

PostgreSQL: each word must match as a substring (ILIKE, served by pg_trgm GIN indexes from
migration 0004) or by trigram word similarity ≥ 0.3 (tolerates a typo in English words);
results are ranked by similarity.
pg_trgm under a UTF-8 database forms trigrams of Chinese characters too, so "永康五金" finds
"永康市五金…" by similarity and "五金" by substring. SQLite (the embedded demo): substring
match only (icontains), newest first. Every result goes through ``restrict()``."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Greatest

from agents.models import Agent

from .constants import SEARCH_LIMIT
from .selectors import publications_for, reports_for

SIMILARITY = 0.3


def _terms(query: str) -> list[str]:
    return [t for t in (query or "").split() if t][:6]


def _text_q(terms, fields) -> Q:
    q = Q()
    for term in terms:
        any_field = Q()
        for f in fields:
            any_field |= Q(**{f"{f}__icontains": term})
        q &= any_field
    return q


def _ranked(qs, query: str, terms, fields, order_fallback):
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramWordSimilarity

        # Every word must be found in some field, as a substring or (a typo) by trigram word
        # similarity; the rank sums the words' best similarities.
        q, ranks = Q(), []
        for i, term in enumerate(terms):
            sims = [TrigramWordSimilarity(term, f) for f in fields]
            name = f"sim{i}"
            qs = qs.annotate(**{name: Greatest(*sims) if len(sims) > 1 else sims[0]})
            q &= _text_q([term], fields) | Q(**{f"{name}__gte": SIMILARITY})
            ranks.append(F(name))
        rank = ranks[0]
        for r in ranks[1:]:
            rank = rank + r
        return qs.filter(q).annotate(rank=rank).order_by(F("rank").desc(nulls_last=True), *order_fallback)
    return qs.filter(_text_q(terms, fields)).order_by(*order_fallback)


def search(user, query: str, *, module: str = "", limit: int = SEARCH_LIMIT) -> dict:
    """Publications, reports and agents matching ``query`` that ``user`` may see."""
    query = (query or "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL in a query
    terms = _terms(query)
    if not terms:
        return {"query": query, "publications": [], "reports": [], "agents": [], "total": 0}
    pubs = _ranked(publications_for(user, module=module), query, terms, ["title", "body", "subject__name"],
                   ["-published_at", "-pk"])
    reports = []
    if module in ("", "business"):
        reports = list(_ranked(reports_for(user), query, terms, ["title", "evidence", "subject__name"],
                               ["-created_at", "-pk"])[:limit])
    agents = []
    if not module:
        agents = list(_ranked(Agent.objects.restrict(user, "view").filter(status="active"), query, terms,
                              ["name"], ["name"])[:limit])
    pubs = list(pubs[:limit])
    return {"query": query, "publications": pubs, "reports": reports, "agents": agents,
            "total": len(pubs) + len(reports) + len(agents)}
