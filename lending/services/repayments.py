"""Repayments: allocation, prepayment with a recomputed schedule, idempotency.

Rules (docs/lending.md, "Repayment rules"):

1. Penalty interest (罚息) is first brought up to the payment date on every overdue instalment.
2. The payment pays what is **due** (instalments due on or before the payment date): first all
   penalty interest, then all interest, then all principal — each oldest instalment first.
3. Money left over pays the **next** instalment early: the interest earned on it so far (its
   whole interest; for a bullet loan the interest of the periods begun), then its principal.
4. Money still left is a **prepayment** of principal: the later instalments are recomputed with
   ``build_schedule`` for the same method, rate and number of remaining periods (the term is
   kept, the instalments fall) on the original due-day grid. Paying everything settles the loan.
5. More than the loan's payoff amount on that date is refused.

Idempotency: every call carries a key. The same key with the same loan, amount and date returns
the first repayment; the same key with anything else raises ``IdempotencyConflict``; nothing is
ever posted twice (the key is unique on ``Repayment`` and on its journal entry).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import capabilities_by_agent
from agents.money import ZERO, format_yuan, quantize

from ..ledger import sql
from ..choices import (
    MONTHS_PER_PERIOD,
    InstalmentMultiple,
    InstalmentStatus,
    LoanStatus,
    RepaymentChannel,
    RepaymentKind,
)
from ..ledger.services import IdempotencyConflict, fingerprint_of, parse_idempotency_key
from ..models import Instalment, Loan, Product, Repayment
from ..permissions import RECORD_REPAYMENT, REPAY
from ..schedules import add_months, build_from_anchor, period_interest
from ..validation import collect, parse_amount, parse_date
from .delinquency import loan_refresh_delinquency
from .loans import _not_future, open_instalments
from .postings import repayment_lines
from .repayment_store import STALE, RepaymentWrite, repayment_load, repayment_write

DAYS_IN_YEAR = 360  # penalty interest per day = annual penalty rate / 360 (Chinese banking convention)
PAYABLE = (LoanStatus.ACTIVE, LoanStatus.WRITTEN_OFF)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def penalty_increment(inst: Instalment, rate: Decimal, as_of: date) -> Decimal:
    """Penalty interest on the unpaid principal and interest of an overdue instalment from the
    day after its due date (or after the last accrual) to ``as_of``, half-up to the fen. The
    nightly SQL computes exactly the same expression."""
    if inst.due_date >= as_of:
        return ZERO
    start = max(inst.due_date, inst.penalty_through or inst.due_date)
    days = (as_of - start).days
    if days <= 0:
        return ZERO
    base = inst.principal_unpaid + inst.interest_unpaid
    return quantize(base * rate * days / DAYS_IN_YEAR)


def accrue_penalty(loan: Loan, instalments: list[Instalment], as_of: date) -> list[Instalment]:
    """Bring penalty interest up to ``as_of`` on overdue instalments (in memory); returns the changed ones."""
    changed = []
    if loan.status != LoanStatus.ACTIVE:
        return changed  # a written-off loan accrues no more penalty (off-balance)
    for inst in instalments:
        if inst.due_date < as_of and (inst.penalty_through is None or inst.penalty_through < as_of):
            inst.penalty_accrued += penalty_increment(inst, loan.penalty_rate, as_of)
            inst.penalty_through = as_of
            changed.append(inst)
    return changed


def earned_interest(loan: Loan, inst: Instalment, on: date) -> Decimal:
    """Interest of a not-yet-due instalment earned by ``on``: all of it when it covers one period;
    for an instalment covering several periods (bullet) the interest of the periods begun."""
    if inst.accrual_periods <= 1:
        return inst.interest_due
    begun = _periods_begun(loan, inst, on)
    return min(inst.interest_due, begun * period_interest(inst.principal_due, loan.annual_rate, loan.frequency))


def _periods_begun(loan: Loan, inst: Instalment, on: date) -> int:
    step = MONTHS_PER_PERIOD[loan.frequency]
    offset = _months_between(loan.disbursed_on, inst.period_start) // step
    return max(1, sum(1 for j in range(inst.accrual_periods)
                      if add_months(loan.disbursed_on, (offset + j) * step) < on))


def payoff_amount(loan: Loan, instalments: list[Instalment], on: date) -> Decimal:
    """What settles the loan on ``on`` (instalments already brought up to date with penalty)."""
    due = [i for i in instalments if i.due_date <= on]
    future = [i for i in instalments if i.due_date > on]
    total = sum((i.total_unpaid for i in due), ZERO)
    if future:
        current = future[0]
        total += max(ZERO, earned_interest(loan, current, on) - current.interest_paid)
        total += sum((i.principal_unpaid for i in future), ZERO)
    return total


class Plan:
    """The outcome of allocating a payment (built in memory, then written at once). Instalments
    are tracked by identity because new, unsaved ones have no primary key yet."""

    def __init__(self):
        self._allocations: dict[int, tuple[Instalment, list[Decimal]]] = {}
        self._changed: dict[int, Instalment] = {}
        self.superseded: list[Instalment] = []   # existing instalments replaced
        self.created: list[Instalment] = []      # new instalments (unsaved)
        self.prepaid = ZERO                      # principal paid ahead of the schedule
        self.prepaid_allocated = False           # True when it sits on a (new) instalment already
        self.early = False                       # something went to a not-yet-due instalment

    def add(self, inst: Instalment, index: int, amount: Decimal) -> None:
        self._allocations.setdefault(id(inst), (inst, [ZERO, ZERO, ZERO]))[1][index] += amount

    def move(self, old: Instalment, new: Instalment) -> list[Decimal]:
        parts = self._allocations.pop(id(old), (old, [ZERO, ZERO, ZERO]))[1]
        self._allocations[id(new)] = (new, parts)
        return parts

    def allocated(self, inst: Instalment, index: int) -> Decimal:
        return self._allocations.get(id(inst), (inst, [ZERO, ZERO, ZERO]))[1][index]

    def allocations(self) -> list[tuple[Instalment, list[Decimal]]]:
        return list(self._allocations.values())

    def mark(self, inst: Instalment) -> None:
        self._changed[id(inst)] = inst

    def unmark(self, inst: Instalment) -> None:
        self._changed.pop(id(inst), None)

    def changed(self) -> list[Instalment]:
        return list(self._changed.values())

    def total(self, index: int) -> Decimal:
        return sum((parts[index] for _inst, parts in self._allocations.values()), ZERO)

    @property
    def principal(self) -> Decimal:
        return self.total(2) + (ZERO if self.prepaid_allocated else self.prepaid)


FIELDS = ("penalty", "interest", "principal")


def _unpaid(inst: Instalment, index: int) -> Decimal:
    return (inst.penalty_unpaid, inst.interest_unpaid, inst.principal_unpaid)[index]


def _pay(plan: Plan, inst: Instalment, index: int, left: Decimal, cap: Decimal | None = None) -> Decimal:
    amount = min(left, _unpaid(inst, index) if cap is None else cap)
    if amount <= ZERO:
        return left
    setattr(inst, f"{FIELDS[index]}_paid", getattr(inst, f"{FIELDS[index]}_paid") + amount)
    plan.add(inst, index, amount)
    plan.mark(inst)
    return left - amount


def _recompute(loan: Loan, after: Instalment, principal: Decimal, periods: int, version: int) -> list[Instalment]:
    """The instalments that replace the later ones after a prepayment: same method and rate,
    ``periods`` periods from ``after``'s due date, on the loan's original due-day grid."""
    if principal <= ZERO or periods <= 0:
        return []
    step = MONTHS_PER_PERIOD[loan.frequency]
    offset = _months_between(loan.disbursed_on, after.due_date) // step
    attempts = [(loan.instalment_multiple_decimal, periods), (Decimal(InstalmentMultiple.FEN), periods),
                (Decimal(InstalmentMultiple.FEN), 1)]
    for multiple, count in attempts:
        try:
            schedule = build_from_anchor(principal=principal, annual_rate=loan.annual_rate, periods=count,
                                         method=loan.method, frequency=loan.frequency, start=after.due_date,
                                         instalment_multiple=multiple, anchor=loan.disbursed_on, offset=offset)
            break
        except ValidationError:
            continue  # rounding too coarse for the small remainder: fall back to the fen / one period
    return [Instalment(loan=loan, period=after.period + row.period, period_start=row.period_start,
                       due_date=row.due_date, accrual_periods=row.accrual_periods, principal_due=row.principal,
                       interest_due=row.interest, schedule_version=version) for row in schedule]


def allocate(loan: Loan, instalments: list[Instalment], amount: Decimal, on: date) -> Plan:
    """Allocate ``amount`` paid on ``on`` over the loan's open ``instalments`` (mutated in memory)."""
    plan = Plan()
    due = [i for i in instalments if i.due_date <= on]
    future = [i for i in instalments if i.due_date > on]
    left = amount
    for index in range(3):  # penalty → interest → principal, oldest instalment first
        for inst in due:
            left = _pay(plan, inst, index, left)
    if left <= ZERO or not future:
        return plan
    current, rest = future[0], future[1:]
    plan.early = True
    earned = earned_interest(loan, current, on)
    left = _pay(plan, current, 1, left, cap=max(ZERO, earned - current.interest_paid))
    if left <= ZERO:
        return plan
    version = max(i.schedule_version for i in instalments) + 1
    if current.accrual_periods <= 1:
        left = _pay(plan, current, 2, left)
        if left <= ZERO:
            return plan
        remaining = sum((i.principal_unpaid for i in rest), ZERO)
        plan.prepaid = left
        plan.superseded = list(rest)
        plan.created = _recompute(loan, current, remaining - left, len(rest), version)
        return plan
    # A bullet (multi-period) instalment paid before maturity: it is split into the part settled
    # now (interest of the periods begun + the principal paid) and a new bullet for the rest.
    begun = _periods_begun(loan, current, on)
    settled = Instalment(loan=loan, period=current.period, period_start=current.period_start, due_date=on,
                         accrual_periods=begun, principal_due=left, interest_due=earned, principal_paid=left,
                         interest_paid=current.interest_paid, status=InstalmentStatus.PAID, paid_on=on,
                         schedule_version=version)
    parts = plan.move(current, settled)
    parts[2] += left
    current.interest_paid -= parts[1]  # the superseded row keeps only what earlier payments put on it
    plan.unmark(current)
    plan.superseded = [current]
    plan.prepaid, plan.prepaid_allocated = left, True
    plan.created = [settled]
    rest_principal = current.principal_unpaid - left
    if rest_principal > ZERO:
        periods_left = current.accrual_periods - begun
        per = period_interest(rest_principal, loan.annual_rate, loan.frequency)
        step = MONTHS_PER_PERIOD[loan.frequency]
        offset = _months_between(loan.disbursed_on, current.period_start) // step
        plan.created.append(Instalment(
            loan=loan, period=current.period + 1, period_start=add_months(loan.disbursed_on, (offset + begun) * step),
            due_date=current.due_date, accrual_periods=periods_left, principal_due=rest_principal,
            interest_due=per * periods_left, schedule_version=version))
    return plan


