"""Disbursement and write-off of loans."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import four_eyes_check, require
from agents.money import ZERO

from ..choices import NON_PERFORMING_CLASSES, EntryKind, InstalmentStatus, LoanClass, LoanStatus, class_for, class_rank
from ..events import DELINQUENCY_CHANGED, DISBURSED, WRITTEN_OFF, loan_event
from ..ledger.models import JournalEntry
from ..ledger.services import IdempotencyConflict, fingerprint_of, parse_idempotency_key
from ..models import BucketMove, Instalment, Loan
from ..permissions import CLASSIFY, DISBURSE, WRITE_OFF
from ..schedules import build_from_anchor
from ..validation import collect, parse_date
from .postings import disbursement_lines, post, repayment_accounts_open, write_off_lines


def _lock(loan: Loan) -> Loan:
    return Loan.objects.select_for_update(of=("self",)).select_related("lender", "borrower", "product") \
        .get(pk=loan.pk)


def _not_future(value):
    if value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")
    return value


def _retry_or_conflict(entry_key: str, fingerprint: str) -> bool:
    entry = JournalEntry.objects.filter(idempotency_key=entry_key).only("fingerprint").first()
    if entry is None:
        return False
    if entry.fingerprint != fingerprint:
        raise IdempotencyConflict()
    return True


@transaction.atomic
def loan_disburse(*, loan: Loan, user, disbursed_on, idempotency_key: str) -> Loan:
    """Pay out a contracted loan on ``disbursed_on`` (today or earlier): posts the disbursement
    to the ledger, creates the instalments from ``build_schedule`` and activates the loan.
    Needs the DISBURSE capability and — maker-checker — someone other than the approver. The
    same key and date again return the loan unchanged; any other second disbursement is refused."""
    values = collect(disbursed_on=lambda: _not_future(parse_date(disbursed_on)),
                     idempotency_key=lambda: parse_idempotency_key(idempotency_key))
    loan = _lock(loan)
    payload = {"loan": loan.pk, "disbursed_on": values["disbursed_on"].isoformat(), "key": values["idempotency_key"]}
    fingerprint = fingerprint_of(payload)
    entry_key = f"disbursement:{loan.pk}"
    if loan.status != LoanStatus.CONTRACTED:
        if loan.disbursement_key == values["idempotency_key"] and _retry_or_conflict(entry_key, fingerprint):
            return loan
        if loan.disbursement_key == values["idempotency_key"]:
            raise IdempotencyConflict()
        raise ValidationError(_("This loan has already been disbursed."), code="already_disbursed")
    require(user, loan.lender, DISBURSE)
    four_eyes_check(agent=loan.lender, maker_id=loan.approved_by_id, checker=user,
                    message=_("The person who approved a loan cannot also disburse it (maker-checker)."))
    start = values["disbursed_on"]
    schedule = build_from_anchor(principal=loan.principal, annual_rate=loan.annual_rate, periods=loan.periods,
                                 method=loan.method, frequency=loan.frequency, start=start,
                                 instalment_multiple=loan.instalment_multiple_decimal, anchor=start, offset=0)
    Instalment.objects.bulk_create([
        Instalment(loan=loan, period=row.period, period_start=row.period_start, due_date=row.due_date,
                   accrual_periods=row.accrual_periods, principal_due=row.principal, interest_due=row.interest)
        for row in schedule
    ])
    loan.status, loan.disbursed_on, loan.maturity_date = LoanStatus.ACTIVE, start, schedule.maturity
    loan.principal_outstanding, loan.disbursed_by = loan.principal, user
    loan.disbursement_key, loan.delinquency_as_of = values["idempotency_key"], start
    loan.save(update_fields=["status", "disbursed_on", "maturity_date", "principal_outstanding", "disbursed_by",
                             "disbursement_key", "delinquency_as_of"])
    post(loan=loan, kind=EntryKind.DISBURSEMENT, key=entry_key, payload=payload, effective_date=start,
         lines=disbursement_lines(loan), user=user)
    repayment_accounts_open(loan)
    loan_event(DISBURSED, loan=loan, user=user, payload={"principal": loan.principal, "disbursed_on": start,
                                                         "periods": loan.periods, "annual_rate": loan.annual_rate})
    _business_record(loan)
    return loan


# Which link of the model a lender's loan is (DESIGN.md): an institution's is link d, the finance
# company's its own business (module 3). An investor's direct loan is recorded as link b by the
# investor portal, which knows the subscription behind it.
LOAN_LINKS = {"institution": "d", "finance_company": "3"}


def _business_record(loan: Loan) -> None:
    """Report the disbursed loan to the centre's business module (both parties, the government)."""
    link = LOAN_LINKS.get(loan.lender.kind)
    if link is None:
        return
    from agents.money import format_yuan
    from infocenter.services import business_record_publish

    business_record_publish(
        link=link, kind="loan", subject=loan.borrower, counterparty=loan.lender, subject_role="borrower",
        counterparty_role="lender", amount=loan.principal, key=f"loan:{loan.pk}",
        title=_("Loan %(no)s: %(amount)s from %(lender)s to %(borrower)s") % {
            "no": loan.contract_no, "amount": format_yuan(loan.principal), "lender": loan.lender.name,
            "borrower": loan.borrower.name},
        data={"loan": loan.pk, "periods": loan.periods, "annual_rate": str(loan.annual_rate),
              "disbursed_on": loan.disbursed_on.isoformat()})


