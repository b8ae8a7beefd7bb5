"""The loans as a sub-ledger of the ledger: every disbursed loan agrees with its accounts.

The lender's receivable account equals the outstanding principal (zero once written off), the
borrower's borrowing account equals minus the outstanding principal, the outstanding principal
equals the unpaid principal of the current instalments, and each repayment's parts add up to
its amount. Registered with ``lending.ledger.checks.subledger_register`` in ``LendingConfig.ready()``.
"""

from __future__ import annotations

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce

from agents.money import ZERO

from .choices import AccountPurpose, AlertKind, InstalmentStatus, LoanStatus
from .ledger.checks import HALF_FEN, LIMIT, _money, subledger_register
from .ledger.models import Account
from .models import Instalment, Loan, Repayment

MONEY = DecimalField(max_digits=18, decimal_places=2)


def disbursed_loan_count() -> int:
    return Loan.objects.exclude(status=LoanStatus.CONTRACTED).count()


def loan_mismatches() -> list[dict]:
    """Loans whose balances disagree with their ledger accounts or schedule, and repayments whose
    parts do not add up (at most ``LIMIT``)."""
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
            problems.append({"ref": row["contract_no"], "problem": f"receivable {_money(row['receivable'])} ≠ "
                                                                   f"{expected_receivable}"})
        if -_money(row["borrowing"]) != outstanding:
            problems.append({"ref": row["contract_no"], "problem": f"borrowing {-_money(row['borrowing'])} ≠ "
                                                                   f"outstanding {outstanding}"})
        if _money(row["unpaid"]) != outstanding:
            problems.append({"ref": row["contract_no"], "problem": f"unpaid principal of the schedule "
                                                                   f"{_money(row['unpaid'])} ≠ outstanding {outstanding}"})
        if len(problems) >= LIMIT:
            break
    parts = ExpressionWrapper(F("penalty_amount") + F("interest_amount") + F("principal_amount"), output_field=MONEY)
    wrong = (Repayment.objects.annotate(diff=Abs(ExpressionWrapper(F("amount") - parts, output_field=MONEY)))
             .filter(diff__gte=HALF_FEN).values_list("pk", flat=True)[:LIMIT])
    problems += [{"ref": "-", "problem": f"repayment #{pk} is not fully allocated"} for pk in wrong]
    return problems


def register() -> None:
    subledger_register(name="loans", alert_kind=AlertKind.LOAN_MISMATCH, count=disbursed_loan_count,
                       problems=loan_mismatches)
