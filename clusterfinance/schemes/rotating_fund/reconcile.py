"""The rotating fund as a sub-ledger: each fund's capital (fees + interest − losses − what the
close paid back, from its rows) and its advances out equal the finance company's deposits and
placements over the fund's entries; a closed fund's are zero."""

from __future__ import annotations

from agents.money import ZERO
from lending.choices import AlertKind
from lending.ledger.checks import LIMIT, subledger_register

from . import selectors
from .models import RotatingFund, RoundStatus


def fund_count() -> int:
    return RotatingFund.objects.count()


def fund_mismatches() -> list[dict]:
    problems = []
    for fund in RotatingFund.objects.prefetch_related("members", "rounds").order_by("pk"):
        rounds = list(fund.rounds.all())
        expected_capital = sum((m.fee_paid for m in fund.members.all()), ZERO) \
            + sum((r.interest for r in rounds if r.status == RoundStatus.REPAID), ZERO) \
            - sum((r.amount for r in rounds if r.status == RoundStatus.DEFAULTED), ZERO) \
            - sum(((m.fee_returned or ZERO) + (m.interest_share or ZERO) for m in fund.members.all()), ZERO)
        expected_out = sum((r.amount for r in rounds if r.status == RoundStatus.DRAWN), ZERO)
        capital, out = selectors.fund_capital(fund), selectors.fund_outstanding(fund)
        if capital != expected_capital:
            problems.append({"ref": f"rotating fund #{fund.pk}",
                             "problem": f"capital {expected_capital} ≠ ledger {capital}"})
        if out != expected_out:
            problems.append({"ref": f"rotating fund #{fund.pk}",
                             "problem": f"advances out {expected_out} ≠ ledger {out}"})
        if len(problems) >= LIMIT:
            break
    return problems[:LIMIT]


def register() -> None:
    subledger_register(name="rotating_funds", alert_kind=AlertKind.BALANCE_MISMATCH, count=fund_count,
                       problems=fund_mismatches)
