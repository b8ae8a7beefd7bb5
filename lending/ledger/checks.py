"""Reconciliation of the ledger (``manage.py ledger_check`` and the nightly beat task).

``ledger_verify()`` only reads and returns a ``LedgerReport``; ``ledger_check_run()`` also logs
and records a ``LedgerAlert`` for every failed check. Checks:

1. every journal entry has at least two postings and sums to exactly zero;
2. the whole ledger sums to zero;
3. every account's cached balance equals the sum of its postings;
4. every disbursed loan agrees with the ledger: the lender's receivable account equals the
   outstanding principal (zero once written off), the borrower's borrowing account equals minus
   the outstanding principal, the outstanding principal equals the unpaid principal of the
   current instalments, and each repayment's parts add up to its amount.

Sums are compared after rounding to the fen, so SQLite's floating-point arithmetic cannot raise
false alarms; on PostgreSQL ``numeric`` arithmetic is exact anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce

from agents.money import ZERO, quantize

from ..choices import AccountPurpose, AlertKind, InstalmentStatus, LoanStatus
from .models import Account, JournalEntry, LedgerAlert, Posting

logger = logging.getLogger("lending.ledger")
HALF_FEN = Decimal("0.005")
MONEY = DecimalField(max_digits=18, decimal_places=2)
LIMIT = 50  # problems listed per check (the count is always exact)


@dataclass
class LedgerReport:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    loans: int = 0
    ledger_total: Decimal = ZERO
    unbalanced_entries: list = field(default_factory=list)
    balance_mismatches: list = field(default_factory=list)
    loan_mismatches: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.unbalanced_entries or self.balance_mismatches or self.loan_mismatches
                    or self.ledger_total != ZERO)

    def lines(self) -> list[str]:
        out = [f"entries: {self.entries}, postings: {self.postings}, accounts: {self.accounts}, "
               f"loans: {self.loans}", f"ledger total: {self.ledger_total}"]
        out += [f"UNBALANCED entry #{e['entry']}: {e['postings']} postings summing to {e['total']}"
                for e in self.unbalanced_entries]
        out += [f"BALANCE MISMATCH account #{a['account']}: cached {a['cached']} ≠ postings {a['posted']}"
                for a in self.balance_mismatches]
        out += [f"LOAN MISMATCH {m['loan']}: {m['problem']}" for m in self.loan_mismatches]
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


def _loan_mismatches() -> list[dict]:
    from lending.models import Instalment, Loan, Repayment

    def account_balance(purpose):
        return Subquery(Account.objects.filter(loan=OuterRef("pk"), purpose=purpose).values("balance")[:1],
                        output_field=MONEY)

    unpaid = Subquery(
        Instalment.objects.filter(loan=OuterRef("pk")).exclude(status=InstalmentStatus.SUPERSEDED).order_by()
        .values("loan").annotate(s=Sum(F("principal_due") - F("principal_paid"), output_field=MONEY)).values("s"),
        output_field=MONEY)
    loans = (Loan.objects.exclude(status=LoanStatus.CONTRACTED)
             .annotate(receivable=Coalesce(account_balance(AccountPurpose.LOANS_RECEIVABLE), Value(ZERO),
                                           output_field=MONEY),
                       borrowing=Coalesce(account_balance(AccountPurpose.BORROWINGS), Value(ZERO), output_field=MONEY),
                       unpaid=Coalesce(unpaid, Value(ZERO), output_field=MONEY))
             .values("pk", "contract_no", "status", "principal_outstanding", "receivable", "borrowing", "unpaid"))
    problems = []
    for row in loans.iterator(chunk_size=5000):
        outstanding = _money(row["principal_outstanding"])
        expected_receivable = ZERO if row["status"] == LoanStatus.WRITTEN_OFF else outstanding
        if _money(row["receivable"]) != expected_receivable:
            problems.append({"loan": row["contract_no"], "problem": f"receivable {_money(row['receivable'])} ≠ "
                                                                   f"{expected_receivable}"})
        if -_money(row["borrowing"]) != outstanding:
            problems.append({"loan": row["contract_no"], "problem": f"borrowing {-_money(row['borrowing'])} ≠ "
                                                                   f"outstanding {outstanding}"})
        if _money(row["unpaid"]) != outstanding:
            problems.append({"loan": row["contract_no"], "problem": f"unpaid principal of the schedule "
                                                                   f"{_money(row['unpaid'])} ≠ outstanding {outstanding}"})
        if len(problems) >= LIMIT:
            break
    parts = ExpressionWrapper(F("penalty_amount") + F("interest_amount") + F("principal_amount"), output_field=MONEY)
    wrong = (Repayment.objects.annotate(diff=Abs(ExpressionWrapper(F("amount") - parts, output_field=MONEY)))
             .filter(diff__gte=HALF_FEN).values_list("pk", flat=True)[:LIMIT])
    problems += [{"loan": "-", "problem": f"repayment #{pk} is not fully allocated"} for pk in wrong]
    return problems


def ledger_verify() -> LedgerReport:
    """Run every check (read-only)."""
    from lending.models import Loan

    return LedgerReport(
        entries=JournalEntry.objects.count(), postings=Posting.objects.count(), accounts=Account.objects.count(),
        loans=Loan.objects.exclude(status=LoanStatus.CONTRACTED).count(),
        ledger_total=_money(Posting.objects.aggregate(s=Sum("amount"))["s"]),
        unbalanced_entries=_unbalanced_entries(), balance_mismatches=_balance_mismatches(),
        loan_mismatches=_loan_mismatches(),
    )


def _tell_the_centre(alert: LedgerAlert) -> None:
    """Also publish the alert as an event of the central platform (its outbox), so subscribers
    (platform staff, the supervising government) hear of it. Lending sits above infocenter in
    the layers, so it may call infocenter's public service."""
    try:
        from infocenter.services.events import event_emit
    except ImportError:  # pragma: no cover - the centre's event API is not installed
        return
    event_emit(kind="ledger.alert", payload={"alert": alert.pk, "kind": alert.kind, "message": alert.message})


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
    if report.loan_mismatches:
        alerts.append((AlertKind.LOAN_MISMATCH, f"{len(report.loan_mismatches)} loans disagree with the ledger",
                       report.loan_mismatches))
    for kind, message, details in alerts:
        logger.error("ledger_check: %s", message, extra={"details": details})
        alert = LedgerAlert.objects.create(kind=kind, message=message,
                                           details={"items": details} if isinstance(details, list) else details)
        _tell_the_centre(alert)
    if not alerts:
        logger.info("ledger_check: ok (%s entries, %s postings)", report.entries, report.postings)
    return report