def _kind(plan: Plan, instalments: list[Instalment], on: date, closed: bool) -> str:
    if closed:
        return RepaymentKind.FULL
    if plan.prepaid > ZERO:
        return RepaymentKind.PREPAYMENT
    if plan.early:
        return RepaymentKind.EARLY
    if all(i.is_settled for i in instalments if i.due_date <= on):
        return RepaymentKind.REGULAR
    return RepaymentKind.PARTIAL


def _channel(loan: Loan, user) -> str:
    if user is None:
        return RepaymentChannel.SYSTEM
    held = capabilities_by_agent(user, (loan.lender_id, loan.borrower_id))
    if RECORD_REPAYMENT in held[loan.lender_id]:
        return RepaymentChannel.LENDER
    if REPAY in held[loan.borrower_id]:
        if loan.product_id and not sql.fetch_one(PLATFORM_SQL, [loan.product_id])[0]:
            raise PermissionDenied(_("This lender does not accept repayments through the platform; pay at the "
                                     "lender's counter."))
        return RepaymentChannel.PLATFORM
    raise PermissionDenied(_("You may not pay or record repayments of this loan."))


def _same_or_conflict(repayment: Repayment, fingerprint: str) -> Repayment:
    if repayment.fingerprint != fingerprint:
        raise IdempotencyConflict()
    return repayment


