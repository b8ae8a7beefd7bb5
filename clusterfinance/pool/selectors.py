"""Reads of the fund pool: its sources, their movements, and the liquidity view — cash today,
what the pool owes by kind, the reserve ratio against the floor, concentration by source and a
12-month projection of cash (inflows from the finance company's loan schedules, outflows of
interest and principal to the sources)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from agents.money import ZERO, quantize, ratio
from agents.restrict import get_restricted_or_404
from lending.selectors.inflows import lender_inflows_by_month, month_add

from .choices import SourceKind, SourceStatus
from .models import FundSource, PolicyPriority, SourceMovement

MONTHS = 12
# principal of these kinds falls due at their maturity; deposits and government funds have none
MATURING_KINDS = (SourceKind.NOTE, SourceKind.CREDIT_LINE)


def sources_for(*, user, cluster) -> QuerySet[FundSource]:
    return FundSource.objects.restrict(user, "view").filter(cluster=cluster).select_related("counterparty")


def source_for(*, user, cluster, pk: int) -> FundSource:
    return get_restricted_or_404(FundSource.objects.filter(cluster=cluster).select_related("counterparty"),
                                 user, "view", pk=pk)


def source_movements(*, source: FundSource) -> QuerySet[SourceMovement]:
    return source.movements.select_related("entry", "created_by").order_by("-on", "-pk")


def priorities_for(*, user, cluster) -> QuerySet[PolicyPriority]:
    return PolicyPriority.objects.restrict(user, "view").filter(cluster=cluster).select_related("firm")


def pool_cash_of(cluster) -> Decimal:
    from lending.choices import AccountPurpose
    from lending.ledger.models import Account

    account = Account.objects.filter(agent_id=cluster.finance_company_id, purpose=AccountPurpose.CASH,
                                     loan__isnull=True).first()
    return account.balance if account else ZERO


@dataclass
class ProjectionMonth:
    month: date
    inflow: Decimal
    interest: Decimal
    principal: Decimal
    cash: Decimal  # at the end of the month
    owed: Decimal  # at the end of the month
    reserve_ratio: Decimal | None
    below_floor: bool

    @property
    def outflow(self) -> Decimal:
        return self.interest + self.principal

    @property
    def net(self) -> Decimal:
        return self.inflow - self.outflow


@dataclass
class Liquidity:
    cash: Decimal
    owed: Decimal
    owed_by_kind: list[dict]
    reserve_ratio: Decimal | None
    reserve_floor: Decimal
    concentration_warning: Decimal
    concentration: list[dict]
    projection: list[ProjectionMonth] = field(default_factory=list)

    @property
    def below_floor(self) -> bool:
        return self.reserve_ratio is not None and self.reserve_ratio < self.reserve_floor

    @property
    def months_below_floor(self) -> list[ProjectionMonth]:
        return [m for m in self.projection if m.below_floor]

    def chart(self) -> dict:
        """The projection for ECharts (amounts as strings of yuan, never floats in Python)."""
        return {"months": [m.month.strftime("%Y-%m") for m in self.projection],
                "inflow": [str(m.inflow) for m in self.projection],
                "outflow": [str(m.outflow) for m in self.projection],
                "cash": [str(m.cash) for m in self.projection],
                "floor": [str(quantize(m.owed * self.reserve_floor)) for m in self.projection]}


def _ratio(cash: Decimal, owed: Decimal) -> Decimal | None:
    return ratio(cash, owed) if owed > 0 else None


def liquidity(*, cluster, policy, today: date | None = None, months: int = MONTHS) -> Liquidity:
    """The liquidity view of the pool (a fixed number of queries whatever the number of sources
    and loans). Each month of the projection: inflow = the instalments (principal + interest)
    still unpaid on the finance company's loans that fall due in it (from today); interest =
    each open source's outstanding × annual_rate / 12; principal = the outstanding of notes and
    credit lines maturing in it; cash = last month's cash + inflow − interest − principal; a
    month whose cash is below reserve_floor × what the pool still owes is flagged."""
    today = today or timezone.localdate()
    # a policy just created by get_or_create still holds its defaults as strings
    floor, warning = Decimal(policy.reserve_floor), Decimal(policy.concentration_warning)
    cash = pool_cash_of(cluster)
    sources = list(FundSource.objects.filter(cluster=cluster, status=SourceStatus.OPEN, outstanding__gt=0)
                   .select_related("counterparty").order_by("pk"))
    owed = money_sum_py(s.outstanding for s in sources)
    by_kind = []
    for kind in SourceKind:
        total = money_sum_py(s.outstanding for s in sources if s.kind == kind)
        by_kind.append({"kind": kind, "label": kind.label, "amount": total, "share": ratio(total, owed) if owed else ZERO,
                        "count": sum(1 for s in sources if s.kind == kind)})
    concentration = [{"source": s, "amount": s.outstanding, "share": ratio(s.outstanding, owed),
                      "warning": ratio(s.outstanding, owed) > warning}
                     for s in sorted(sources, key=lambda s: (-s.outstanding, s.pk))]
    result = Liquidity(cash=cash, owed=owed, owed_by_kind=by_kind, reserve_ratio=_ratio(cash, owed),
                       reserve_floor=floor, concentration_warning=warning,
                       concentration=concentration)
    inflows = lender_inflows_by_month(lender=cluster.finance_company, start=today, months=months)
    remaining = {s.pk: s.outstanding for s in sources}
    running = cash
    first = today.replace(day=1)
    for n, inflow in enumerate(inflows):
        month, next_month = month_add(first, n), month_add(first, n + 1)
        interest = principal = ZERO
        for s in sources:
            if not remaining[s.pk]:
                continue
            interest += quantize(remaining[s.pk] * s.annual_rate / 12)
            if s.kind in MATURING_KINDS and s.maturity_date and s.maturity_date < next_month \
                    and (s.maturity_date >= month or n == 0):
                principal += remaining[s.pk]
                remaining[s.pk] = ZERO
        running = running + inflow["total"] - interest - principal
        owed_now = money_sum_py(remaining.values())
        reserve = _ratio(running, owed_now)
        result.projection.append(ProjectionMonth(
            month=month, inflow=inflow["total"], interest=interest, principal=principal, cash=running,
            owed=owed_now, reserve_ratio=reserve,
            below_floor=running < 0 or (reserve is not None and reserve < floor)))
    return result


def money_sum_py(values) -> Decimal:
    total = ZERO
    for v in values:
        total += v
    return quantize(total)



def counterparties(*, cluster):
    """Who may fund the pool: the cluster's current members (firms, institutions, investors)
    and the governments (a government fund comes from outside the cluster)."""
    from django.db.models import Q

    from agents.choices import AgentKind, AgentStatus
    from agents.models import Agent, cluster_members_q

    return Agent.objects.filter(cluster_members_q(cluster=cluster) | Q(kind=AgentKind.GOVERNMENT),
                                status=AgentStatus.ACTIVE)


def credit_lines_of(*, user, institution) -> list[FundSource]:
    """The credit lines ``institution`` extends to finance companies (its side of the pool) that
    ``user`` may see, with their drawdowns and repayments prefetched: two queries whatever the
    number of lines."""
    from django.db.models import Prefetch

    return list(FundSource.objects.restrict(user).filter(kind=SourceKind.CREDIT_LINE, counterparty=institution)
                .select_related("cluster", "cluster__finance_company")
                .prefetch_related(Prefetch("movements", queryset=SourceMovement.objects.order_by("-on", "-pk")))
                .order_by("-opened_on", "-pk"))
