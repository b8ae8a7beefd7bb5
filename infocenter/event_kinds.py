"""The kinds of event the centre's outbox carries, each declared once by the app that owns it.

A kind is a string ``<noun>.<past participle>`` (``loan.repaid``, ``record.imported``): the noun is
the thing in the singular, the participle what happened to it. Code never writes the string
itself: it uses the constant its owner declares here (the centre's own below; lending's in
``lending/events.py``) — the SQL that writes events set-based formats or binds the constant too.

Declaring a kind also declares what the feedback loop does with it:

- ``rescores_subject=True``: after such an event the centre asks for a re-score of the agents it
  concerns (``Event.agent_ids``): the built-in handler ``infocenter.rescore`` emits one
  ``rescore.requested`` per agent (``handlers.rescore``). So the trigger list is the set of
  declarations, made when the owner's ``events`` module is imported (the centre imports every
  installed app's ``events`` module in its ``ready()``, like the admin's autodiscovery — it never
  names an upper app);
- ``coalesce_per_subject=True``: at most one *unclaimed* event of the kind per subject agent
  (``Event.coalesce_key`` under a partial unique index; ``services.events.events_insert_coalesced``);
- ``bulk=True``: a fact machines write by the hundred a second (every repayment, every bucket move
  of the nightly run, every row of an import). Its re-score is still asked for, but goes to the
  batch queue (``rescore``) rather than the loop's (``events``), so a flood of them never holds up
  the re-score a person's report or publication asks for (``platform4a1c/queues.py``).

``event_emit`` refuses an undeclared kind, so a typo cannot create an event nobody handles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

NAME = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")


@dataclass(frozen=True)
class EventKind:
    """One declared kind: its stored name, the app that owns it, and what the loop does with it."""

    name: str
    owner: str
    rescores_subject: bool = False
    coalesce_per_subject: bool = False
    bulk: bool = False


_KINDS: dict[str, EventKind] = {}


def event_kind_declare(name: str, *, owner: str, rescores_subject: bool = False,
                       coalesce_per_subject: bool = False, bulk: bool = False) -> str:
    """Declare the kind ``name`` (owned by the app ``owner``) and return it, so the owner writes
    ``REPAID = event_kind_declare("loan.repaid", owner="lending", rescores_subject=True)``.
    Declaring the same kind again with the same options is a no-op (module reloads); with other
    options, or a name outside the scheme, it is a configuration error."""
    if not NAME.match(name):
        raise ImproperlyConfigured(f"event kind {name!r} is not <noun>.<past_participle> in lower case")
    kind = EventKind(name, owner, rescores_subject, coalesce_per_subject, bulk)
    existing = _KINDS.get(name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"event kind {name!r} is already declared as {existing}")
    _KINDS[name] = kind
    return name


def event_kind(name: str) -> EventKind | None:
    return _KINDS.get(name)


def event_kinds() -> list[EventKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def is_bulk(name: str) -> bool:
    """Whether the kind ``name`` is declared ``bulk`` (unknown kinds are not)."""
    kind = _KINDS.get(name)
    return bool(kind and kind.bulk)


def rescore_trigger_kinds() -> set[str]:
    """The kinds after which the agents an event concerns are re-scored."""
    return {k.name for k in _KINDS.values() if k.rescores_subject}


# Stored events written before a kind was renamed (migration 0006 rewrites the rows; this table
# documents the renames and is what that migration applies).
RENAMED = {
    "records.imported": "record.imported",
    "loan.repayment": "loan.repaid",
    "ledger.alert": "ledger.alert_raised",
}

_C = "infocenter"

# --- the centre's own kinds ------------------------------------------------------------------
PUBLICATION_PUBLISHED = event_kind_declare("publication.published", owner=_C, rescores_subject=True)
PUBLICATION_CORRECTED = event_kind_declare("publication.corrected", owner=_C, rescores_subject=True)
PUBLICATION_RETRACTED = event_kind_declare("publication.retracted", owner=_C, rescores_subject=True)
REPORT_FILED = event_kind_declare("report.filed", owner=_C, rescores_subject=True)
# a reply is the subject's side of the story; the report's weight changes only with the decision
REPORT_REPLIED = event_kind_declare("report.replied", owner=_C)
REPORT_DECIDED = event_kind_declare("report.decided", owner=_C, rescores_subject=True)
CONSENT_GRANTED = event_kind_declare("consent.granted", owner=_C)
CONSENT_REVOKED = event_kind_declare("consent.revoked", owner=_C)
CONSENT_EXPIRED = event_kind_declare("consent.expired", owner=_C)
# statements, tax and social-insurance records: one saved through the API or a form, or a batch
# of an import job (``payload["agent_ids"]`` lists every firm of the batch)
RECORD_SAVED = event_kind_declare("record.saved", owner=_C, rescores_subject=True)
RECORD_IMPORTED = event_kind_declare("record.imported", owner=_C, rescores_subject=True, bulk=True)
# a transaction between two agents reported to the business module (services.business): a loan,
# deposit, subsidy, meeting, guarantee, note… — the firm is re-scored on its business record
BUSINESS_RECORDED = event_kind_declare("business.recorded", owner=_C, rescores_subject=True)
# the feedback loop's request to re-score one agent (the subject); consumed by ratings
RESCORE_REQUESTED = event_kind_declare("rescore.requested", owner=_C, coalesce_per_subject=True)
