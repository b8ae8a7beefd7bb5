"""The joint-liability calls as a sub-ledger: every paid call has its ledger transfer (payer to
defaulter) and its repayment of the defaulter's loan, both for exactly the amount paid."""

from __future__ import annotations

from lending.choices import AlertKind
from lending.ledger.checks import LIMIT, subledger_register
from lending.ledger.models import JournalEntry
from lending.models import Repayment

from .models import CallStatus, JointLiabilityCall


def call_count() -> int:
    return JointLiabilityCall.objects.filter(status=CallStatus.PAID).count()


def call_mismatches() -> list[dict]:
    paid = {f"joint_call:{pk}": (pk, amount, rid) for pk, amount, rid in JointLiabilityCall.objects.filter(
        status=CallStatus.PAID).values_list("pk", "paid_amount", "repayment_id")}
    entries = set(JournalEntry.objects.filter(idempotency_key__in=list(paid)).values_list("idempotency_key", flat=True))
    repayments = dict(Repayment.objects.filter(idempotency_key__in=list(paid)).values_list("idempotency_key", "amount"))
    problems = []
    for key, (pk, amount, _rid) in paid.items():
        if key not in entries:
            problems.append({"ref": f"joint-liability call #{pk}", "problem": "no ledger transfer"})
        if repayments.get(key) != amount:
            problems.append({"ref": f"joint-liability call #{pk}",
                             "problem": f"paid {amount} ≠ repayment {repayments.get(key)}"})
    return problems[:LIMIT]


def register() -> None:
    subledger_register(name="joint_liability_calls", alert_kind=AlertKind.BALANCE_MISMATCH, count=call_count,
                       problems=call_mismatches)
