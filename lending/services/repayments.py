"""Repayments: allocation, prepayment with a recomputed schedule, idempotency.

Rules (docs/lending.md, "Repayment rules" and "Early settlement and prepayment"):

1. Penalty interest (罚息) is first brought up to the payment date on every overdue instalment.
2. The payment pays what is **due** (instalments due on or before the payment date): first all
   penalty interest, then all interest, then all principal — each oldest instalment first.
3. Interest of the current (not yet due) period **accrues by actual days** (按日计息): the
   principal outstanding in the period × the annual rate × the days since the period began (the
   last due date, or the disbursement) ÷ 360 — the day-count of penalty interest — half-up to
   the fen, never more than the period's scheduled interest (``accrued_interest``).
4. Money left over, up to the next instalment, pays that instalment early as scheduled: the
   interest accrued so far, then its principal, then the rest of its interest.
5. Money beyond the next instalment is a **prepayment** (提前还款); the current period ends on
   the payment date: its interest is what accrued by then, the next instalment's principal is
   paid, and the rest prepays principal. The later instalments are recomputed with
   ``build_schedule`` for the same method, rate and number of remaining periods (the term is
   kept, the instalments fall) on the original due-day grid; the first of them also carries the
   interest, by days, of the remaining principal from the payment date to the old due date.
   A bullet loan's one instalment is split the same way. Paying the payoff amount (what is due
   + the interest accrued by days + all principal) settles the loan.
6. More than the loan's payoff amount on that date is refused.

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

from ..choices import (
    MONTHS_PER_PERIOD,
    InstalmentMultiple,
    InstalmentStatus,
    LoanStatus,
    RepaymentChannel,
    RepaymentKind,
    RepaymentMethod,
)
from ..ledger import sql
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


def _opening_balance(inst: Instalment, later: list[Instalment]) -> Decimal:
    """The principal outstanding in ``inst``'s period: its own principal and the later instalments'
    unpaid principal. Paying this instalment's principal early does not lower it (that pays the
    instalment as scheduled; only a prepayment ends the period early)."""
    return inst.principal_due + sum((i.principal_unpaid for i in later), ZERO)


def day_interest(balance: Decimal, rate: Decimal, start: date, end: date) -> Decimal:
    """Interest on ``balance`` from ``start`` to ``end`` by actual days at ``rate`` ÷ 360, half-up to the fen."""
    days = (end - start).days
    if days <= 0 or balance <= ZERO:
        return ZERO
    return quantize(balance * rate * days / DAYS_IN_YEAR)


def accrued_interest(loan: Loan, inst: Instalment, on: date, later: list[Instalment]) -> Decimal:
    """Interest of the not-yet-due instalment ``inst`` accrued by ``on``, by actual days since its
    period began, on the principal outstanding in the period, at most its scheduled interest."""
    return min(inst.interest_due, day_interest(_opening_balance(inst, later), loan.annual_rate, inst.period_start, on))


def settlement_interest(loan: Loan, future: list[Instalment], on: date) -> Decimal:
    """The interest a settlement on ``on`` still owes for the current period (``future``: the
    instalments not yet due, oldest first): accrued by days, less what was already paid on it."""
    if not future:
        return ZERO
    current = future[0]
    return max(ZERO, accrued_interest(loan, current, on, future[1:]) - current.interest_paid)


def payoff_amount(loan: Loan, instalments: list[Instalment], on: date) -> Decimal:
    """What settles the loan on ``on`` (instalments already brought up to date with penalty)."""
    due = [i for i in instalments if i.due_date <= on]
    future = [i for i in instalments if i.due_date > on]
    return (sum((i.total_unpaid for i in due), ZERO) + settlement_interest(loan, future, on)
            + sum((i.principal_unpaid for i in future), ZERO))


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


def _recompute(loan: Loan, after: Instalment, principal: Decimal, periods: int, version: int,
               on: date) -> list[Instalment]:
    """The instalments that replace the later ones after a prepayment on ``on``: same method and
    rate, ``periods`` periods from ``after``'s due date, on the loan's original due-day grid. The
    first one's period starts on ``on`` and carries the interest, by days, of ``principal`` from
    ``on`` to ``after``'s due date."""
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
    rows = [Instalment(loan=loan, period=after.period + row.period, period_start=row.period_start,
                       due_date=row.due_date, accrual_periods=row.accrual_periods, principal_due=row.principal,
                       interest_due=row.interest, schedule_version=version) for row in schedule]
    rows[0].period_start = on
    rows[0].interest_due += day_interest(principal, loan.annual_rate, on, after.due_date)
    return rows