def repayment_record(*, loan: Loan, user, amount, paid_on, idempotency_key: str) -> Repayment:
    """Record a repayment of ``amount`` (raw input is fine: "1,000.00"; full-width digits are refused) paid
    on ``paid_on`` (not in the future, not before disbursement) on ``loan``.

    ``user`` is the borrower's staff paying through the platform (if the product accepts it), or
    the lender's staff recording a payment received; ``None`` means a system import. Returns the
    ``Repayment`` (with ``allocations`` and ``entry``); see the module docstring for the rules.
    Bad input raises ``ValidationError`` keyed by field and changes nothing."""
    values = collect(amount=lambda: parse_amount(amount), paid_on=lambda: _not_future(parse_date(paid_on)),
                     idempotency_key=lambda: parse_idempotency_key(idempotency_key))
    key = values["idempotency_key"]
    payload = {"loan": loan.pk, "amount": str(values["amount"]), "paid_on": values["paid_on"].isoformat()}
    fingerprint = fingerprint_of(payload)
    try:
        return _record(loan=loan, user=user, amount=values["amount"], on=values["paid_on"], key=key,
                       payload=payload, fingerprint=fingerprint)
    except IntegrityError:
        # a concurrent request with the same key committed first
        existing = Repayment.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, fingerprint)


