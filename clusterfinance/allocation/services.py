"""Writes of the allocation runs: prepare (solve the pool against the queue), approve or reject
(maker-checker: a manager other than the preparer), execute (disburse the applications funded
in full through lending's services) and disclose the run in the centre."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents.capabilities import four_eyes_check, require
from agents.choices import GRADE_ORDER
from agents.parsing import collect
from infocenter.choices import Category, Visibility
from infocenter.services.publications import publication_create
from lending import services as lending_services
from lending.choices import ApplicationStatus, LoanStatus
from lending.ledger.services import IdempotencyConflict
from lending.models import Application
from lending.validation import parse_rate

from ..pool.models import PolicyPriority
from ..pool.permissions import MANAGE_POOL
from ..pool.selectors import pool_cash_of
from . import selectors
from .choices import RunStatus
from .models import AllocationRun
from .permissions import APPROVE_ALLOCATION, PREPARE_ALLOCATION
from .solver import ProblemError, problem_from_dict, solve


def _share(raw) -> Decimal:
    value = parse_rate(raw)
    if value > 1:
        raise ValidationError(_("Give a share between 0 and 100%."))
    return value


def _params(*, reserve_floor, single_borrower_cap, industry_cap, min_grade, lgd, partial_allowed,
            deposit_months) -> dict:
    def months():
        try:
            value = int(str(deposit_months).strip())
        except (TypeError, ValueError):
            raise ValidationError(_("Give a whole number of months."))
        if not 1 <= value <= 360:
            raise ValidationError(_("Give between 1 and 360 months."))
        return value

    def grade():
        text = str(min_grade or "").strip().upper()
        if text and text not in GRADE_ORDER:
            raise ValidationError(_("“%(value)s” is not a grade.") % {"value": min_grade})
        return text

    return collect(reserve_floor=lambda: _share(reserve_floor), single_borrower_cap=lambda: _share(single_borrower_cap),
                   industry_cap=lambda: _share(industry_cap), lgd=lambda: _share(lgd), min_grade=grade,
                   deposit_months=months, partial_allowed=lambda: bool(partial_allowed))


@transaction.atomic
def allocation_run_prepare(*, user, cluster, reserve_floor, single_borrower_cap, industry_cap, lgd,
                           min_grade: str = "", partial_allowed: bool = False, deposit_months=12,
                           based_on: AllocationRun | None = None, note: str = "", today=None) -> AllocationRun:
    """Build the problem from the open sources and the queue, solve it and keep both (a draft
    awaiting approval). ``based_on`` marks a what-if of another run."""
    require(user, cluster.finance_company, PREPARE_ALLOCATION)
    params = _params(reserve_floor=reserve_floor, single_borrower_cap=single_borrower_cap, industry_cap=industry_cap,
                     min_grade=min_grade, lgd=lgd, partial_allowed=partial_allowed, deposit_months=deposit_months)
    problem = selectors.problem_build(cluster=cluster, run_params=params, today=today)
    if not problem["sources"]:
        raise ValidationError(_("The pool has no money to allocate: no open source has money in it, or the "
                                "finance company has no cash."))
    try:
        allocation = solve(problem_from_dict(problem))
    except ProblemError as error:
        raise ValidationError(_("The problem could not be built: %(errors)s") % {"errors": "; ".join(error.errors)})
    run = AllocationRun(cluster=cluster, prepared_by=user, problem=problem, result=allocation.as_dict(),
                        based_on=based_on, note=(note or "").strip(), **params)
    run.full_clean()
    run.save()
    return run


def _lock(run: AllocationRun) -> AllocationRun:
    return AllocationRun.objects.select_for_update().select_related("cluster__finance_company").get(pk=run.pk)


@transaction.atomic
def allocation_run_decide(*, user, run: AllocationRun, approve: bool, reason: str = "") -> AllocationRun:
    """A manager approves or rejects a prepared run — never the person who prepared it."""
    run = _lock(run)
    fc = run.cluster.finance_company
    require(user, fc, APPROVE_ALLOCATION)
    four_eyes_check(agent=fc, maker_id=run.prepared_by_id, checker=user,
                    message=_("The person who prepared an allocation run cannot also approve it (maker-checker)."))
    if run.status != RunStatus.DRAFT:
        raise ValidationError(_("This run is already %(status)s.") % {"status": run.get_status_display()})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reasons for the rejection.")})
    run.status = RunStatus.APPROVED if approve else RunStatus.REJECTED
    run.approved_by, run.approved_at, run.decision_reason = user, timezone.now(), reason
    run.save(update_fields=["status", "approved_by", "approved_at", "decision_reason"])
    return run


@transaction.atomic
def allocation_run_execute(*, user, run: AllocationRun, on=None) -> AllocationRun:
    """Disburse an approved run: each application funded in full is contracted if it is not yet
    and its loan disbursed through ``lending.services.loan_disburse`` (with its own checks,
    maker-checker included); an application funded in part, no longer waiting or refused by
    lending is left and the reason recorded. Refused as a whole when the pool's cash today is
    less than what the run would disburse. The run is then disclosed in the centre."""
    run = _lock(run)
    fc = run.cluster.finance_company
    require(user, fc, MANAGE_POOL)
    if run.status != RunStatus.APPROVED:
        raise ValidationError(_("Only an approved run can be executed; this one is %(status)s.") % {
            "status": run.get_status_display()})
    on = on or timezone.localdate()
    asked = {a["id"]: Decimal(a["amount"]) for a in run.problem.get("applications", [])}
    full = [o for o in run.result.get("applications", []) if Decimal(o["funded"]) > 0]
    to_pay = sum((Decimal(o["funded"]) for o in full if Decimal(o["funded"]) == asked.get(o["id"])), Decimal(0))
    cash = pool_cash_of(run.cluster)
    if to_pay > cash:
        raise ValidationError(_("The pool has only %(cash)s yuan in cash today, less than the %(pay)s yuan this "
                                "run would disburse; prepare a new run.") % {"cash": f"{cash:,}", "pay": f"{to_pay:,}"})
    apps = {str(a.pk): a for a in Application.objects.filter(pk__in=[int(o["id"]) for o in full], lender=fc)
            .select_related("loan")}
    outcome: dict[str, dict] = {}
    for o in full:
        funded, app = Decimal(o["funded"]), apps.get(o["id"])
        if funded != asked.get(o["id"]):
            outcome[o["id"]] = {"done": False, "note": _("Funded in part (%(funded)s of %(asked)s yuan): an approved "
                                                         "loan's amount cannot be changed, so it waits for the next "
                                                         "run.") % {"funded": f"{funded:,}",
                                                                    "asked": f"{asked.get(o['id'], 0):,}"}}
            continue
        if app is None or not Application.objects.filter(selectors.waiting_q(fc), pk=app.pk).exists():
            outcome[o["id"]] = {"done": False, "note": _("No longer waiting for money; nothing was disbursed.")}
            continue
        try:
            with transaction.atomic():
                loan = app.loan if app.status == ApplicationStatus.CONTRACTED else \
                    lending_services.application_contract(application=app, user=user)
                if loan.status == LoanStatus.CONTRACTED:
                    loan = lending_services.loan_disburse(loan=loan, user=user, disbursed_on=on,
                                                          idempotency_key=f"allocation:{run.pk}:{app.pk}")
        except (ValidationError, PermissionDenied, IdempotencyConflict) as error:
            message = "; ".join(getattr(error, "messages", None) or [str(error)])
            outcome[o["id"]] = {"done": False, "note": _("Left: %(reason)s") % {"reason": message}}
        else:
            outcome[o["id"]] = {"done": True, "loan": loan.pk, "contract_no": loan.contract_no,
                                "note": _("Disbursed %(amount)s yuan.") % {"amount": f"{loan.principal:,}"}}
    run.execution = {"on": on.isoformat(), "applications": outcome,
                     "disbursed": format(sum((Decimal(o["funded"]) for o in full
                                              if outcome.get(o["id"], {}).get("done")), Decimal(0)), "f")}
    run.status, run.executed_by, run.executed_at = RunStatus.EXECUTED, user, timezone.now()
    run.save(update_fields=["execution", "status", "executed_by", "executed_at"])
    allocation_run_disclose(run=run)
    return run


def _outcome_text(row: dict) -> str:
    """An application's outcome in words, in the active language: funded in full (and disbursed)
    or the reason it was cut or left waiting."""
    text = str(_("funded in full")) if row["status"] == "funded" else str(row["reason_text"] or row["status"])
    if row["execution"] and row["execution"].get("done"):
        text = _("%(outcome)s · disbursed") % {"outcome": text}
    return text


def allocation_run_disclose(*, run: AllocationRun) -> None:
    """Two publications about the finance company: for platform members the parameters, totals
    and each application's outcome by application number, industry and grade (no firm's name —
    a firm's loan is its business record, seen by name only by the supervisor); for the
    government of the region the same with the firms' names."""
    fc = run.cluster.finance_company
    with translation.override("zh-hans"):
        report = selectors.run_report(run)
        rows = [{"application": r["id"], "industry": r["industry"], "grade": r["grade"], "asked": str(r["amount"]),
                 "funded": str(r["funded"]), "status": r["status"], "reason": r["reason"],
                 "disbursed": bool(r["execution"] and r["execution"].get("done")),
                 "outcome": _outcome_text(r)} for r in report["rows"]]
        pairs = list(zip(run.result.get("binding_constraints", []), report["binding"], strict=True))
        binding = [{**b, "per_room": str(r["per_room"])} for b, r in pairs]  # a firm by its number only
        binding_named = [{**b, "subject": str(r["subject"]), "per_room": str(r["per_room"])} for b, r in pairs]
    # the parameters at the top level (each shown with its label on the hub), the totals, the rows
    data = {"run": run.pk, "reserve_floor": str(run.reserve_floor),
            "single_borrower_cap": str(run.single_borrower_cap), "industry_cap": str(run.industry_cap), "min_grade": run.min_grade, "lgd": str(run.lgd),
            "partial_allowed": run.partial_allowed, "deposit_months": run.deposit_months,
            "objective": str(report["objective"]), "pool": str(report["pool"]),
            "lent": str(report["lent"]), "disbursed": run.execution.get("disbursed", "0"),
            "funded_count": report["funded_count"], "applications": rows, "binding_constraints": binding}
    with translation.override("zh-hans"):
        title = _("Allocation run #%(n)s of the fund pool") % {"n": run.pk}
        body = _("The finance company re-allocated its pool: %(lent)s yuan to %(count)s applications; "
                 "%(disbursed)s yuan disbursed.") % {"lent": f"{report['lent']:,}", "count": report["funded_count"],
                                                     "disbursed": f"{Decimal(run.execution.get('disbursed', '0')):,}"}
        publication_create(subject=fc, publisher=fc, category=Category.LOAN_DISCLOSURE, title=title, body=body,
                           data=data, visibility=Visibility.MEMBERS, key=f"allocation-run-{run.pk}")
        named = {**data, "applications": [{**row, "firm": r["firm"]} for row, r in zip(rows, report["rows"],
                                                                                       strict=True)],
                 "binding_constraints": binding_named}
        publication_create(subject=fc, publisher=fc, category=Category.LOAN_DISCLOSURE,
                           title=_("%(title)s (with the firms' names)") % {"title": title}, body=body, data=named,
                           visibility=Visibility.GOVERNMENT, key=f"allocation-run-{run.pk}-named")


@transaction.atomic
def policy_priority_add(*, user, cluster, weight, programme: str, firm=None, industry_code: str = "") -> PolicyPriority:
    """Record a policy priority for a firm or an industry (the finance company, for now)."""
    require(user, cluster.finance_company, PREPARE_ALLOCATION)

    def parse_weight():
        try:
            value = Decimal(str(weight).strip().replace("%", "")) / (100 if "%" in str(weight) else 1)
        except Exception:
            raise ValidationError(_("“%(value)s” is not a weight.") % {"value": weight})
        if not value.is_finite() or not -1 <= value <= 1:
            raise ValidationError(_("A weight lies between -1 and 1 (0.01 = one point a year)."))
        return value

    values = collect(weight=parse_weight)
    industry_code = (industry_code or "").strip().upper()
    if bool(firm) == bool(industry_code):
        raise ValidationError(_("Give either a firm or an industry, not both."))
    if not (programme or "").strip():
        raise ValidationError({"programme": _("Name the source or programme of the priority.")})
    priority = PolicyPriority(cluster=cluster, firm=firm, industry_code=industry_code, weight=values["weight"],
                              programme=programme.strip(), created_by=user)
    priority.full_clean()
    priority.save()
    return priority
