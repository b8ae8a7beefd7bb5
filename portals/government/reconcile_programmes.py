"""The support programmes as a sub-ledger: for each government, minus its ``programme_funds``
balance in the ledger equals what its programmes were funded less what they paid, and every paid
application has its payout entry."""

from __future__ import annotations

from decimal import Decimal

from agents.money import ZERO, money_sum, quantize
from lending.choices import AccountPurpose, AlertKind
from lending.ledger.checks import LIMIT, subledger_register
from lending.ledger.models import Account

from .models_programmes import ProgrammeFunding, SupportApplication, SupportApplicationStatus, SupportProgramme


def programme_count() -> int:
    return SupportProgramme.objects.count()


def _by_government(qs, field: str) -> dict[int, Decimal]:
    return {k: quantize(Decimal(v or 0)) for k, v in
            qs.values(field).order_by().annotate(t=money_sum("amount")).values_list(field, "t")}


def programme_mismatches() -> list[dict]:
    funded = _by_government(ProgrammeFunding.objects.all(), "programme__government_id")
    paid = _by_government(SupportApplication.objects.filter(status=SupportApplicationStatus.PAID),
                          "programme__government_id")
    governments = sorted(set(SupportProgramme.objects.values_list("government_id", flat=True)))
    balances = dict(Account.objects.filter(agent_id__in=governments, purpose=AccountPurpose.PROGRAMME_FUNDS,
                                           loan__isnull=True).values_list("agent_id", "balance"))
    problems = []
    for gov in governments:
        book = funded.get(gov, ZERO) - paid.get(gov, ZERO)
        ledger = quantize(-(balances.get(gov) or ZERO))
        if ledger != book:
            problems.append({"ref": f"government #{gov} programmes",
                             "problem": f"ledger programme funds {ledger} ≠ funded − paid {book}"})
    for pk in (SupportApplication.objects.filter(status=SupportApplicationStatus.PAID, entry__isnull=True)
               .values_list("pk", flat=True)[:LIMIT]):
        problems.append({"ref": f"programme application #{pk}", "problem": "paid without a payout entry"})
    return problems[:LIMIT]


def register() -> None:
    subledger_register(name="support_programmes", alert_kind=AlertKind.BALANCE_MISMATCH, count=programme_count,
                       problems=programme_mismatches)
