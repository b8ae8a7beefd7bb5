"""The oversight dashboard's stored summaries (``infocenter.summaries``): the region's book (one
scan of its loans, folded into the lender, industry and grade breakdowns), the twelve months of
trends and the centre's information coverage, per government. A region with at least
``SUMMARY_MIN_ROWS`` loans reads them stored, refreshed every minute; a smaller one computes them
in the request."""

from __future__ import annotations

from django.db.models import Count

from agents.choices import AgentKind
from agents.models import Agent
from agents.restrict import region_prefix
from infocenter.summaries import SummaryKind, decode_dict, decode_rows, summary_kind_register
from lending.choices import LoanStatus
from lending.models import Loan

BOOK_MONEY = ("outstanding", "par30", "par90", "npl", "disbursed", "weighted")
TREND_MONEY = ("disbursed", "private", "repaid")


def _government(pk: int) -> Agent:
    return Agent.objects.get(pk=pk, kind=AgentKind.GOVERNMENT)


def loans_per_government() -> dict[int, int]:
    """The disbursed loans to each government's region (one grouped query over the loans by the
    borrower's region code, summed per government's prefix)."""
    per_code = dict(Loan.objects.exclude(status=LoanStatus.CONTRACTED).order_by()
                    .values_list("borrower__region_code").annotate(n=Count("pk")))
    governments = Agent.objects.filter(kind=AgentKind.GOVERNMENT).values_list("pk", "region_code")
    return {pk: sum(n for code, n in per_code.items() if (code or "").startswith(region_prefix(region)))
            for pk, region in governments}


def _book(pk: int) -> list[dict]:
    from .selectors_oversight import book_rows

    return book_rows(_government(pk))


def _trend(pk: int) -> list[dict]:
    from .selectors_oversight import trends

    return trends(_government(pk))


def _coverage(pk: int) -> dict:
    from .selectors_oversight import information_coverage

    return information_coverage(_government(pk))


BOOK = summary_kind_register(SummaryKind(
    "government.book", compute=_book, sizes=loans_per_government, decode=decode_rows(decimals=BOOK_MONEY)))
TREND = summary_kind_register(SummaryKind(
    "government.trend", compute=_trend, sizes=loans_per_government,
    decode=decode_rows(decimals=TREND_MONEY, dates=("month",))))
COVERAGE = summary_kind_register(SummaryKind(
    "government.coverage", compute=_coverage, sizes=loans_per_government, decode=decode_dict()))
