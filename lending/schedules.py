"""Repayment schedules (还款计划).

``build_schedule`` is the one place where a loan's instalments are computed:

* interest is computed **per period on the outstanding balance** (rate per period = annual rate
  ÷ 12 monthly, ÷ 4 quarterly) and rounded half-up to the fen each period;
* principal sums to exactly the loan amount and **the last instalment absorbs the rounding
  remainder**;
* 等额本息 ``equal_instalment``: a constant instalment (annuity), rounded to the fen or — the
  product option ``instalment_multiple`` — half-up to a multiple of 1 / 10 / 100 yuan;
* 等额本金 ``equal_principal``: constant principal (rounded the same way), interest falling;
* 先息后本 ``interest_only``: interest every period, all principal with the last one;
* 一次性还本付息 ``bullet``: one instalment at maturity with the principal and the interest of
  every period (each period's interest is rounded, then summed — ``Schedule.accruals``).

Due dates fall on the start date's day of month, one period apart, clamped to the month's end
(a loan started on 31 January is due on 28/29 February, 31 March, 30 April, …).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agents.money import FEN, ZERO, quantize

from .choices import INSTALMENT_MULTIPLES, MONTHS_PER_PERIOD, PERIODS_PER_YEAR, Frequency, RepaymentMethod
from .validation import collect, parse_amount, parse_choice, parse_date, parse_periods, parse_rate

__all__ = ["Instalment", "Schedule", "add_months", "build_schedule", "period_interest"]

PRECISION = 40


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` calendar months, clamped to the end of the month."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_interest(balance: Decimal, annual_rate: Decimal, frequency: str) -> Decimal:
    """Interest of one period on ``balance``, half-up to the fen."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return quantize(balance * annual_rate / PERIODS_PER_YEAR[frequency])


def _round_to(value: Decimal, multiple: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return (value / multiple).quantize(Decimal(1), rounding=ROUND_HALF_UP) * multiple


@dataclass(frozen=True)
class Instalment:
    """One row of a schedule. ``balance`` is the principal still owed after this instalment;
    ``period_start`` is the previous due date (or the start); ``accrual_periods`` is how many
    interest periods the instalment covers (1, or the whole term for a bullet loan)."""

    period: int
    due_date: date
    principal: Decimal
    interest: Decimal
    total: Decimal
    balance: Decimal
    period_start: date
    accrual_periods: int = 1

    @property
    def opening_balance(self) -> Decimal:
        return self.balance + self.principal


@dataclass(frozen=True)
class Schedule(Sequence):
    """The instalments of a loan plus the terms they were computed from. Behaves as a sequence
    of ``Instalment``; ``accruals`` is the interest of each period (one per period)."""

    instalments: tuple[Instalment, ...]
    principal: Decimal
    annual_rate: Decimal
    periods: int
    method: str
    frequency: str
    start: date
    instalment_multiple: Decimal
    accruals: tuple[Decimal, ...] = field(default=())

    def __getitem__(self, index):
        return self.instalments[index]

    def __len__(self) -> int:
        return len(self.instalments)

    def __iter__(self) -> Iterator[Instalment]:
        return iter(self.instalments)

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.instalments), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total_payment(self) -> Decimal:
        return self.total_principal + self.total_interest

    @property
    def first_payment(self) -> Decimal:
        return self.instalments[0].total

    @property
    def last_payment(self) -> Decimal:
        return self.instalments[-1].total

    @property
    def maturity(self) -> date:
        return self.instalments[-1].due_date


def _coarse_rounding_error(multiple: Decimal) -> ValidationError:
    if multiple == FEN:
        return ValidationError(
            {"principal": _("The amount is too small to be spread over this many instalments.")}, code="too_small")
    return ValidationError(
        {"instalment_multiple": _("Rounding the instalment to multiples of %(multiple)s yuan does not work for "
                                  "this loan (it would pay the loan off early or not cover the interest); choose a "
                                  "finer rounding.") % {"multiple": multiple}},
        code="coarse_rounding",
    )