PLATFORM_SQL = f"SELECT accepts_platform_payments FROM {Product._meta.db_table} WHERE id = %s"  # noqa: S608
# PostgreSQL first reads without a lock and lets the write check the versions (two round trips);
# after this many stale tries (other payments of the same loan kept committing first) it locks.
OPTIMISTIC_TRIES = 3
LOCKED_TRIES = 2


def _record(*, loan: Loan, user, amount: Decimal, on: date, key: str, payload: dict, fingerprint: str) -> Repayment:
    if connection.vendor == "postgresql":
        for _try in range(OPTIMISTIC_TRIES):
            # Outside a transaction the write is one statement, atomic by itself (no BEGIN/COMMIT
            # round trips); inside the caller's transaction a savepoint keeps a failure from
            # breaking it, as an atomic service would.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                repayment = _try_record(loan.pk, user, amount, on, key, payload, fingerprint, lock=False)
            if repayment is not None:
                return repayment
    for _try in range(LOCKED_TRIES):  # stale even under the lock only if an instalment changed without it
        with transaction.atomic():
            repayment = _try_record(loan.pk, user, amount, on, key, payload, fingerprint, lock=True)
        if repayment is not None:
            return repayment
    raise ValidationError(_("The loan changed while the payment was being recorded; nothing was recorded. "
                            "Please try again."), code="concurrent_change")


