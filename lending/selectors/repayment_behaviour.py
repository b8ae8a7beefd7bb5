"""How borrowers have repaid, per borrower and set-based: three queries for any number of
borrowers (loans, instalments, delinquency history), never one per borrower. The credit rating
of module 3 reads this for its repayment factors; it is not restricted to a viewer (a batch
read of the whole book — pages show their own restricted querysets)."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Count, DecimalField, F, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from agents.money import ZERO as MONEY_ZERO

from ..choices import InstalmentStatus, LoanClass, LoanStatus
from ..models import BucketMove, Instalment, Loan

MONEY = DecimalField(max_digits=18, decimal_places=2)
# Fields of each row returned by ``repayment_behaviour``.
BEHAVIOUR_FIELDS = ("borrower_id", "loans", "active_loans", "instalments_due", "paid_on_time", "on_time_share",
                    "current_dpd", "worst_dpd", "arrears", "worst_class_rank", "history_months", "write_offs",
                    "first_disbursed_on")


def _class_rank(field: str) -> Case:
    """normal 0 … loss 4 (``choices.class_rank`` in SQL)."""
    return Case(*[When(**{field: value}, then=Value(n)) for n, value in enumerate(LoanClass.values)],
                default=Value(-1), output_field=IntegerField())


def _months_between(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))


def repayment_behaviour(borrower_ids, *, as_of: date | None = None) -> dict[int, dict]:
    """Per borrower with at least one disbursed loan (``borrower_ids``: ids or a ``values("pk")``
    subquery): number of loans, instalments due so far and paid on time (paid in full by their
    due date) and the on-time share, current and worst days past due, arrears (unpaid principal,
    interest and penalty of overdue instalments, Decimal yuan), worst loan class ever (rank 0
    normal … 4 loss), months since the first disbursement, write-offs. Borrowers without a loan
    are absent: "no history" is for the caller to say, not a row of zeros."""
    as_of = as_of or timezone.localdate()
    ids = borrower_ids if hasattr(borrower_ids, "query") else list({int(i) for i in borrower_ids})
    disbursed = ~Q(status=LoanStatus.CONTRACTED) & Q(disbursed_on__isnull=False, disbursed_on__lte=as_of)
    rows: dict[int, dict] = {}
    for r in (Loan.objects.filter(disbursed, borrower_id__in=ids).values("borrower_id")
              .annotate(loans=Count("pk"), active_loans=Count("pk", filter=Q(status=LoanStatus.ACTIVE)),
                        current_dpd=Coalesce(Max("dpd", filter=Q(status=LoanStatus.ACTIVE)), 0),
                        max_dpd=Max("dpd"), class_rank=Max(_class_rank("loan_class")),
                        write_offs=Count("pk", filter=Q(status=LoanStatus.WRITTEN_OFF) | Q(written_off_on__isnull=False)),
                        first_disbursed_on=Min("disbursed_on")).order_by()):
        first = r["first_disbursed_on"]
        rows[r["borrower_id"]] = {
            "borrower_id": r["borrower_id"], "loans": r["loans"], "active_loans": r["active_loans"],
            "instalments_due": 0, "paid_on_time": 0, "on_time_share": None,
            "current_dpd": r["current_dpd"], "worst_dpd": r["max_dpd"] or 0, "arrears": MONEY_ZERO,
            "worst_class_rank": max(r["class_rank"], 0), "history_months": _months_between(first, as_of),
            "write_offs": r["write_offs"], "first_disbursed_on": first,
        }
    if not rows:
        return rows
    unpaid = (F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
              + F("penalty_accrued") - F("penalty_paid"))
    for r in (Instalment.objects.filter(loan__borrower_id__in=ids, due_date__lte=as_of)
              .exclude(status=InstalmentStatus.SUPERSEDED).exclude(loan__status=LoanStatus.CONTRACTED)
              .filter(loan__disbursed_on__lte=as_of)
              .values("loan__borrower_id")
              .annotate(due=Count("pk"),
                        on_time=Count("pk", filter=Q(status=InstalmentStatus.PAID, paid_on__lte=F("due_date"))),
                        arrears=Coalesce(Sum(unpaid, filter=Q(status=InstalmentStatus.OVERDUE)
                                             & Q(loan__status=LoanStatus.ACTIVE), output_field=MONEY),
                                         Value(MONEY_ZERO), output_field=MONEY)).order_by()):
        row = rows.get(r["loan__borrower_id"])
        if row is None:
            continue
        row.update(instalments_due=r["due"], paid_on_time=r["on_time"], arrears=r["arrears"],
                   on_time_share=(r["on_time"] / r["due"]) if r["due"] else None)
    for r in (BucketMove.objects.filter(loan__borrower_id__in=ids, moved_on__lte=as_of).values("loan__borrower_id")
              .annotate(worst_dpd=Max("dpd"), worst_class=Max(_class_rank("to_class"))).order_by()):
        row = rows.get(r["loan__borrower_id"])
        if row is None:
            continue
        row["worst_dpd"] = max(row["worst_dpd"], r["worst_dpd"] or 0)
        row["worst_class_rank"] = max(row["worst_class_rank"], r["worst_class"] if r["worst_class"] is not None else 0)
    return rows



def defaulted_borrowers(borrower_ids, *, start: date, end: date) -> set[int]:
    """Borrowers among ``borrower_ids`` that defaulted in ``(start, end]``: a loan more than 90
    days past due (the non-performing floor of the five-category rules) or written off. Two
    queries for any number of borrowers (for back-tests of ratings)."""
    ids = borrower_ids if hasattr(borrower_ids, "query") else list({int(i) for i in borrower_ids})
    moved = set(BucketMove.objects.filter(loan__borrower_id__in=ids, moved_on__gt=start, moved_on__lte=end,
                                          dpd__gt=90).values_list("loan__borrower_id", flat=True).distinct())
    written = set(Loan.objects.filter(borrower_id__in=ids, written_off_on__gt=start, written_off_on__lte=end)
                  .values_list("borrower_id", flat=True).distinct())
    return moved | written