def _settled_now(loan: Loan, current: Instalment, on: date, version: int, *, principal: Decimal,
                 principal_paid: Decimal) -> Instalment:
    """The paid row that ends ``current``'s period on ``on``: its interest is what was paid on it
    (the interest accrued by days, or more if an earlier payment paid it as scheduled)."""
    return Instalment(loan=loan, period=current.period, period_start=current.period_start, due_date=on,
                      accrual_periods=1, principal_due=principal, interest_due=current.interest_paid,
                      principal_paid=principal_paid, interest_paid=current.interest_paid,
                      status=InstalmentStatus.PAID, paid_on=on, schedule_version=version)


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
    accrued_due = settlement_interest(loan, future, on)
    payoff_rest = accrued_due + sum((i.principal_unpaid for i in future), ZERO)
    version = max(i.schedule_version for i in instalments) + 1
    if loan.method != RepaymentMethod.BULLET:
        if left < payoff_rest and left <= current.interest_unpaid + current.principal_unpaid:
            # the next instalment paid early, as scheduled: accrued interest, principal, the rest of its interest
            left = _pay(plan, current, 1, left, cap=accrued_due)
            left = _pay(plan, current, 2, left)
            _pay(plan, current, 1, left)
            return plan
        # a prepayment (or the settlement): the current period ends today, its interest by days
        left = _pay(plan, current, 1, left, cap=accrued_due)
        left = _pay(plan, current, 2, left)
        settled = _settled_now(loan, current, on, version, principal=current.principal_due,
                               principal_paid=current.principal_paid)
        parts = plan.move(current, settled)
        current.interest_paid -= parts[1]  # the superseded row keeps only what earlier payments put on it
        current.principal_paid -= parts[2]
        plan.unmark(current)
        remaining = sum((i.principal_unpaid for i in rest), ZERO)
        plan.prepaid = left
        plan.superseded = [current, *rest]
        plan.created = [settled, *_recompute(loan, current, remaining - left, len(rest), version, on)]
        return plan
    # A bullet (one instalment for the whole term) paid before maturity: the interest accrued by
    # days, then it is split into the part settled now (that interest + the principal paid) and a
    # new bullet for the rest of the principal, whose interest runs by days from today.
    left = _pay(plan, current, 1, left, cap=accrued_due)
    if left <= ZERO:
        return plan
    settled = _settled_now(loan, current, on, version, principal=left, principal_paid=left)
    parts = plan.move(current, settled)
    parts[2] += left
    current.interest_paid -= parts[1]
    plan.unmark(current)
    plan.superseded = [current]
    plan.prepaid, plan.prepaid_allocated = left, True
    plan.created = [settled]
    rest_principal = current.principal_unpaid - left
    if rest_principal > ZERO:
        step = MONTHS_PER_PERIOD[loan.frequency]
        periods_left = max(1, sum(1 for k in range(current.accrual_periods)
                                  if add_months(current.due_date, -k * step) > on))
        scheduled = period_interest(rest_principal, loan.annual_rate, loan.frequency) * periods_left
        plan.created.append(Instalment(
            loan=loan, period=current.period + 1, period_start=on, due_date=current.due_date,
            accrual_periods=periods_left, principal_due=rest_principal,
            interest_due=min(scheduled, day_interest(rest_principal, loan.annual_rate, on, current.due_date)),
            schedule_version=version))
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
    """What settles ``loan`` on ``on``, split into penalty, interest and principal (read-only);
    ``total`` is exactly what ``repayment_record`` charges for a settlement on that date."""
    on = parse_date(on)
    instalments = open_instalments(loan)
    accrue_penalty(loan, instalments, on)
    due = [i for i in instalments if i.due_date <= on]
    future = [i for i in instalments if i.due_date > on]
    penalty = sum((i.penalty_unpaid for i in due), ZERO)
    interest = sum((i.interest_unpaid for i in due), ZERO) + settlement_interest(loan, future, on)
    principal = sum((i.principal_unpaid for i in instalments), ZERO)
    due_now = sum((i.total_unpaid for i in due), ZERO)
    return {"on": on, "penalty": penalty, "interest": interest, "principal": principal,
            "total": penalty + interest + principal, "due_now": due_now}