def _try_record(loan_pk: int, user, amount: Decimal, on: date, key: str, payload: dict, fingerprint: str, *,
                lock: bool) -> Repayment | None:
    """Read, decide, write (see repayment_store). ``None`` when the loan changed since it was read."""
    loaded = repayment_load(loan_pk, key, lock=lock)
    if loaded.existing is not None:  # a retry: answer with the first result (or refuse another request under the key)
        return _same_or_conflict(Repayment.objects.get(pk=loaded.existing), fingerprint)
    loan, instalments = loaded.loan, loaded.instalments
    channel = _channel(loan, user)
    if loan.status not in PAYABLE:
        if loan.status == LoanStatus.CONTRACTED:
            raise ValidationError(_("This loan has not been disbursed yet."), code="not_disbursed")
        raise ValidationError(_("This loan is already repaid in full."), code="closed")
    if on < loan.disbursed_on:
        raise ValidationError({"paid_on": _("The loan was not yet disbursed on that date.")})
    accrued = accrue_penalty(loan, instalments, on)
    payoff = payoff_amount(loan, instalments, on)
    if amount > payoff:
        raise ValidationError({"amount": _("This is more than is owed on the loan on that date (at most %(max)s).")
                               % {"max": format_yuan(payoff)}}, code="overpayment")
    plan = allocate(loan, instalments, amount, on)
    penalty, interest, principal = plan.total(0), plan.total(1), plan.principal
    if penalty + interest + principal != amount:  # pragma: no cover - a bug, never a user error
        raise AssertionError("the allocation must use the whole payment")

    # instalments: statuses, superseded rows, new rows
    superseded_ids = {i.pk for i in plan.superseded}
    live = [i for i in instalments if i.pk not in superseded_ids] + plan.created
    for inst in live:
        if inst.is_settled:
            if inst.status != InstalmentStatus.PAID:
                inst.status, inst.paid_on = InstalmentStatus.PAID, on
                plan.mark(inst)
        elif inst.due_date < on and inst.status != InstalmentStatus.OVERDUE:
            inst.status = InstalmentStatus.OVERDUE
            plan.mark(inst)
    for inst in plan.superseded:
        inst.status = InstalmentStatus.SUPERSEDED

    outstanding = loan.principal_outstanding - principal
    closed = outstanding == ZERO and all(i.is_settled for i in live)
    lines = repayment_lines(loan, penalty=penalty, interest=interest, principal=principal)  # before any status change
    loan.principal_outstanding = outstanding
    fields = ["principal_outstanding"]
    if closed and loan.status == LoanStatus.ACTIVE:
        loan.status, loan.closed_on = LoanStatus.CLOSED, on
        fields += ["status", "closed_on"]
    moves = []
    fields += loan_refresh_delinquency(loan=loan, as_of=on, instalments=[i for i in live if not i.is_settled],
                                       save=False, moves=moves)
    kind = _kind(plan, live, on, closed)
    write = RepaymentWrite(
        loan=loan, user=user, key=key, payload=payload, fingerprint=fingerprint, on=on, version=loaded.version,
        lines=lines,
        repayment={"loan_id": loan.pk, "idempotency_key": key, "fingerprint": fingerprint, "amount": amount,
                   "paid_on": on, "kind": kind, "channel": channel, "penalty_amount": penalty,
                   "interest_amount": interest, "principal_amount": principal, "prepaid_principal": plan.prepaid,
                   "recorded_by_id": getattr(user, "pk", None), "created_at": timezone.now()},
        instalments=list({i.pk: i for i in [*accrued, *plan.changed(), *plan.superseded] if i.pk is not None}.values()),
        created=plan.created,
        allocations=[(inst, *parts) for inst, parts in plan.allocations() if any(parts)],
        loan_fields=fields, moves=moves,
        event={"amount": amount, "paid_on": on, "kind": kind, "penalty": penalty, "interest": interest,
               "principal": principal, "outstanding": outstanding, "closed": closed, "dpd": loan.dpd},
    )
    written = repayment_write(write)
    if written == STALE:
        return None
    if written is None:  # a concurrent request with this key won the race: answer with its result
        raise IntegrityError("repayment idempotency key already used")
    repayment_id, entry_id = written
    repayment = Repayment(id=repayment_id, entry_id=entry_id, **write.repayment)
    repayment._state.adding, repayment._state.db = False, connection.alias
    return repayment


def loan_payoff_quote(*, loan: Loan, on: date) -> dict:
    """What settles ``loan`` on ``on``, split into penalty, interest and principal (read-only)."""
    on = parse_date(on)
    instalments = open_instalments(loan)
    accrue_penalty(loan, instalments, on)
    due = [i for i in instalments if i.due_date <= on]
    future = [i for i in instalments if i.due_date > on]
    penalty = sum((i.penalty_unpaid for i in due), ZERO)
    interest = sum((i.interest_unpaid for i in due), ZERO)
    principal = sum((i.principal_unpaid for i in instalments), ZERO)
    if future:
        interest += max(ZERO, earned_interest(loan, future[0], on) - future[0].interest_paid)
    due_now = sum((i.total_unpaid for i in due), ZERO)
    return {"on": on, "penalty": penalty, "interest": interest, "principal": principal,
            "total": penalty + interest + principal, "due_now": due_now}
