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


# The stored summary of a large lender's inflows covers the due dates from the first of the month
# of its computation through WINDOW_MONTHS months: enough for a twelve-month projection read on
# any day of that month (and the first days of the next, until the refresh catches up).
WINDOW_MONTHS = 14


def inflows_by_due_date(*, lender_id: int, start: date, end: date) -> list[dict]:
    """Principal and interest still unpaid per due date in [start, end) on the lender's loans
    being repaid: ``due_date``, ``principal``, ``interest`` (one grouped query: at most one row
    per day, whatever the number of loans). On PostgreSQL an index-only scan of
    lending_inst_open_due_cover joined to lending_loan_active_lender."""
    rows = (Instalment.objects.filter(loan__lender_id=lender_id, loan__status=LoanStatus.ACTIVE,
                                      status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE),
                                      due_date__gte=start, due_date__lt=end)
            .order_by("due_date").values("due_date")
            .annotate(principal=Sum(F("principal_due") - F("principal_paid")),
                      interest=Sum(F("interest_due") - F("interest_paid"))))
    return [{"due_date": r["due_date"], "principal": r["principal"] or ZERO, "interest": r["interest"] or ZERO}
            for r in rows]


def inflows_window(lender_id: int, *, today: date | None = None) -> dict:
    """The stored summary's figures: the due dates of the window that starts this month."""
    from django.utils import timezone

    first = (today or timezone.localdate()).replace(day=1)
    until = month_add(first, WINDOW_MONTHS)
    return {"from": first, "until": until, "rows": inflows_by_due_date(lender_id=lender_id, start=first, end=until)}


def lender_inflows_by_month(*, lender, start: date, months: int = 12) -> list[dict]:
    """Principal and interest still unpaid on instalments falling due from ``start`` on, in the
    calendar month of ``start`` and the ``months − 1`` months after it, on the lender's loans
    being repaid (written-off and closed loans are not expected to pay): ``month`` (first day),
    ``principal``, ``interest``, ``total`` — months without an instalment included with zero.
    A large lender's rows come from its stored summary when its window covers the months asked
    (``lending.summaries``); the grouping by due date, not by a month computed per row, keeps the
    live query to at most 366 rows a year."""
    from django.utils import timezone

    from infocenter.summaries import summary_read

    from ..summaries import INFLOWS

    first = start.replace(day=1)
    end = month_add(first, months)
    window = summary_read(INFLOWS.name, lender.pk).data if first == timezone.localdate().replace(day=1) else None
    if window and window["from"] <= start and end <= window["until"]:
        rows = [r for r in window["rows"] if start <= r["due_date"] < end]
    else:
        rows = inflows_by_due_date(lender_id=lender.pk, start=start, end=end)
    by_month: dict[tuple[int, int], dict] = {}
    for r in rows:
        month = by_month.setdefault((r["due_date"].year, r["due_date"].month), {"principal": ZERO, "interest": ZERO})
        month["principal"] += r["principal"]
        month["interest"] += r["interest"]
    result = []
    for n in range(months):
        month = month_add(first, n)
        row = by_month.get((month.year, month.month), {})
        principal, interest = quantize(row.get("principal") or ZERO), quantize(row.get("interest") or ZERO)
        result.append({"month": month, "principal": principal, "interest": interest, "total": principal + interest})
    return result
