"""Reads of the rewards and penalties: the firms each kind of rule fires on (one query per rule,
whatever the number of firms), the rules and their history, the applications with filters, and
what applies to one firm."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from agents.choices import AgentKind
from agents.models import cluster_members_q
from agents.restrict import get_restricted_or_404
from infocenter.choices import ReportType, Verification
from infocenter.models import Report
from lending.choices import InstalmentStatus, LoanStatus
from lending.models import Instalment, Loan

from .models import Effect, SanctionApplication, SanctionRule
from .rules import months_back

PAGE_SIZE = 50


def _members(fc, field: str) -> Q:
    return cluster_members_q(finance_company=fc, field=field, kind=AgentKind.ENTERPRISE)


def _in_arrears_firms():
    """Firms (borrower ids, as a subquery) with something overdue on any loan on the platform."""
    return Loan.objects.filter(Q(status=LoanStatus.ACTIVE)
                               & (Q(dpd__gt=0) | Q(instalments__status=InstalmentStatus.OVERDUE))) \
        .values("borrower_id")


def on_time_firms(*, fc, months: int, today: date) -> dict[int, dict]:
    """Member firms whose last ``months`` complete calendar months each had an instalment due
    (on any loan on the platform) and every instalment due in them was paid in full by its due
    date, with nothing overdue today. ``{firm_id: evidence}``; one query."""
    start, end = months_back(today, months), today.replace(day=1)
    late = Q(paid_on__isnull=True) | Q(paid_on__gt=F("due_date"))
    rows = (Instalment.objects.filter(_members(fc, "loan__borrower_id"), due_date__gte=start, due_date__lt=end)
            .exclude(status=InstalmentStatus.SUPERSEDED)
            .exclude(loan__borrower_id__in=_in_arrears_firms())
            .values("loan__borrower_id")
            .annotate(months=Count(TruncMonth("due_date"), distinct=True), late=Count("pk", filter=late),
                      instalments=Count("pk"))
            .filter(months=months, late=0))
    return {r["loan__borrower_id"]: {"months": r["months"], "instalments": r["instalments"],
                                     "from": start.isoformat(), "to": (end - timedelta(days=1)).isoformat()}
            for r in rows}


def open_applications(*, rule_ids=None, fc=None, effects=None, episodes=None) -> dict[tuple[int, int, str], dict]:
    """The open (not ended) applications of ``rule_ids`` or of ``fc`` (of ``effects``, with one of
    ``episodes``): ``{(rule, firm, episode): row}``; one query."""
    qs = SanctionApplication.objects.filter(released_at__isnull=True)
    if rule_ids is not None:
        qs = qs.filter(rule_id__in=rule_ids)
    if fc is not None:
        qs = qs.filter(finance_company=fc)
    if effects:
        qs = qs.filter(effect__in=effects)
    if episodes is not None:
        qs = qs.filter(episode__in=list(episodes))
    return {(r["rule_id"], r["firm_id"], r["episode"]): r
            for r in qs.values("pk", "rule_id", "firm_id", "episode", "effect", "applied_at", "evidence")}


def firms_in_arrears(*, firm_ids) -> dict[int, int]:
    """Of ``firm_ids``, those with something overdue today, with their largest days past due; one query."""
    if not firm_ids:
        return {}
    rows = (Loan.objects.filter(borrower_id__in=list(firm_ids), status=LoanStatus.ACTIVE)
            .filter(Q(dpd__gt=0) | Q(instalments__status=InstalmentStatus.OVERDUE))
            .values("borrower_id").annotate(dpd=Max("dpd")))
    return {r["borrower_id"]: r["dpd"] for r in rows}


def past_due_firms(*, fc, days: int) -> dict[int, dict]:
    """Member firms with a loan (any lender on the platform) at least ``days`` past due:
    ``{firm_id: evidence}`` with the largest days past due, the number of such loans and their
    outstanding principal; one query."""
    rows = (Loan.objects.filter(_members(fc, "borrower_id"), status=LoanStatus.ACTIVE, dpd__gte=days)
            .values("borrower_id")
            .annotate(dpd=Max("dpd"), loans=Count("pk"), principal=Sum("principal_outstanding")))
    return {r["borrower_id"]: {"dpd": r["dpd"], "loans": r["loans"], "principal": str(r["principal"]),
                               "threshold_days": days} for r in rows}


def arrears_of(*, firm_ids) -> dict[int, Decimal]:
    """What each of ``firm_ids`` owes overdue (principal, interest and penalty interest); one query."""
    if not firm_ids:
        return {}
    money = DecimalField(max_digits=18, decimal_places=2)
    unpaid = ExpressionWrapper(F("principal_due") - F("principal_paid") + F("interest_due") - F("interest_paid")
                               + F("penalty_accrued") - F("penalty_paid"), output_field=money)
    rows = (Instalment.objects.filter(loan__borrower_id__in=list(firm_ids), status=InstalmentStatus.OVERDUE)
            .values("loan__borrower_id").annotate(arrears=Sum(unpaid)))
    return {r["loan__borrower_id"]: Decimal(r["arrears"] or 0).quantize(Decimal("0.01")) for r in rows}


def negative_reports(*, fc, window_days: int, now=None) -> list[dict]:
    """Negative reports about member firms verified within ``window_days``; one query."""
    now = now or timezone.now()
    return list(Report.objects.filter(_members(fc, "subject_id"), report_type=ReportType.NEGATIVE,
                                      status=Verification.VERIFIED, decided_at__gte=now - timedelta(days=window_days))
                .values("pk", "subject_id", "category", "title", "decided_at"))


def cleared_suspensions(*, fc) -> list[dict]:
    """The open suspensions of ``fc`` whose firm has nothing overdue any more; one query."""
    return list(SanctionApplication.objects.filter(finance_company=fc, effect=Effect.SUSPENSION,
                                                   released_at__isnull=True)
                .exclude(firm_id__in=_in_arrears_firms())
                .values("pk", "firm_id", "rule_id", "applied_at", "evidence"))


# --- pages ---------------------------------------------------------------------------------

def rules_for(*, user, fc) -> QuerySet[SanctionRule]:
    return SanctionRule.objects.restrict(user).filter(finance_company=fc).select_related("pending_by") \
        .annotate(applied=Count("applications", filter=Q(applications__released_at__isnull=True)))


def rule_for(*, user, fc, pk) -> SanctionRule:
    return get_restricted_or_404(SanctionRule.objects.filter(finance_company=fc).select_related("pending_by"),
                                 user, "view", pk=pk)


def rule_versions(rule: SanctionRule):
    return list(rule.versions.select_related("prepared_by", "approved_by"))


FILTERS = ("effect", "rule", "state", "q", "since", "until")


def applications_for(*, user, fc, effect: str = "", rule: str = "", state: str = "", q: str = "",
                     since: date | None = None, until: date | None = None) -> QuerySet[SanctionApplication]:
    """The finance company's applied rewards and penalties, newest first, filtered."""
    qs = (SanctionApplication.objects.restrict(user).filter(finance_company=fc)
          .select_related("firm", "rule", "publication"))
    if effect in Effect.values:
        qs = qs.filter(effect=effect)
    if rule.isdigit():
        qs = qs.filter(rule_id=int(rule))
    if state == "open":
        qs = qs.filter(released_at__isnull=True, effect__in=(Effect.DISCOUNT, Effect.SUSPENSION))
    elif state == "ended":
        qs = qs.filter(released_at__isnull=False)
    if q:
        qs = qs.filter(firm__name__icontains=q)
    if since:
        qs = qs.filter(applied_on__gte=since)
    if until:
        qs = qs.filter(applied_on__lte=until)
    return qs


def summary_of(*, fc) -> dict:
    """Counts by effect: applied in all, and open now; one query."""
    rows = (SanctionApplication.objects.filter(finance_company=fc).values("effect")
            .annotate(total=Count("pk"), open=Count("pk", filter=Q(released_at__isnull=True))))
    return {r["effect"]: r for r in rows}


def sanctions_of_firm(*, user, firm) -> list[SanctionApplication]:
    """What the rules of the firm's finance companies did to ``firm``, newest first (at most 50);
    one query."""
    return list(SanctionApplication.objects.restrict(user).filter(firm=firm)
                .select_related("rule", "finance_company")[:PAGE_SIZE])
