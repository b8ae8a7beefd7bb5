"""Reads of the allocation runs: the queue of approved applications waiting for the pool's
money, the runs, and the problem a run solves (built from the open sources and the queue)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.choices import GRADE_ORDER, grade_rank
from agents.money import ZERO
from agents.restrict import get_restricted_or_404
from lending.choices import MONTHS_PER_PERIOD, ApplicationStatus, LoanStatus
from lending.models import Application, LendingStanding

from ..pool.choices import SourceStatus
from ..pool.models import FundSource, PolicyPriority
from ..pool.selectors import pool_cash_of
from .models import AllocationRun

# PD when a firm has no rated PD yet, by grade (a conservative reading of the scale); an
# unrated firm is treated as the lowest grade.
DEFAULT_PD = {"AAA": "0.0005", "AA": "0.001", "A": "0.002", "BBB": "0.005", "BB": "0.012", "B": "0.03",
              "CCC": "0.08", "CC": "0.15", "C": "0.30"}
UNRATED_GRADE = GRADE_ORDER[-1]


def waiting_q(lender) -> Q:
    """Approved applications of ``lender`` whose money has not gone out: approved and not yet
    contracted, or contracted with the loan still awaiting disbursement."""
    return Q(lender=lender) & (Q(status=ApplicationStatus.APPROVED)
                               | Q(status=ApplicationStatus.CONTRACTED, loan__status=LoanStatus.CONTRACTED))


def queue(*, cluster, today: date | None = None) -> list[dict]:
    """The queue, ranked: best grade first, then highest policy weight, then longest waiting.
    Each row: the application, grade, pd, policy weight, days waiting, amount, rate, term in months,
    and ``suspended`` (with ``suspension_reason``) when the finance company has suspended new
    money to the firm (a penalty of its rules): such a row stays in the queue but is left out of
    every run with the reason "suspended"."""
    today = today or timezone.localdate()
    apps = list(Application.objects.filter(waiting_q(cluster.finance_company))
                .select_related("applicant", "product").order_by("decided_at", "pk"))
    firm_ids = {a.applicant_id for a in apps}
    industries = {a.applicant.industry_code for a in apps if a.applicant.industry_code}
    weights: dict = {}
    for p in PolicyPriority.objects.filter(Q(firm_id__in=firm_ids) | Q(industry_code__in=industries),
                                           cluster=cluster):
        key = ("firm", p.firm_id) if p.firm_id else ("industry", p.industry_code)
        weights[key] = weights.get(key, ZERO) + p.weight
    suspended = dict(LendingStanding.objects.filter(lender=cluster.finance_company, firm_id__in=firm_ids,
                                                    suspended_since__isnull=False)
                     .values_list("firm_id", "suspension_reason")) if firm_ids else {}
    rows = []
    for a in apps:
        firm = a.applicant
        grade = firm.current_grade or UNRATED_GRADE
        weight = weights.get(("firm", firm.pk), ZERO) + weights.get(("industry", firm.industry_code), ZERO)
        amount, periods, rate = a.terms
        decided = a.decided_at or a.created_at
        rows.append({
            "application": a, "firm": firm, "grade": grade, "rated": bool(firm.current_grade),
            "pd": firm.current_pd if firm.current_pd is not None else Decimal(DEFAULT_PD[grade]),
            "policy_weight": max(Decimal(-1), min(Decimal(1), weight)),
            "waiting_days": (today - timezone.localtime(decided).date()).days,
            "amount": amount, "rate": rate, "term_months": periods * MONTHS_PER_PERIOD[a.product.frequency],
            "suspended": firm.pk in suspended, "suspension_reason": suspended.get(firm.pk, "")})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), -r["policy_weight"], -r["waiting_days"], r["application"].pk))
    return rows


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when past)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def problem_build(*, cluster, run_params: dict, today: date | None = None) -> dict:
    """The solver's problem for the cluster today. Sources: the open sources with money in the
    pool, each lending its share of today's cash (its outstanding × cash / all outstanding,
    never more than its outstanding), at its annual rate, for the months to its maturity (a
    deposit or a government fund: ``deposit_months``). Applications: the queue."""
    today = today or timezone.localdate()
    sources = list(FundSource.objects.filter(cluster=cluster, status=SourceStatus.OPEN, outstanding__gt=0)
                   .order_by("pk"))
    owed = sum((s.outstanding for s in sources), ZERO)
    cash = max(pool_cash_of(cluster), ZERO)
    share = min(Decimal(1), cash / owed) if owed else Decimal(0)
    problem_sources = []
    for s in sources:
        amount = (s.outstanding * share).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        months = months_between(today, s.maturity_date) if s.maturity_date else run_params["deposit_months"]
        if amount > 0:
            problem_sources.append({"id": str(s.pk), "name": str(s), "amount": format(amount, "f"),
                                    "cost_rate": format(s.annual_rate, "f"), "months_left": months})
    rows = queue(cluster=cluster, today=today)
    left_out = [{"id": str(r["application"].pk), "firm": str(r["firm"].pk), "firm_name": r["firm"].name,
                 "amount": format(r["amount"], "f"), "grade": r["grade"], "reason": "suspended",
                 "detail": r["suspension_reason"]} for r in rows if r["suspended"]]
    apps = [{"id": str(r["application"].pk), "firm": str(r["firm"].pk), "firm_name": r["firm"].name,
             "industry": r["firm"].industry_code or "-", "amount": format(r["amount"], "f"),
             "rate": format(r["rate"], "f"), "term_months": r["term_months"], "pd": format(r["pd"], "f"),
             "lgd": format(run_params["lgd"], "f"), "grade": r["grade"],
             "policy_weight": format(r["policy_weight"], "f"), "partial": bool(run_params["partial_allowed"])}
            for r in rows if not r["suspended"]]
    constraints = {"reserve_floor": format(run_params["reserve_floor"], "f"),
                   "single_borrower_cap": format(run_params["single_borrower_cap"], "f"),
                   "industry_cap": format(run_params["industry_cap"], "f")}
    if run_params.get("min_grade"):
        constraints["min_grade"] = run_params["min_grade"]
    return {"as_of": today.isoformat(), "cash": format(cash, "f"), "sources": problem_sources,
            "applications": apps, "constraints": constraints, "left_out": left_out}


def runs_for(*, user, cluster) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.restrict(user, "view").filter(cluster=cluster) \
        .select_related("prepared_by", "approved_by", "executed_by")


def run_for(*, user, cluster, pk) -> AllocationRun:
    return get_restricted_or_404(AllocationRun.objects.filter(cluster=cluster)
                                 .select_related("prepared_by", "approved_by", "executed_by"), user, "view", pk=pk)


ROOM = Decimal("10000")
# Why an application of the queue was not offered to the solver at all (in the reader's language).
LEFT_OUT_REASONS = {"suspended": _("left out: new money to its firm is suspended")}

# the solver's reasons (``solver.REASONS``, plain English: the solver is pure) as pages show them
REASON_TEXT = {
    "below_min_grade": _("its grade is below the minimum grade of the run"),
    "no_matching_source": _("no source has money for as long as its term"),
    "not_profitable": _("its risk-adjusted return does not cover the cost of any source that could fund it"),
    "reserve_floor": _("the reserve floor of the pool is reached"),
    "single_borrower_cap": _("its firm has reached the single-borrower cap"),
    "industry_cap": _("its industry has reached the industry cap"),
    "sources_exhausted": _("the sources that can fund its term are used up"),
    "whole_only": _("it must be funded whole and the room left is smaller than its amount"),
    "better_uses": _("the money earns more on other applications"),
}


def run_report(run: AllocationRun) -> dict:
    """A run as pages show it: per application (firm, amount asked, funded, status, reason,
    what happened at execution) and the binding constraints with what ¥10,000 more room would
    earn a year (shadow price × 10,000)."""
    from .solver import REASONS

    apps = {a["id"]: a for a in run.problem.get("applications", [])}
    sources = {s["id"]: s.get("name", s["id"]) for s in run.problem.get("sources", [])}
    firms = {a["firm"]: a.get("firm_name", a["firm"]) for a in apps.values()}
    executed = (run.execution or {}).get("applications", {})
    rows = []
    for o in run.result.get("applications", []):
        a = apps.get(o["id"], {})
        rows.append({"id": o["id"], "firm": a.get("firm_name", ""), "industry": a.get("industry", ""),
                     "grade": a.get("grade", ""), "amount": Decimal(a.get("amount", "0")),
                     "funded": Decimal(o["funded"]), "status": o["status"], "reason": o.get("reason", ""),
                     "reason_text": REASON_TEXT.get(o.get("reason", "")) or REASONS.get(o.get("reason", ""), ""),
                     "subject": firms.get(o.get("detail", {}).get("subject", ""), o.get("detail", {}).get("subject", "")),
                     "execution": executed.get(o["id"])})
    binding = []
    for b in run.result.get("binding_constraints", []):
        price = Decimal(b["shadow_price"])
        subject = b["subject"]
        name = {"single_borrower_cap": firms.get(subject, subject), "source": sources.get(subject, subject)}.get(
            b["constraint"], subject)
        binding.append({"constraint": b["constraint"], "subject": name, "shadow_price": price,
                        "per_room": (price * ROOM).quantize(Decimal("0.01"))})
    for lo in run.problem.get("left_out", []):  # never offered to the solver
        rows.append({"id": lo["id"], "firm": lo.get("firm_name", ""), "industry": "", "grade": lo.get("grade", ""),
                     "amount": Decimal(lo.get("amount", "0")), "funded": Decimal("0.00"), "status": "left_out",
                     "reason": lo["reason"], "reason_text": LEFT_OUT_REASONS.get(lo["reason"], lo["reason"]),
                     "subject": lo.get("detail", ""), "execution": executed.get(lo["id"])})
    funded = [r for r in rows if r["funded"] > 0]
    return {"rows": rows, "binding": binding, "objective": Decimal(run.result.get("objective", "0")),
            "lent": Decimal(run.result.get("lent", "0")), "pool": Decimal(run.result.get("pool", "0")),
            "funded_count": len(funded), "status": run.result.get("status", ""), "room": ROOM}
