"""Reads of the guarantee fund and the guarantee network. Each function answers in a fixed
number of queries whatever the number of guarantees, claims or firms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from agents.models import Agent, cluster_members_q
from agents.money import ZERO, money_sum, quantize, ratio
from infocenter.choices import RecordKind
from infocenter.models import FirmRecord
from lending.choices import AccountPurpose as P
from lending.choices import InstalmentStatus
from lending.ledger.models import Account
from lending.models import Instalment

from . import network
from .models import (
    ClaimStatus,
    Contribution,
    FirmCapacity,
    FirmGuarantee,
    FundGuarantee,
    GuaranteeClaim,
    GuaranteeFund,
    GuaranteeStatus,
)

# the goal of the policy guarantee funds (政府性融资担保): a guarantee fee of at most 1 % a year
POLICY_FEE_GOAL = Decimal("0.0100")


def fund_capital(fund: GuaranteeFund) -> Decimal:
    """The fund's capital: what the finance company owes the fund, from the ledger."""
    account = Account.objects.filter(agent_id=fund.cluster.finance_company_id, purpose=P.GUARANTEE_FUND,
                                     loan__isnull=True).first()
    return -(account.balance if account else ZERO)


def fund_outstanding(fund: GuaranteeFund) -> Decimal:
    """The amounts of the fund's active guarantees."""
    return quantize(FundGuarantee.objects.filter(fund=fund, status=GuaranteeStatus.ACTIVE)
                    .aggregate(total=money_sum("amount"))["total"])


def fund_headroom(fund: GuaranteeFund, *, capital: Decimal | None = None,
                  outstanding: Decimal | None = None) -> Decimal:
    """How much more the fund may guarantee under its leverage cap (never negative)."""
    capital = fund_capital(fund) if capital is None else capital
    outstanding = fund_outstanding(fund) if outstanding is None else outstanding
    return max(ZERO, quantize(fund.leverage_cap * capital - outstanding))


def unpaid_interest(loan, *, on: date) -> Decimal:
    """Interest of the instalments due by ``on`` not yet paid (penalty interest excluded: the
    fund guarantees the contract's interest, not the penalty for paying late)."""
    rows = Instalment.objects.filter(loan=loan, due_date__lte=on).exclude(status=InstalmentStatus.SUPERSEDED) \
        .values_list("interest_due", "interest_paid")
    return quantize(sum((due - paid for due, paid in rows), ZERO))


@dataclass
class FundView:
    capital: Decimal
    outstanding: Decimal
    headroom: Decimal
    leverage: Decimal
    leverage_cap: Decimal
    fee_rate: Decimal
    fee_goal: Decimal
    contributed: Decimal
    fees: Decimal
    claims_paid: Decimal
    recovered: Decimal
    claims_open: int
    losses_by_year: list = field(default_factory=list)

    @property
    def loss(self) -> Decimal:
        return self.claims_paid - self.recovered

    @property
    def fee_above_goal(self) -> bool:
        return self.fee_rate > self.fee_goal

    @property
    def above_cap(self) -> bool:
        return self.leverage > self.leverage_cap


def fund_view(fund: GuaranteeFund) -> FundView:
    capital, outstanding = fund_capital(fund), fund_outstanding(fund)
    contributed = Contribution.objects.filter(fund=fund).aggregate(t=money_sum("amount"))["t"]
    fees = FundGuarantee.objects.filter(fund=fund).aggregate(t=money_sum("fee"))["t"]
    claims = GuaranteeClaim.objects.filter(guarantee__fund=fund)
    paid = claims.filter(status=ClaimStatus.PAID)
    totals = paid.aggregate(paid=money_sum("amount"), recovered=money_sum("recovered"))
    by_year: dict[int, dict] = {}
    for paid_on, amount, recovered in paid.values_list("paid_on", "amount", "recovered").order_by("paid_on"):
        row = by_year.setdefault(paid_on.year, {"year": paid_on.year, "count": 0, "paid": ZERO, "recovered": ZERO})
        row["count"] += 1
        row["paid"] += amount
        row["recovered"] += recovered
    for row in by_year.values():
        row["loss"] = row["paid"] - row["recovered"]
    return FundView(capital=capital, outstanding=outstanding,
                    headroom=fund_headroom(fund, capital=capital, outstanding=outstanding),
                    leverage=ratio(outstanding, capital, Decimal("0.01")), leverage_cap=fund.leverage_cap,
                    fee_rate=fund.fee_rate, fee_goal=POLICY_FEE_GOAL, contributed=quantize(contributed),
                    fees=quantize(fees), claims_paid=quantize(totals["paid"]), recovered=quantize(totals["recovered"]),
                    claims_open=claims.exclude(status=ClaimStatus.PAID).count(),
                    losses_by_year=sorted(by_year.values(), key=lambda r: r["year"]))


