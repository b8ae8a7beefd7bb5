"""The all-in cost of a loan: the internal rate of return of its cash flows on a monthly grid,
as an effective annual rate ``(1 + monthly IRR) ** 12 - 1``. Only the rate is a float."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from scipy.optimize import brentq

from lending.choices import MONTHS_PER_PERIOD, RepaymentMethod


def schedule_cash_flows(*, schedule, upfront_costs: Decimal,
                        refund: Callable[[object], Decimal] | None = None) -> list[Decimal]:
    """The borrower's cash flows by month: month 0 the principal received less the fees paid at
    the start, then minus each instalment in the month it falls due (quarterly ones every third),
    plus what ``refund(instalment)`` gives back with it (an interest subsidy)."""
    step = MONTHS_PER_PERIOD[schedule.frequency]
    months = step * schedule.periods
    flows = [Decimal(0)] * (months + 1)
    flows[0] = schedule.principal - upfront_costs
    rows = [(months, schedule[0])] if schedule.method == RepaymentMethod.BULLET \
        else [(row.period * step, row) for row in schedule]  # a bullet: one instalment at maturity
    for month, row in rows:
        flows[month] -= row.total
        if refund is not None:
            flows[month] += refund(row)
    return flows


def _npv(rate: float, flows: Sequence[float]) -> float:
    return sum(f / (1.0 + rate) ** t for t, f in enumerate(flows))


def monthly_irr(flows: Sequence[Decimal]) -> float:
    """The monthly rate at which the flows' present value is zero (brentq over −99 % … 100 %)."""
    values = [float(f) for f in flows]
    return brentq(_npv, -0.99, 1.0, args=(values,), xtol=1e-14, maxiter=500)


def effective_annual_rate(flows: Sequence[Decimal]) -> float:
    return (1.0 + monthly_irr(flows)) ** 12 - 1.0
