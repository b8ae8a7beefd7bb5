"""Continuous disclosure of the finance company's own lending records (module 3): applications
submitted and decided (with the review result and reasons), loans disbursed, monthly repayment
records of complete months, and the rewards and penalties the sanction rules call for.

Incremental: a run reads only what changed since the previous one (``DisclosureCursor``). The
first run of a cluster reads everything (the back-fill); later runs read the applications
submitted or decided since, the loans with a fact in the outbox since (disbursement, repayment,
write-off, move of bucket or class), and the repayments of the months that ended since. Every
record has a unique key, so anything read twice is published once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents.models import Cluster
from agents.money import quantize
from infocenter.choices import Category, Visibility
from infocenter.models import Publication
from infocenter.services.publications import publication_create
from lending.choices import ApplicationStatus
from lending.selectors import applications_to_disclose, loans_changed_since, loans_to_disclose, repayment_months

from ..sanctions.services import sanctions_apply
from .models import DisclosureCursor, DisclosureStream

# Continuous disclosure back-fills repayment records for at most this many past months.
REPAYMENT_RECORD_MONTHS = 12
# Each run re-reads the changes stamped this long before the previous run started: a writer
# stamps its change when it makes it and commits a little later, so a change stamped just before
# the previous run read may only have become visible after. What is re-read is already published
# (its key) and is skipped; the margin only has to exceed the longest writing transaction.
SETTLE = timedelta(minutes=15)
DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.CONTRACTED, ApplicationStatus.REJECTED)
RECORD_CATEGORY = Category.LOAN_DISCLOSURE
# Past this many keys, all the publisher's record keys are read instead (one query either way).
MANY_KEYS = 500


def _money(value) -> str:
    return f"{quantize(Decimal(value)):,}"


def _pct(value) -> str:
    return f"{Decimal(value) * 100:.2f}%"


def _application_records(a) -> list[dict]:
    data = {"application_id": a.pk, "amount": str(a.amount), "periods": a.periods,
            "annual_rate": str(a.annual_rate), "status": a.status}
    records = []
    if a.submitted_at:
        records.append({
            "subject": a.applicant, "key": f"application-{a.pk}-submitted", "data": data,
            "title": _("Loan application of %(amount)s yuan submitted") % {"amount": _money(a.amount)},
            "body": _("%(firm)s applied to the finance company for %(amount)s yuan over %(n)s periods.")
            % {"firm": a.applicant.name, "amount": _money(a.amount), "n": a.periods}})
    if a.status in DECIDED:
        approved = a.status != ApplicationStatus.REJECTED
        records.append({
            "subject": a.applicant, "key": f"application-{a.pk}-decided",
            "title": _("Loan application approved") if approved else _("Loan application rejected"),
            "body": (_("Review result: approved, %(amount)s yuan.") % {"amount": _money(a.approved_amount or a.amount)}
                     if approved else _("Review result: rejected. Reasons: %(reason)s") % {"reason": a.decision_reason}),
            "data": {**data, "approved_amount": str(a.approved_amount or ""), "reason": a.decision_reason}})
    return records


def _loan_records(loan, months: list[dict]) -> list[dict]:
    records = [{
        "subject": loan.borrower, "key": f"loan-{loan.pk}-disbursed",
        "title": _("Loan %(no)s disbursed") % {"no": loan.contract_no},
        "body": _("%(amount)s yuan over %(n)s periods at %(rate)s a year, disbursed on %(date)s.")
        % {"amount": _money(loan.principal), "n": loan.periods, "rate": _pct(loan.annual_rate),
           "date": loan.disbursed_on.isoformat()},
        "data": {"loan_id": loan.pk, "principal": str(loan.principal), "disbursed_on": str(loan.disbursed_on)}}]
    for row in months:
        period = row["period"]
        records.append({
            "subject": loan.borrower, "key": f"loan-{loan.pk}-repayments-{period}", "period": period,
            "title": _("Repayment record %(no)s, %(period)s") % {"no": loan.contract_no, "period": period},
            "body": _("Repaid %(amount)s yuan: principal %(p)s, interest %(i)s, penalty interest %(pen)s.")
            % {"amount": _money(row["amount"]), "p": _money(row["principal"]), "i": _money(row["interest"]),
               "pen": _money(row["penalty"])},
            "data": {"loan_id": loan.pk, "amount": str(row["amount"]), "principal": str(row["principal"]),
                     "interest": str(row["interest"]), "penalty": str(row["penalty"])}})
    return records


def _published_keys(publisher, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    qs = Publication.objects.filter(publisher=publisher, category=RECORD_CATEGORY)
    if len(keys) <= MANY_KEYS:
        qs = qs.filter(key__in=keys)
    return set(qs.values_list("key", flat=True))


def _changes(cluster: Cluster, cursor: DisclosureCursor | None, today: date):
    """(applications, loans, repayment month rows by loan) to disclose: everything on the first
    run, what changed since the cursor afterwards."""
    fc = cluster.finance_company
    this_month = today.replace(day=1)
    oldest = (this_month - timedelta(days=31 * REPAYMENT_RECORD_MONTHS)).replace(day=1)
    if cursor is None:
        months = repayment_months(lender=fc, paid_from=oldest, paid_before=this_month)
        loans = list(loans_to_disclose(lender=fc))
        applications = list(applications_to_disclose(lender=fc))
    else:
        since = cursor.read_from - SETTLE
        applications = list(applications_to_disclose(lender=fc, since=since))
        changed = loans_changed_since(lender=fc, since=since)
        # the changed loans' complete months, and every loan's months that ended since the last run
        months = repayment_months(lender=fc, paid_from=oldest, paid_before=this_month, loan_ids=changed) \
            if changed else []
        months += repayment_months(lender=fc, paid_from=max(cursor.through_day.replace(day=1), oldest),
                                   paid_before=this_month)
        ids = changed | {row["loan_id"] for row in months}
        loans = list(loans_to_disclose(lender=fc, loan_ids=ids)) if ids else []
    by_loan: dict[int, dict[str, dict]] = {}
    for row in months:  # a month read twice (changed loan, month just ended) is one record
        by_loan.setdefault(row["loan_id"], {})[row["period"]] = row
    return applications, loans, {k: sorted(v.values(), key=lambda r: r["period"]) for k, v in by_loan.items()}


@transaction.atomic
def records_disclose(*, cluster: Cluster, today: date) -> int:
    """Disclose what happened to the finance company's own lending since the previous run and is
    not yet disclosed (see the module docstring). Returns how many publications were new."""
    fc = cluster.finance_company
    started = timezone.now()  # before anything is read: the next run reads from here
    cursor = (DisclosureCursor.objects.select_for_update()  # one run per cluster at a time
              .filter(cluster=cluster, stream=DisclosureStream.RECORDS).first())
    applications, loans, months = _changes(cluster, cursor, today)
    new = 0
    with translation.override("zh-hans"):
        records = [r for a in applications for r in _application_records(a)]
        records += [r for loan in loans for r in _loan_records(loan, months.get(loan.pk, []))]
        published = _published_keys(fc, [r["key"] for r in records])
        for r in records:
            if r["key"] in published:
                continue
            publication_create(subject=r["subject"], publisher=fc, category=RECORD_CATEGORY, title=r["title"],
                               body=r["body"], data=r["data"], visibility=Visibility.MEMBERS, key=r["key"],
                               period=r.get("period", ""))
            published.add(r["key"])
            new += 1
    new += sanctions_apply(cluster=cluster, loans=loans)
    if cursor is None:
        cursor = DisclosureCursor(cluster=cluster, stream=DisclosureStream.RECORDS, through_day=today)
    cursor.read_from, cursor.updated_at = started, timezone.now()
    cursor.through_day = max(today, cursor.through_day)  # a month once over stays over
    cursor.full_clean(validate_constraints=False)
    cursor.save()
    return new
