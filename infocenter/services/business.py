"""The business module's records: every transaction between two agents (a loan, a deposit, a
subsidy, a meeting, a guarantee, a note, a credit line…) reported back to the centre.

One function, ``business_record_publish``. Guarantees:

- the record is a publication of category *business record* about ``subject`` (the firm, as a
  rule) published by ``counterparty`` (the lender, investor, government…), so both parties read
  it, the government of the subject's region supervises it and everyone else reads it by its
  ``visibility`` (default: government and the parties only);
- ``data`` always carries ``link`` (``a``–``d`` of DESIGN.md, or ``"3"`` for the finance
  company's own business), ``kind``, ``parties`` (id, name, kind, role of each), and ``amount`` as
  a decimal string when there is one — the same shape whoever records, so the centre's pages and
  the loop read every record alike;
- with a ``key`` it is idempotent: recording the same transaction twice returns the first record
  and writes no second event;
- it writes one ``business.recorded`` outbox event in the caller's transaction (no record without
  its event, no event without its record); the event concerns the subject (re-scored on its
  business record) and names the counterparty in its payload.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import event_kinds as kinds
from ..choices import Category, Visibility
from .events import event_emit
from .publications import _by_key, publication_create

LINKS = ("a", "b", "c", "d", "3")


def _party(agent, role: str) -> dict:
    return {"id": agent.pk, "name": agent.name, "kind": agent.kind, "role": role}


@transaction.atomic
def business_record_publish(*, link: str, kind: str, subject, counterparty, title: str,
                            amount: Decimal | None = None, data: dict | None = None, key: str = "",
                            subject_role: str = "firm", counterparty_role: str = "counterparty",
                            visibility: str = Visibility.GOVERNMENT, period: str = ""):
    """Record a transaction between ``subject`` and ``counterparty`` in the business module (see
    the module docstring). ``kind`` names the transaction (``"investor_loan"``, ``"subsidy"``…);
    ``key`` (e.g. ``"investor_loan:42"``) makes the call idempotent. Returns the publication."""
    if link not in LINKS:
        raise ValidationError({"link": _("Unknown link between agents.")})
    if amount is not None and not isinstance(amount, Decimal):
        raise ValidationError({"amount": _("Amounts are decimal numbers.")})
    if key:
        existing = _by_key(subject=subject, category=Category.BUSINESS_RECORD, key=key)
        if existing is not None:
            return existing
    record = {
        **(data or {}),
        "link": link,
        "kind": kind,
        "parties": [_party(subject, subject_role), _party(counterparty, counterparty_role)],
    }
    if amount is not None:
        record["amount"] = str(amount)
    publication = publication_create(
        subject=subject, publisher=counterparty, category=Category.BUSINESS_RECORD, title=title,
        data=record, visibility=visibility, key=key, period=period, author=None)
    event_emit(kind=kinds.BUSINESS_RECORDED, subject_agent=subject, actor_agent=counterparty,
               payload={"publication_id": publication.pk, "link": link, "kind": kind,
                        "amount": record.get("amount"), "counterparty_id": counterparty.pk},
               agent_ids=[subject.pk])
    return publication