@transaction.atomic
def loan_write_off(*, loan: Loan, user, reason: str, written_off_on, idempotency_key: str) -> Loan:
    """The lender's decision to write a non-performing loan off (核销): the outstanding principal
    leaves the lender's receivables through the ledger (write-off expense); the borrower still
    owes it (账销案存) and later payments are booked as recoveries. A manager of the lender only."""
    values = collect(written_off_on=lambda: _not_future(parse_date(written_off_on)),
                     idempotency_key=lambda: parse_idempotency_key(idempotency_key))
    loan = _lock(loan)
    payload = {"loan": loan.pk, "on": values["written_off_on"].isoformat(), "key": values["idempotency_key"]}
    fingerprint = fingerprint_of(payload)
    entry_key = f"write-off:{loan.pk}"
    if loan.status == LoanStatus.WRITTEN_OFF and _retry_or_conflict(entry_key, fingerprint):
        return loan
    require(user, loan.lender, WRITE_OFF)
    if loan.status != LoanStatus.ACTIVE:
        raise ValidationError(_("Only an active loan can be written off."), code="status")
    if loan.loan_class not in NON_PERFORMING_CLASSES:
        raise ValidationError(_("Only a non-performing loan (substandard, doubtful or loss) can be written off."),
                              code="performing")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Record the reasons for the write-off.")})
    if values["written_off_on"] < loan.disbursed_on:
        raise ValidationError({"written_off_on": _("The loan was not yet disbursed on that date.")})
    amount = loan.principal_outstanding
    if amount <= ZERO:
        raise ValidationError(_("Nothing is outstanding on this loan."), code="nothing_outstanding")
    post(loan=loan, kind=EntryKind.WRITE_OFF, key=entry_key, payload=payload, effective_date=values["written_off_on"],
         lines=write_off_lines(loan, amount), user=user, memo=f"{loan.contract_no}: {reason}"[:300])
    if loan.loan_class != LoanClass.LOSS:
        BucketMove.objects.create(loan=loan, moved_on=values["written_off_on"], dpd=loan.dpd, from_bucket=loan.bucket,
                                  to_bucket=loan.bucket, from_class=loan.loan_class, to_class=LoanClass.LOSS)
    loan.status, loan.loan_class = LoanStatus.WRITTEN_OFF, LoanClass.LOSS
    loan.written_off_on, loan.written_off_by, loan.written_off_amount = values["written_off_on"], user, amount
    loan.write_off_reason = reason
    loan.save(update_fields=["status", "loan_class", "written_off_on", "written_off_by", "written_off_amount",
                             "write_off_reason"])
    loan_event(WRITTEN_OFF, loan=loan, user=user, payload={"amount": amount, "written_off_on": values["written_off_on"],
                                                           "reason": reason})
    return loan


def open_instalments(loan: Loan) -> list[Instalment]:
    """The instalments of the current schedule not yet paid in full, oldest first."""
    return list(loan.instalments.exclude(status__in=(InstalmentStatus.SUPERSEDED, InstalmentStatus.PAID))
                .order_by("due_date", "period"))


@transaction.atomic
def loan_classify(*, loan: Loan, user, loan_class: str, reason: str) -> Loan:
    """The lender's judgement on an active loan's five-category class (贷款风险分类): the loan is
    classified at least ``loan_class`` whatever its days past due — a firm that stopped
    production while still paying, say. ``loan_class=""`` withdraws the judgement (back to the
    days past due alone). A judgement can only make the class worse than the days past due say;
    the nightly run and repayments keep the worse of the two. A class change is recorded in the
    loan's history (a move of class in the same bucket) and told to the centre
    (``loan.delinquency_changed``). A manager of the lender only; the reasons are required."""
    loan = _lock(loan)
    require(user, loan.lender, CLASSIFY)
    if loan.status != LoanStatus.ACTIVE:
        raise ValidationError(_("Only an active loan can be classified."), code="status")
    loan_class = (loan_class or "").strip()
    if loan_class and loan_class not in LoanClass.values:
        raise ValidationError({"loan_class": _("Choose a class from the list.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Record the reasons for the classification.")})
    by_dpd = class_for(loan.dpd)
    if loan_class and class_rank(loan_class) <= class_rank(by_dpd):
        raise ValidationError({"loan_class": _("Its days past due already classify this loan as “%(class)s”; a "
                                               "judgement can only classify it worse.")
                               % {"class": LoanClass(by_dpd).label}})
    today = timezone.localdate()
    new_class = class_for(loan.dpd, loan_class)
    old_class = loan.loan_class
    loan.judged_class, loan.judged_reason, loan.judged_by, loan.judged_on = loan_class, reason, user, today
    fields = ["judged_class", "judged_reason", "judged_by", "judged_on"]
    if new_class != old_class:
        BucketMove.objects.create(loan=loan, moved_on=today, dpd=loan.dpd, from_bucket=loan.bucket,
                                  to_bucket=loan.bucket, from_class=old_class, to_class=new_class)
        loan.loan_class = new_class
        fields.append("loan_class")
        loan_event(DELINQUENCY_CHANGED, loan=loan, user=user, payload={
            "moved_on": today, "dpd": loan.dpd, "from_bucket": loan.bucket, "to_bucket": loan.bucket,
            "from_class": old_class, "to_class": new_class, "judgement": True, "reason": reason})
    loan.save(update_fields=fields)
    return loan