def fund_guarantees(*, user, fund: GuaranteeFund, status: str | None = None):
    qs = FundGuarantee.objects.restrict(user, "view").filter(fund=fund) \
        .select_related("loan__lender", "loan__borrower")
    return qs.filter(status=status) if status else qs


def fund_claims(*, user, fund: GuaranteeFund):
    return GuaranteeClaim.objects.restrict(user, "view").filter(guarantee__fund=fund).select_related(
        "guarantee__loan__lender", "guarantee__loan__borrower", "prepared_by", "approved_by")


def claim_for(*, user, fund: GuaranteeFund, pk: int) -> GuaranteeClaim:
    from django.http import Http404

    claim = fund_claims(user=user, fund=fund).filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


def fund_contributions(*, user, fund: GuaranteeFund):
    return Contribution.objects.restrict(user, "view").filter(fund=fund).select_related("contributor")


def contributors(*, cluster):
    """Who may contribute: the cluster's member firms and the governments of its region."""
    from agents.restrict import region_prefix

    governments = [pk for pk, code in Agent.objects.filter(kind="government", status="active")
                   .values_list("pk", "region_code") if region_prefix(code)
                   and cluster.region_code.startswith(region_prefix(code))]
    return Agent.objects.filter(cluster_members_q(cluster=cluster, kind="enterprise") | Q(pk__in=governments))


def guaranteeable_loans(*, cluster):
    """Active or contracted loans of member firms from institutions, not yet guaranteed by the fund."""
    from lending.choices import LoanStatus
    from lending.models import Loan

    return Loan.objects.filter(cluster_members_q(cluster=cluster, field="borrower_id"),
                               lender__kind="institution",
                               status__in=[LoanStatus.ACTIVE, LoanStatus.CONTRACTED]) \
        .exclude(fund_guarantees__status__in=[GuaranteeStatus.ACTIVE, GuaranteeStatus.CLAIMED]) \
        .select_related("lender", "borrower").order_by("borrower__name", "pk")


def members(*, cluster):
    return Agent.objects.filter(cluster_members_q(cluster=cluster, kind="enterprise")).order_by("name")


# --- the network of firm-to-firm guarantees ------------------------------------------------------

def firm_capacities(*, fund: GuaranteeFund, firm_ids) -> dict[int, Decimal]:
    """Each firm's capacity: the finance company's figure, else the equity (assets −
    liabilities) of its latest financial statement that gives both; firms with neither are
    left out (``network.contagion`` then takes them to have none). Two queries."""
    firm_ids = list(firm_ids)
    latest = FirmRecord.objects.filter(agent_id=OuterRef("pk"), kind=RecordKind.STATEMENT,
                                       total_assets__isnull=False, total_liabilities__isnull=False) \
        .order_by("-period_end", "-pk")
    rows = Agent.objects.filter(pk__in=firm_ids).annotate(
        assets=Subquery(latest.values("total_assets")[:1]),
        liabilities=Subquery(latest.values("total_liabilities")[:1])).values_list("pk", "assets", "liabilities")
    out = {pk: max(ZERO, quantize(a - li)) for pk, a, li in rows if a is not None and li is not None}
    out.update(dict(FirmCapacity.objects.filter(fund=fund, firm_id__in=firm_ids).values_list("firm_id", "capacity")))
    return out


def firm_guarantees(*, user, cluster):
    return FirmGuarantee.objects.restrict(user, "view").filter(cluster=cluster) \
        .select_related("guarantor", "borrower")


def active_edges(*, cluster) -> list[network.Guarantee]:
    return [network.Guarantee(guarantor=str(g), borrower=str(b), amount=a) for g, b, a in
            FirmGuarantee.objects.filter(cluster=cluster, active=True).values_list("guarantor_id", "borrower_id",
                                                                                    "amount").order_by("pk")]


