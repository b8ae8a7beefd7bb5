"""The investor's side of a note (票据): a private investor subscribes to a note of a cluster's
finance company, and cancels it within the cooling-off period. The note is a ``FundSource`` of
kind ``note`` with the investor as counterparty (its size is the amount subscribed); the money
moves through the same ``_record`` as every pool movement (one ledger entry, one
``SourceMovement``): investor notes held +, cash −; finance company cash +, notes issued −, and
back on cancellation. Whether a cancellation is still allowed (the cooling-off period) is the
offering's rule, checked by the caller; here only the investor itself may subscribe or cancel.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.capabilities import capability_declare, require
from agents.choices import AgentKind, Role
from agents.money import parse_amount
from agents.parsing import collect, parse_date
from lending.ledger.services import parse_idempotency_key

from .choices import MovementKind, SourceKind, SourceStatus
from .models import FundSource, SourceMovement
from .services import PURPOSES, _lock, _record

INVEST = "invest"  # subscribe to notes, lend to firms, place deposits with the investor's own money


def declare() -> None:
    capability_declare(INVEST, roles=(Role.INVESTOR,),
                       message=gettext_lazy("Only the investor itself may invest its money."))


@transaction.atomic
def note_subscribe(*, user, cluster, investor, amount, annual_rate, maturity_date, on, idempotency_key,
                   reference: str = "") -> SourceMovement:
    """``investor`` subscribes ``amount`` to a note of ``cluster``'s finance company: a new
    note source of that size, and the money in. The same key again returns the first movement."""
    require(user, investor, INVEST)
    from lending.validation import parse_rate

    values = collect(amount=lambda: parse_amount(amount), annual_rate=lambda: parse_rate(annual_rate),
                     maturity_date=lambda: parse_date(maturity_date), on=lambda: parse_date(on),
                     key=lambda: parse_idempotency_key(idempotency_key))
    if investor.kind != AgentKind.INVESTOR:
        raise ValidationError(_("Only a private investor subscribes to notes."))
    existing = SourceMovement.objects.filter(idempotency_key=values["key"]).first()
    if existing is not None:
        return existing
    if values["maturity_date"] <= values["on"]:
        raise ValidationError({"maturity_date": _("The maturity date must come after the opening date.")})
    source = FundSource(cluster=cluster, kind=SourceKind.NOTE, counterparty=investor, reference=reference[:40],
                        annual_rate=values["annual_rate"], opened_on=values["on"],
                        maturity_date=values["maturity_date"], limit=values["amount"], created_by=user)
    source.full_clean()
    source.save()
    asset, liability = PURPOSES[SourceKind.NOTE]
    return _record(user=user, source=source, kind=MovementKind.IN, amount=values["amount"], on=values["on"],
                   key=values["key"], memo=_("Note subscription"), payer=investor, payer_purpose=asset,
                   payee=cluster.finance_company, payee_purpose=liability, change=values["amount"])


@transaction.atomic
def note_subscription_cancel(*, user, source: FundSource, on, idempotency_key) -> SourceMovement:
    """The investor cancels its note subscription: the whole amount back, the note closed."""
    source = _lock(source)
    require(user, source.counterparty, INVEST)
    values = collect(on=lambda: parse_date(on), key=lambda: parse_idempotency_key(idempotency_key))
    existing = SourceMovement.objects.filter(idempotency_key=values["key"]).first()
    if existing is not None:
        return existing
    if source.kind != SourceKind.NOTE or source.status != SourceStatus.OPEN or not source.outstanding:
        raise ValidationError(_("This note cannot be cancelled any more."))
    if source.movements.exclude(kind=MovementKind.IN).exists():
        raise ValidationError(_("This note has already paid interest or principal; it cannot be cancelled."))
    asset, liability = PURPOSES[SourceKind.NOTE]
    movement = _record(user=user, source=source, kind=MovementKind.OUT, amount=source.outstanding, on=values["on"],
                       key=values["key"], memo=_("Note subscription cancelled in the cooling-off period"),
                       payer=source.cluster.finance_company, payer_purpose=liability, payee=source.counterparty,
                       payee_purpose=asset, change=-source.outstanding)
    source.status = SourceStatus.CLOSED
    source.save(update_fields=["status"])
    return movement
