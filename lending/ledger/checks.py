"""Reconciliation of the ledger (``manage.py ledger_check`` and the nightly beat task).

``ledger_verify()`` only reads and returns a ``LedgerReport``; ``ledger_check_run()`` also logs
and records a ``LedgerAlert`` for every failed check. Checks:

1. every journal entry has at least two postings and sums to exactly zero;
2. the whole ledger sums to zero;
3. every account's cached balance equals the sum of its postings;
4. every sub-ledger registered with ``subledger_register`` agrees with its accounts (lending
   registers the loans: ``lending.reconcile``; later sub-ledgers — the pool's sources, the
   guarantee fund — register theirs). The ledger itself knows no loan.

Sums are compared after rounding to the fen, so SQLite's floating-point arithmetic cannot raise
false alarms; on PostgreSQL ``numeric`` arithmetic is exact anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce

from agents.money import ZERO, quantize

from ..choices import AlertKind
from .models import Account, JournalEntry, LedgerAlert, Posting

logger = logging.getLogger("lending.ledger")
HALF_FEN = Decimal("0.005")
MONEY = DecimalField(max_digits=18, decimal_places=2)
LIMIT = 50  # problems listed per check (the count is always exact)


@dataclass(frozen=True)
class Subledger:
    """A book kept beside the ledger (loans, the pool's sources, …) and how to reconcile it:
    ``count()`` its records, ``problems()`` a list of ``{"ref": …, "problem": …}`` (at most
    ``LIMIT``) where the book and its ledger accounts disagree."""

    name: str
    alert_kind: str
    count: Callable[[], int]
    problems: Callable[[], list[dict]]


_SUBLEDGERS: dict[str, Subledger] = {}


def subledger_register(*, name: str, alert_kind: str, count: Callable[[], int],
                       problems: Callable[[], list[dict]]) -> None:
    """Register a sub-ledger's reconciliation (from the owning app's ``AppConfig.ready()``).
    Registering the same name again replaces it (ready() may run twice in tests)."""
    _SUBLEDGERS[name] = Subledger(name=name, alert_kind=alert_kind, count=count, problems=problems)


@dataclass
class LedgerReport:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    ledger_total: Decimal = ZERO
    unbalanced_entries: list = field(default_factory=list)
    balance_mismatches: list = field(default_factory=list)
    # per registered sub-ledger: {"count": n, "problems": [...]}
    subledgers: dict = field(default_factory=dict)

    @property
    def loans(self) -> int:
        return self.subledgers.get("loans", {}).get("count", 0)

    @property
    def loan_mismatches(self) -> list:
        return self.subledgers.get("loans", {}).get("problems", [])

    @property
    def ok(self) -> bool:
        return not (self.unbalanced_entries or self.balance_mismatches or self.ledger_total != ZERO
                    or any(book["problems"] for book in self.subledgers.values()))

    def lines(self) -> list[str]:
        books = ", ".join(f"{name}: {book['count']}" for name, book in self.subledgers.items())
        out = [f"entries: {self.entries}, postings: {self.postings}, accounts: {self.accounts}"
               + (f", {books}" if books else ""), f"ledger total: {self.ledger_total}"]
        out += [f"UNBALANCED entry #{e['entry']}: {e['postings']} postings summing to {e['total']}"
                for e in self.unbalanced_entries]
        out += [f"BALANCE MISMATCH account #{a['account']}: cached {a['cached']} ≠ postings {a['posted']}"
                for a in self.balance_mismatches]
        for name, book in self.subledgers.items():
            out += [f"{name.upper()} MISMATCH {m['ref']}: {m['problem']}" for m in book["problems"]]
        return out


def _money(value) -> Decimal:
    return quantize(Decimal(value or 0)) + ZERO  # never "-0.00"


def _unbalanced_entries() -> list[dict]:
    rows = (Posting.objects.values("entry_id").annotate(total=Sum("amount"), n=Count("id"))
            .filter(Q(n__lt=2) | Q(total__gte=HALF_FEN) | Q(total__lte=-HALF_FEN)).order_by("entry_id"))
    problems = [{"entry": r["entry_id"], "postings": r["n"], "total": str(_money(r["total"]))} for r in rows[:LIMIT]]
    empty = JournalEntry.objects.filter(postings__isnull=True).values_list("pk", flat=True)[:LIMIT]
    problems += [{"entry": pk, "postings": 0, "total": "0.00"} for pk in empty]
    return problems


def _balance_mismatches() -> list[dict]:
    posted = Subquery(Posting.objects.filter(account=OuterRef("pk")).order_by().values("account")
                      .annotate(s=Sum("amount")).values("s"), output_field=MONEY)
    rows = (Account.objects.annotate(posted=Coalesce(posted, Value(ZERO), output_field=MONEY))
            .annotate(diff=Abs(ExpressionWrapper(F("balance") - F("posted"), output_field=MONEY)))
            .filter(diff__gte=HALF_FEN).values("pk", "balance", "posted").order_by("pk"))
    return [{"account": r["pk"], "cached": str(_money(r["balance"])), "posted": str(_money(r["posted"]))}
            for r in rows[:LIMIT]]


def ledger_verify() -> LedgerReport:
    """Run every check (read-only)."""
    return LedgerReport(
        entries=JournalEntry.objects.count(), postings=Posting.objects.count(), accounts=Account.objects.count(),
        ledger_total=_money(Posting.objects.aggregate(s=Sum("amount"))["s"]),
        unbalanced_entries=_unbalanced_entries(), balance_mismatches=_balance_mismatches(),
        subledgers={name: {"count": book.count(), "problems": book.problems()} for name, book in _SUBLEDGERS.items()},
    )


def _tell_the_centre(alert: LedgerAlert) -> None:
    """Also publish the alert as an event of the central platform (its outbox), so subscribers
    (platform staff, the supervising government) hear of it. Lending sits above infocenter in
    the layers, so it may call infocenter's public service."""
    from infocenter.services.events import event_emit

    from .events import LEDGER_ALERT_RAISED

    event_emit(kind=LEDGER_ALERT_RAISED, payload={"alert": alert.pk, "kind": alert.kind, "message": alert.message})


@transaction.atomic
def ledger_check_run() -> LedgerReport:
    """Verify the ledger; log an error and record a ``LedgerAlert`` for every failed check."""
    report = ledger_verify()
    alerts = []
    if report.unbalanced_entries:
        alerts.append((AlertKind.UNBALANCED_ENTRY, f"{len(report.unbalanced_entries)} unbalanced journal entries",
                       report.unbalanced_entries))
    if report.ledger_total != ZERO:
        alerts.append((AlertKind.LEDGER_NOT_ZERO, f"the ledger sums to {report.ledger_total}, not zero",
                       {"total": str(report.ledger_total)}))
    if report.balance_mismatches:
        alerts.append((AlertKind.BALANCE_MISMATCH,
                       f"{len(report.balance_mismatches)} cached balances differ from their postings",
                       report.balance_mismatches))
    for name, book in report.subledgers.items():
        if book["problems"]:
            alerts.append((_SUBLEDGERS[name].alert_kind,
                           f"{len(book['problems'])} {name} records disagree with the ledger", book["problems"]))
    for kind, message, details in alerts:
        logger.error("ledger_check: %s", message, extra={"details": details})
        alert = LedgerAlert.objects.create(kind=kind, message=message,
                                           details={"items": details} if isinstance(details, list) else details)
        _tell_the_centre(alert)
    if not alerts:
        logger.info("ledger_check: ok (%s entries, %s postings)", report.entries, report.postings)
    return report
