"""The pool as a sub-ledger: each source's outstanding equals its movements (in − out) and the
finance company's liability account for its kind, over the pool's own entries (those of a source
movement), equals the sum of its sources' outstanding. Other books post to the same accounts —
the rotating fund keeps its capital in the finance company's ``deposits`` — and reconcile their
own entries; the ledger checks the account's whole balance against its postings."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from agents.money import ZERO, quantize
from lending.choices import AlertKind
from lending.ledger.checks import LIMIT, subledger_register
from lending.ledger.models import Account, Posting

from .choices import MovementKind
from .models import FundSource, SourceMovement


def source_count() -> int:
    return FundSource.objects.count()


def pool_mismatches() -> list[dict]:
    from .services import PURPOSES

    moved = dict(SourceMovement.objects.values("source_id").order_by().annotate(
        net=Sum("amount", filter=Q(kind=MovementKind.IN), default=0) - Sum("amount", filter=Q(kind=MovementKind.OUT),
                                                                 default=0)).values_list("source_id", "net"))
    problems = []
    owed: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for source in FundSource.objects.select_related("cluster").order_by("pk"):
        net = quantize(Decimal(moved.get(source.pk) or 0))
        if net != source.outstanding:
            problems.append({"ref": f"source #{source.pk}", "problem": f"outstanding {source.outstanding} ≠ "
                                                                      f"movements {net}"})
        owed[(source.cluster.finance_company_id, PURPOSES[source.kind][1])] += source.outstanding
    for (agent_id, purpose), total in sorted(owed.items()):
        account = Account.objects.filter(agent_id=agent_id, purpose=purpose, loan__isnull=True).first()
        pool_postings = Posting.objects.filter(account=account, entry__pool_movement__isnull=False)
        balance = -Decimal(pool_postings.aggregate(s=Sum("amount", default=0))["s"]) if account else ZERO
        if quantize(balance) != quantize(total):
            problems.append({"ref": f"agent #{agent_id} {purpose}",
                             "problem": f"ledger {balance} ≠ sources outstanding {total}"})
    return problems[:LIMIT]


def register() -> None:
    subledger_register(name="pool", alert_kind=AlertKind.BALANCE_MISMATCH, count=source_count,
                       problems=pool_mismatches)
