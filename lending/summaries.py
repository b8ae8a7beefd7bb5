"""Lending's stored summaries (``infocenter.summaries``) of large lenders: the portfolio figures
of a lender's home page and the unpaid instalments by due date behind the fund pool's liquidity
projection. A lender with at least ``SUMMARY_MIN_ROWS`` loans reads them stored, refreshed every
minute; a smaller one computes them in the request."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from agents.models import Agent
from infocenter.summaries import (
    SummaryKind,
    decode_date,
    decode_dict,
    decode_one,
    decode_rows,
    summary_kind_register,
)

from .choices import LoanStatus
from .models import Loan

BOOK_MONEY = ("gross", "par30", "par60", "par90", "npl", "disbursed", "written_off")
DUES_MONEY = ("due", "paid")


def loans_per_lender() -> dict[int, int]:
    """The disbursed loans of every lender (one grouped query)."""
    return dict(Loan.objects.exclude(status=LoanStatus.CONTRACTED).order_by().values_list("lender_id")
                .annotate(n=Count("pk")))


def active_loans_per_lender() -> dict[int, int]:
    """The loans being repaid of every lender (one grouped query; an index-only scan of
    lending_loan_active_lender on PostgreSQL)."""
    return dict(Loan.objects.filter(status=LoanStatus.ACTIVE).order_by().values_list("lender_id")
                .annotate(n=Count("pk")))


def _portfolio(pk: int) -> dict:
    from .selectors.portfolio import portfolio_aggregates

    return portfolio_aggregates(lender=Agent.objects.get(pk=pk), as_of=timezone.localdate())


def _inflows(pk: int) -> dict:
    from .selectors.inflows import inflows_window

    return inflows_window(pk)


LENDER_PORTFOLIO = summary_kind_register(SummaryKind(
    "lending.portfolio", compute=_portfolio, sizes=loans_per_lender,
    decode=decode_dict(as_of=decode_date, book=decode_one(decode_rows(decimals=BOOK_MONEY)),
                       dues=decode_one(decode_rows(decimals=DUES_MONEY)))))
INFLOWS = summary_kind_register(SummaryKind(
    "lending.inflows", compute=_inflows, sizes=active_loans_per_lender,
    decode=decode_dict(**{"from": decode_date, "until": decode_date,
                          "rows": decode_rows(decimals=("principal", "interest"), dates=("due_date",))})))