@dataclass
class NetworkView:
    graph: object
    names: dict
    capacities: dict  # firm id (str) → capacity
    circles: list
    chains: list
    alert_share: Decimal

    def chart(self) -> dict:
        """ECharts ``graph`` data: nodes sized by exposure (guarantees given and received),
        coloured by circle; edges are guarantees."""
        circle_of = {m: n for n, c in enumerate(self.circles) for m in c.members}
        exposure: dict[str, Decimal] = {}
        for u, v, d in self.graph.edges(data=True):
            exposure[u] = exposure.get(u, ZERO) + d["amount"]
            exposure[v] = exposure.get(v, ZERO) + d["amount"]
        top = max(exposure.values(), default=ZERO) or Decimal(1)
        nodes = [{"id": n, "name": self.names.get(n, n), "value": str(exposure.get(n, ZERO)),
                  "symbolSize": float(10 + 30 * exposure.get(n, ZERO) / top),  # pixels, not money
                  "category": circle_of.get(n, len(self.circles))} for n in sorted(self.graph.nodes)]
        edges = [{"source": u, "target": v, "value": str(d["amount"])} for u, v, d in self.graph.edges(data=True)]
        return {"nodes": nodes, "edges": edges, "categories": len(self.circles)}

    def circle_rows(self) -> list[dict]:
        return [{"members": [self.names.get(m, m) for m in c.members], "exposure": c.exposure,
                 "capacity": c.capacity, "ratio": c.exposure_ratio,
                 "alert": c.exposure_ratio is not None and c.exposure_ratio > self.alert_share}
                for c in self.circles]

    def chain_rows(self) -> list[dict]:
        return [{"members": [self.names.get(m, m) for m in c["members"]], "exposure": c["exposure"],
                 "longest": c["longest"]} for c in self.chains]

    def stress(self, firm_ids) -> dict:
        result = network.contagion(self.graph, self.capacities, [str(f) for f in firm_ids])
        return {"rounds": [{"number": r.number, "defaults": [self.names.get(f, f) for f in r.defaults],
                            "calls": [(self.names.get(f, f), a) for f, a in r.calls.items()],
                            "called": sum(r.calls.values(), ZERO)} for r in result.rounds],
                "defaulted": len(result.defaulted), "total_called": quantize(result.total_called),
                "uncovered": quantize(result.uncovered)}


def network_view(*, fund: GuaranteeFund) -> NetworkView:
    """The cluster's guarantee network with circles, chains and capacities (three queries)."""
    graph = network.build_graph(active_edges(cluster=fund.cluster))
    ids = [int(n) for n in graph.nodes]
    names = {str(pk): name for pk, name in Agent.objects.filter(pk__in=ids).values_list("pk", "name")}
    capacities = {str(k): v for k, v in firm_capacities(fund=fund, firm_ids=ids).items()}
    return NetworkView(graph=graph, names=names, capacities=capacities,
                       circles=network.circles(graph, capacities), chains=network.chains(graph),
                       alert_share=fund.circle_alert_share)


def network_firms(*, cluster):
    """The firms that appear in the network, for the stress test's picker."""
    ids = FirmGuarantee.objects.filter(cluster=cluster, active=True)
    return Agent.objects.filter(Q(pk__in=ids.values("guarantor_id")) | Q(pk__in=ids.values("borrower_id"))) \
        .order_by("name")



@dataclass
class CapacityRow:
    firm: Agent
    equity: Decimal | None  # of its latest statement giving assets and liabilities
    statement_end: date | None
    override: FirmCapacity | None
    given: Decimal  # firm-to-firm guarantees it gives (active)
    in_network: bool = False

    @property
    def capacity(self) -> Decimal | None:
        """The figure the contagion test uses: the finance company's, else the equity."""
        return self.override.capacity if self.override is not None else self.equity

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.given > self.capacity


def capacity_rows(*, fund: GuaranteeFund) -> list[CapacityRow]:
    """Every member firm with the equity of its latest statement, the finance company's figure
    where it set one, and what it guarantees for others — firms in the network first (three
    queries whatever the number of firms)."""
    latest = FirmRecord.objects.filter(agent_id=OuterRef("pk"), kind=RecordKind.STATEMENT,
                                       total_assets__isnull=False, total_liabilities__isnull=False) \
        .order_by("-period_end", "-pk")
    firms = list(members(cluster=fund.cluster).annotate(
        assets=Subquery(latest.values("total_assets")[:1]),
        liabilities=Subquery(latest.values("total_liabilities")[:1]),
        statement_end=Subquery(latest.values("period_end")[:1])))
    overrides = {c.firm_id: c for c in FirmCapacity.objects.filter(fund=fund).select_related("created_by")}
    given: dict[int, Decimal] = {}
    in_network: set[int] = set()
    for guarantor, borrower, amount in FirmGuarantee.objects.filter(cluster=fund.cluster, active=True) \
            .values_list("guarantor_id", "borrower_id", "amount"):
        given[guarantor] = given.get(guarantor, ZERO) + amount
        in_network |= {guarantor, borrower}
    rows = [CapacityRow(firm=f, equity=max(ZERO, quantize(f.assets - f.liabilities))
                        if f.assets is not None and f.liabilities is not None else None,
                        statement_end=f.statement_end, override=overrides.get(f.pk), given=given.get(f.pk, ZERO),
                        in_network=f.pk in in_network)
            for f in firms]
    rows.sort(key=lambda r: (not (r.in_network or r.override is not None), r.firm.name))
    return rows


def guarantees_covering(*, user, lender):
    """The mutual fund's guarantees on ``lender``'s loans that ``user`` may see, each with its
    claim (if any): the lender's side of the guarantee fund, one query."""
    return (FundGuarantee.objects.restrict(user).filter(loan__lender=lender)
            .select_related("fund", "fund__cluster", "loan", "loan__borrower", "claim")
            .order_by("-pk"))
