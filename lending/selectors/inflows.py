"""What a lender's loan book will bring in: the unpaid instalments of its loans by month of due
date, set-based (one query whatever the number of loans). The fund pool's liquidity projection
reads it for the finance company."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth

from agents.money import ZERO, quantize

from ..choices import InstalmentStatus, LoanStatus
from ..models import Instalment


def month_add(first: date, n: int) -> date:
    """The first day of the month ``n`` months after ``first``'s month."""
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def lender_inflows_by_month(*, lender, start: date, months: int = 12) -> list[dict]:
    """Principal and interest still unpaid on instalments falling due from ``start`` on, in the
    calendar month of ``start`` and the ``months − 1`` months after it, on the lender's loans
    being repaid (written-off and closed loans are not expected to pay): ``month`` (first day),
    ``principal``, ``interest``, ``total`` — months without an instalment included with zero."""
    first = start.replace(day=1)
    end = month_add(first, months)
    rows = (Instalment.objects.filter(loan__lender=lender, loan__status=LoanStatus.ACTIVE,
                                      status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE),
                                      due_date__gte=start, due_date__lt=end)
            .order_by().annotate(month=TruncMonth("due_date")).values("month")
            .annotate(principal=Sum(F("principal_due") - F("principal_paid")),
                      interest=Sum(F("interest_due") - F("interest_paid"))))
    by_month = {(r["month"].year, r["month"].month): r for r in rows}
    result = []
    for n in range(months):
        month = month_add(first, n)
        row = by_month.get((month.year, month.month), {})
        principal, interest = quantize(row.get("principal") or ZERO), quantize(row.get("interest") or ZERO)
        result.append({"month": month, "principal": principal, "interest": interest, "total": principal + interest})
    return result
