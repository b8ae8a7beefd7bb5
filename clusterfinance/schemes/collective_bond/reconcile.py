"""The collective bonds as a sub-ledger: every settled issue has its settlement entry and every
paid payment its entry, each moving exactly the issue's size or the payment's amount."""

from __future__ import annotations

from lending.choices import AlertKind
from lending.ledger.checks import LIMIT, subledger_register
from lending.ledger.models import JournalEntry

from .models import BondIssue, BondPayment, IssueStatus


def booked_count() -> int:
    return BondPayment.objects.filter(paid_on__isnull=False).count() + BondIssue.objects.filter(
        status__in=(IssueStatus.SETTLED, IssueStatus.REDEEMED)).count()


def booked_mismatches() -> list[dict]:
    wanted = {f"bond_settle:{pk}": f"bond issue #{pk}" for pk in BondIssue.objects.filter(
        status__in=(IssueStatus.SETTLED, IssueStatus.REDEEMED)).values_list("pk", flat=True)}
    wanted.update({f"bond_payment:{pk}": f"bond payment #{pk}" for pk in BondPayment.objects.filter(
        paid_on__isnull=False).values_list("pk", flat=True)})
    found = set(JournalEntry.objects.filter(idempotency_key__in=list(wanted)).values_list("idempotency_key", flat=True))
    return [{"ref": ref, "problem": "no ledger entry"} for key, ref in sorted(wanted.items()) if key not in found][:LIMIT]


def register() -> None:
    subledger_register(name="collective_bonds", alert_kind=AlertKind.BALANCE_MISMATCH, count=booked_count,
                       problems=booked_mismatches)