def build_schedule(*, principal, annual_rate, periods, method, start, frequency: str = Frequency.MONTHLY,
                   instalment_multiple=None) -> Schedule:
    """The repayment schedule of a loan of ``principal`` yuan at ``annual_rate`` (a fraction:
    ``Decimal("0.0435")``) over ``periods`` periods of ``frequency``, starting (disbursed) on
    ``start``; the first instalment is due one period later.

    ``instalment_multiple`` (``None``/``0.01`` = to the fen, or ``1``, ``10``, ``100`` yuan) rounds
    the constant instalment (等额本息) or the constant principal part (等额本金); it does not apply
    to interest-only and bullet loans. Raw input (text) is parsed strictly (full-width digits are refused);
    bad input raises ``ValidationError`` keyed by argument name.
    """
    values = collect(
        principal=lambda: parse_amount(principal),
        annual_rate=lambda: parse_rate(annual_rate),
        periods=lambda: parse_periods(periods),
        method=lambda: parse_choice(method, RepaymentMethod),
        frequency=lambda: parse_choice(frequency, Frequency),
        start=lambda: parse_date(start),
        instalment_multiple=lambda: parse_multiple(instalment_multiple),
    )
    return build_from_anchor(**values, anchor=values["start"], offset=0)


def parse_multiple(raw) -> Decimal:
    if raw is None or raw == "":
        return FEN
    if isinstance(raw, float):
        raise ValidationError(_("Give the rounding multiple as 0.01, 1, 10 or 100."), code="invalid")
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value not in INSTALMENT_MULTIPLES:
        raise ValidationError(_("Give the rounding multiple as 0.01, 1, 10 or 100."), code="invalid")
    return value.quantize(FEN)


def build_from_anchor(*, principal: Decimal, annual_rate: Decimal, periods: int, method: str, frequency: str,
                      start: date, instalment_multiple: Decimal, anchor: date, offset: int) -> Schedule:
    """The engine behind ``build_schedule`` for already-parsed values. Due dates are
    ``anchor + (offset + k) periods``, so a schedule recomputed after a prepayment keeps the
    loan's original due-day (``offset`` = periods already elapsed)."""
    step = MONTHS_PER_PERIOD[frequency]
    multiple = instalment_multiple

    def due(k: int) -> date:
        return add_months(anchor, (offset + k) * step)

    rows: list[Instalment] = []
    balance = principal
    accruals: list[Decimal] = []

    if method == RepaymentMethod.BULLET:
        per = period_interest(principal, annual_rate, frequency)
        accruals = [per] * periods
        interest = per * periods
        rows.append(Instalment(1, due(periods), principal, interest, principal + interest, ZERO, due(0), periods))
    elif method == RepaymentMethod.INTEREST_ONLY:
        for k in range(1, periods + 1):
            interest = period_interest(principal, annual_rate, frequency)
            part = principal if k == periods else ZERO
            accruals.append(interest)
            rows.append(Instalment(k, due(k), part, interest, part + interest, principal - part, due(k - 1)))
    else:
        if method == RepaymentMethod.EQUAL_INSTALMENT:
            with localcontext() as ctx:
                ctx.prec = PRECISION
                rate = annual_rate / PERIODS_PER_YEAR[frequency]
                if rate == 0:
                    payment = principal / periods
                else:
                    growth = (1 + rate) ** periods
                    payment = principal * rate * growth / (growth - 1)
            payment = _round_to(payment, multiple)
            fixed_principal = None
        else:  # equal principal
            with localcontext() as ctx:
                ctx.prec = PRECISION
                fixed_principal = _round_to(principal / periods, multiple)
            payment = None
        for k in range(1, periods + 1):
            interest = period_interest(balance, annual_rate, frequency)
            if k == periods:
                part = balance
            else:
                part = payment - interest if fixed_principal is None else fixed_principal
                if part < 0 or part >= balance:
                    raise _coarse_rounding_error(multiple)
            accruals.append(interest)
            balance -= part
            rows.append(Instalment(k, due(k), part, interest, part + interest, balance, due(k - 1)))

    return Schedule(
        instalments=tuple(rows), principal=principal, annual_rate=annual_rate, periods=periods, method=method,
        frequency=frequency, start=start, instalment_multiple=multiple, accruals=tuple(accruals),
    )
