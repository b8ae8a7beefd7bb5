"""What a lender's loan book will bring in: the unpaid instalments of its loans by month of due
date, set-based (one query whatever the number of loans). The fund pool's liquidity projection
reads it for the finance company."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Sum

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
    # Grouped by due date, not by a month computed per row (date_trunc on a date casts each of
    # the ~400,000 rows to a timestamp in the session's time zone); a year has at most 366 due
    # dates, folded into their months here. The range is an index-only scan of
    # lending_inst_open_due_cover joined to lending_loan_active_lender on PostgreSQL.
    rows = (Instalment.objects.filter(loan__lender=lender, loan__status=LoanStatus.ACTIVE,
                                      status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE),
                                      due_date__gte=start, due_date__lt=end)
            .order_by().values("due_date")
            .annotate(principal=Sum(F("principal_due") - F("principal_paid")),
                      interest=Sum(F("interest_due") - F("interest_paid"))))
    by_month: dict[tuple[int, int], dict] = {}
    for r in rows:  # at most one row per day of the window, whatever the number of loans
        month = by_month.setdefault((r["due_date"].year, r["due_date"].month), {"principal": ZERO, "interest": ZERO})
        month["principal"] += r["principal"] or ZERO
        month["interest"] += r["interest"] or ZERO
    result = []
    for n in range(months):
        month = month_add(first, n)
        row = by_month.get((month.year, month.month), {})
        principal, interest = quantize(row.get("principal") or ZERO), quantize(row.get("interest") or ZERO)
        result.append({"month": month, "principal": principal, "interest": interest, "total": principal + interest})
    return result
