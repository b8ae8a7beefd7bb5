"""Delinquency: the nightly run and the per-loan refresh after a repayment.

``delinquency_run(as_of=)`` is set-based SQL — a handful of statements whatever the number of
loans, no per-loan Python loop:

1. instalments of active loans due before ``as_of`` and not paid become ``overdue``;
2. penalty interest (罚息) accrues on each overdue instalment's unpaid principal and interest at
   the loan's penalty rate ÷ 360 per day since the due date (or the last accrual), half-up to the
   fen — the same formula as ``repayments.penalty_increment``;
3. days past due per loan = ``as_of`` − the oldest unpaid overdue due date (0 when none);
4. a ``BucketMove`` row for every loan whose bucket or class changes, and for each of them an
   event ``loan.delinquency_changed`` about the borrower in the centre's outbox (so ratings
   re-score the firm; same payload keys as the other loan events);
5. the new bucket (1–30, 31–60, 61–90, 91–180, 181–360, >360) and five-category class
   (``choices.CLASS_BOUNDS``, or the lender's judged class when that is worse:
   ``loans.loan_classify``) of those loans. Only rows that change are written, so a night
   costs in proportion to the overdue part of the book; ``delinquency_as_of`` is the date of a
   loan's last change.

It is idempotent: running it twice for the same date accrues nothing more and moves nothing.
On SQLite the same statements run with SQLite's date functions; because SQLite's arithmetic is
floating point, the penalty is computed there by ``lending_penalty``, a deterministic SQL
function registered on each SQLite connection (``sqlite_penalty`` below) that evaluates the same
formula in ``Decimal`` — still one UPDATE statement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from infocenter.models import Event

from ..choices import BUCKET_BOUNDS, InstalmentStatus, LoanStatus, bucket_for, case_sql, class_for, class_sql
from ..events import DELINQUENCY_CHANGED
from ..models import BucketMove, Instalment, Loan
from ..validation import parse_date

INST = Instalment._meta.db_table
LOAN = Loan._meta.db_table
MOVE = BucketMove._meta.db_table
EVENT = Event._meta.db_table


@dataclass
class DelinquencyReport:
    as_of: date
    newly_overdue: int
    penalty_accruals: int
    moves: int       # each with its event
    dpd_changes: int
    reclassified: int
    seconds: dict[str, float] = field(default_factory=dict)  # each statement's wall time, by name


def _sql(vendor: str) -> dict[str, str]:
    pg = vendor == "postgresql"
    as_of = "%(as_of)s::date" if pg else "%(as_of)s"

    def days(later: str, earlier: str) -> str:
        return f"({later} - {earlier})" if pg else f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    greatest = "GREATEST" if pg else "MAX"
    json_object, json_array = ("jsonb_build_object", "jsonb_build_array") if pg else ("json_object", "json_array")
    as_of_text = "%(as_of)s::text" if pg else "%(as_of)s"
    bucket_case = case_sql("l.dpd", BUCKET_BOUNDS)
    class_case = class_sql("l.dpd", "l.judged_class")  # the lender's judgement can only make it worse
    active = f"'{LoanStatus.ACTIVE}'"
    penalty_days = days(as_of, f"{greatest}(i.due_date, COALESCE(i.penalty_through, i.due_date))")
    if pg:  # numeric arithmetic is exact; ROUND(numeric) rounds half away from zero (= half-up here)
        penalty = (f"ROUND((i.principal_due - i.principal_paid + i.interest_due - i.interest_paid) * l.penalty_rate"
                   f" * {penalty_days} / 360, 2)")
    else:  # SQLite computes in floating point: the same formula in Decimal, registered in apps.py
        penalty = (f"lending_penalty(i.principal_due, i.principal_paid, i.interest_due, i.interest_paid,"
                   f" l.penalty_rate, {penalty_days})")
    return {
        "mark_overdue": f"""
            UPDATE {INST} AS i SET status = '{InstalmentStatus.OVERDUE}'
              FROM {LOAN} AS l
             WHERE l.id = i.loan_id AND l.status = {active}
               AND i.status = '{InstalmentStatus.PENDING}' AND i.due_date < {as_of}""",
        "accrue_penalty": f"""
            UPDATE {INST} AS i
               SET penalty_accrued = i.penalty_accrued + {penalty},
                   penalty_through = {as_of}
              FROM {LOAN} AS l
             WHERE l.id = i.loan_id AND l.status = {active}
               AND i.status = '{InstalmentStatus.OVERDUE}' AND i.due_date < {as_of}
               AND (i.penalty_through IS NULL OR i.penalty_through < {as_of})""",
        # one statement for every active loan: an aggregate hash-joined to the loans (no
        # correlated subquery, whose plan goes bad when the statistics are stale)
        "dpd": f"""
            UPDATE {LOAN} AS l SET dpd = COALESCE(o.dpd, 0), delinquency_as_of = {as_of}
              FROM {LOAN} AS l2
              LEFT JOIN (SELECT loan_id, {days(as_of, "MIN(due_date)")} AS dpd
                           FROM {INST}
                          WHERE status = '{InstalmentStatus.OVERDUE}' AND due_date < {as_of}
                          GROUP BY loan_id) AS o ON o.loan_id = l2.id
             WHERE l.id = l2.id AND l.status = {active} AND l.dpd <> COALESCE(o.dpd, 0)""",
        "moves": f"""
            INSERT INTO {MOVE} (loan_id, moved_on, dpd, from_bucket, to_bucket, from_class, to_class, created_at)
            SELECT l.id, {as_of}, l.dpd, l.bucket, {bucket_case}, l.loan_class, {class_case}, %(now)s
              FROM {LOAN} AS l
             WHERE l.status = {active} AND (l.bucket <> {bucket_case} OR l.loan_class <> {class_case})""",
        # one outbox event per move of this run (the moves carry this run's timestamp)
        "events": f"""
            INSERT INTO {EVENT} (kind, payload, created_at, attempts, last_error, actor_agent_id, subject_agent_id)
            SELECT '{DELINQUENCY_CHANGED}', {json_object}(
                       'loan_id', l.id, 'contract_no', l.contract_no, 'lender_id', l.lender_id,
                       'borrower_id', l.borrower_id, 'moved_on', {as_of_text}, 'dpd', m.dpd,
                       'from_bucket', m.from_bucket, 'to_bucket', m.to_bucket,
                       'from_class', m.from_class, 'to_class', m.to_class,
                       'agent_ids', {json_array}(l.borrower_id)),
                   %(now)s, 0, '', l.lender_id, l.borrower_id
              FROM {MOVE} AS m JOIN {LOAN} AS l ON l.id = m.loan_id
             WHERE m.moved_on = {as_of} AND m.created_at = %(now)s
             ORDER BY m.id""",
        # only the loans whose bucket or class changes are written (not the whole book)
        "classify": f"""
            UPDATE {LOAN} AS l SET bucket = {bucket_case}, loan_class = {class_case}, delinquency_as_of = {as_of}
             WHERE l.status = {active} AND (l.bucket <> {bucket_case} OR l.loan_class <> {class_case})""",
    }


# Statements whose rows the planner overestimates by orders of magnitude: "pending and due before
# the night" is a thin slice of the (status, due_date) index (the instalments that fell due since
# the last run), but the planner multiplies the two columns' selectivities as if independent
# (pending ≈ half the book, due before the night ≈ half) and scans the whole table instead — at
# 10,000,000 instalments 2.5 s against 0.2 s through the index (benchmarks/README.md). Extended
# statistics do not cover a range on a date; sequential scans are switched off for them alone.
INDEXED = frozenset({"mark_overdue"})


@transaction.atomic
def delinquency_run(*, as_of=None) -> DelinquencyReport:
    """The nightly delinquency run for ``as_of`` (default: today). See the module docstring."""
    as_of = parse_date(as_of) if as_of is not None else timezone.localdate()
    statements = _sql(connection.vendor)
    params = {"as_of": as_of.isoformat() if connection.vendor != "postgresql" else as_of, "now": timezone.now()}
    counts, seconds = {}, {}
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for name, sql in statements.items():
            started = time.perf_counter()
            if pg and name in INDEXED:
                cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
                setting = cursor.fetchone()[0]
            cursor.execute(sql, params)
            counts[name] = cursor.rowcount
            if pg and name in INDEXED:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [setting])
            seconds[name] = time.perf_counter() - started
            if name == "accrue_penalty" and connection.vendor == "postgresql" and counts["mark_overdue"] > 1000:
                # many instalments changed status: refresh the planner's statistics before the joins
                cursor.execute(f"ANALYZE {INST} (status, due_date, loan_id)")
    if counts["events"] != counts["moves"]:  # pragma: no cover - a bug, never a user error
        raise AssertionError("every bucket move needs its event")
    return DelinquencyReport(as_of=as_of, newly_overdue=counts["mark_overdue"],
                             penalty_accruals=counts["accrue_penalty"], moves=counts["moves"],
                             dpd_changes=counts["dpd"], reclassified=counts["classify"], seconds=seconds)


def sqlite_penalty(principal_due, principal_paid, interest_due, interest_paid, rate, days):
    """The penalty formula in exact ``Decimal`` for SQLite (values arrive as floats or text)."""
    from decimal import Decimal

    from agents.money import quantize

    def exact(value, places="0.01"):
        return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(Decimal(places))

    base = exact(principal_due) - exact(principal_paid) + exact(interest_due) - exact(interest_paid)
    return str(quantize(base * exact(rate, "0.00000001") * int(days) / 360))


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver (lending/apps.py)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("lending_penalty", 6, sqlite_penalty, deterministic=True)


def loan_refresh_delinquency(*, loan: Loan, as_of: date, instalments: list[Instalment], save: bool = True,
                             moves: list | None = None) -> list:
    """Recompute one loan's days past due, bucket and class right after a repayment (the loan is
    locked by the caller). ``instalments`` are its unpaid instalments. Skipped for a backdated
    payment older than the loan's last recorded change (the next nightly run brings it up to date). Returns the
    changed field names (saved unless ``save=False``). A change of bucket or class is recorded as a
    ``BucketMove``, saved now, or appended unsaved to ``moves`` when the caller writes it itself."""
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.CLOSED):
        return []
    if loan.delinquency_as_of and as_of < loan.delinquency_as_of:
        return []
    overdue = [i.due_date for i in instalments if i.due_date < as_of]
    dpd = (as_of - min(overdue)).days if overdue else 0
    bucket, loan_class = bucket_for(dpd), class_for(dpd, loan.judged_class)
    if bucket != loan.bucket or loan_class != loan.loan_class:
        move = BucketMove(loan=loan, moved_on=as_of, dpd=dpd, from_bucket=loan.bucket, to_bucket=bucket,
                          from_class=loan.loan_class, to_class=loan_class)
        if moves is None:
            move.save()
        else:
            moves.append(move)
    fields = []
    for name, value in (("dpd", dpd), ("bucket", bucket), ("loan_class", loan_class), ("delinquency_as_of", as_of)):
        if getattr(loan, name) != value:
            setattr(loan, name, value)
            fields.append(name)
    if save and fields:
        loan.save(update_fields=fields)
    return fields
