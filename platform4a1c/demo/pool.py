"""Demo step: the finance company's fund pool and its re-allocation (资金池与资金再分配).

Sources of every kind, each with its movements through the pool's services (so every yuan is a
ledger entry): three member firms' deposits of idle funds (rate, notice period, one withdrawal
after notice), a credit line from 金华银行 to the finance company (a drawdown, a repayment and
its interest), notes subscribed by two private investors (a quarter's interest paid out) and
the government's money placed with the finance company (a risk-compensation fund and an
interest-subsidy fund). Then the re-allocation: a first batch of approved applications funded by
a past run (prepared by the analyst three weeks ago, approved by the manager, executed: the
loans were contracted and disbursed from the pool), and a queue of more than thirty approved
applications waiting for money today, across grades and industries, with a draft run and a
what-if of it (stricter caps and a minimum grade) for the manager to compare.

Idempotent: sources are found by their reference and every movement has a fixed key; the past
run and the queue are built once (found by their notes)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from agents.choices import Role
from clusterfinance.allocation import services as allocation
from clusterfinance.allocation.choices import RunStatus
from clusterfinance.allocation.models import AllocationRun
from clusterfinance.pool import services as pool
from clusterfinance.pool.choices import GovernmentFundPurpose, SourceKind
from clusterfinance.pool.models import FundSource, PolicyPriority, SourceMovement
from infocenter.services.events import events_dispatch
from lending.models import Loan, Product
from lending.schedules import add_months

PAST_RUN_NOTE = "演示：上月资金再分配（已审批、已放款）"
DRAFT_RUN_NOTE = "演示：本期资金再分配方案"
WHAT_IF_NOTE = "演示：假设分析——单户上限降至 10%，最低等级 BBB"
QUEUE_PRODUCTS = ("集群成员流动资金贷", "设备更新贷", "订单融资（先息后本）")


def _source(*, user, cluster, reference: str, **terms) -> FundSource:
    existing = FundSource.objects.filter(cluster=cluster, reference=reference).first()
    return existing or pool.fund_source_open(user=user, cluster=cluster, reference=reference, **terms)


def sources_seed(world: dict, today) -> list[FundSource]:
    """One source of each kind (and a few more), with their money in, out and interest."""
    cluster, users, firms = world["cluster"], world["users"], world["firms"]
    analyst = users[Role.FC_ANALYST]
    inst, investors, gov = world["institutions"], world["investors"], world["government"]
    sources = []

    def open_(reference, **terms):
        s = _source(user=analyst, cluster=cluster, reference=reference, **terms)
        sources.append(s)
        return s

    def money(kind, source, amount, on, key, **extra):
        if SourceMovement.objects.filter(idempotency_key=f"demo-pool-{key}").exists():
            return  # the service checks the limit and the notice before it sees a retry
        write = {"in": pool.fund_money_in, "out": pool.fund_money_out, "interest": pool.fund_interest_pay}[kind]
        write(user=analyst, source=source, amount=amount, on=on, idempotency_key=f"demo-pool-{key}", **extra)

    # member deposits of idle funds (成员闲置资金存款): rate and notice period
    for n, (firm, amount, rate, notice) in enumerate(((firms[3], "1500000.00", "0.021", 30),
                                                       (firms[8], "800000.00", "0.0185", 7),
                                                       (firms[16], "2200000.00", "0.0235", 90))):
        opened = today - timedelta(days=300 - 40 * n)
        dep = open_(f"CK-2026-{n + 1:03d}", kind=SourceKind.MEMBER_DEPOSIT, counterparty=firm, annual_rate=rate,
                    opened_on=opened, notice_days=notice)
        money("in", dep, amount, opened, f"deposit-{n}-in")
        money("interest", dep, (Decimal(amount) * Decimal(rate) / 4).quantize(Decimal("0.01")),
              opened + timedelta(days=91), f"deposit-{n}-interest")
    # one withdrawal after its notice period
    money("out", sources[1], "300000.00", today - timedelta(days=10), "deposit-1-out",
          requested_on=today - timedelta(days=20))
    # a credit line from an institution to the finance company (授信额度): limit, rate, term
    opened = today - timedelta(days=240)
    line = open_("SX-JH-2026-01", kind=SourceKind.CREDIT_LINE, counterparty=inst[1], annual_rate="0.0405",
                 opened_on=opened, maturity_date=add_months(opened, 24), limit="20000000.00")
    money("in", line, "8000000.00", opened + timedelta(days=3), "line-drawdown-1")
    money("interest", line, "81000.00", opened + timedelta(days=93), "line-interest-1")
    money("out", line, "2000000.00", today - timedelta(days=60), "line-repayment-1")
    money("interest", line, "60750.00", today - timedelta(days=60), "line-interest-2")
    # notes subscribed by private investors (票据): size, rate, maturity; a quarter's interest paid
    for n, (investor, size, rate, months) in enumerate(((investors[1], "2000000.00", "0.045", 12),
                                                         (investors[3], "1500000.00", "0.048", 18))):
        opened = today - timedelta(days=120 + 30 * n)
        note = open_(f"PJ-2026-{n + 1:03d}", kind=SourceKind.NOTE, counterparty=investor, annual_rate=rate,
                     opened_on=opened, maturity_date=add_months(opened, months), limit=size)
        money("in", note, size, opened, f"note-{n}-subscription")
        money("interest", note, (Decimal(size) * Decimal(rate) / 4).quantize(Decimal("0.01")),
              opened + timedelta(days=91), f"note-{n}-interest")
    # government money placed with the finance company (政府资金)
    opened = today - timedelta(days=200)
    risk = open_("ZF-FXBC-2026", kind=SourceKind.GOVERNMENT_FUND, counterparty=gov, annual_rate="0",
                 opened_on=opened, maturity_date=add_months(opened, 60),
                 fund_purpose=GovernmentFundPurpose.RISK_COMPENSATION)
    money("in", risk, "5000000.00", opened, "government-risk-in")
    subsidy = open_("ZF-TX-2026", kind=SourceKind.GOVERNMENT_FUND, counterparty=gov, annual_rate="0",
                    opened_on=opened + timedelta(days=30), fund_purpose=GovernmentFundPurpose.SUBSIDY)
    money("in", subsidy, "2000000.00", opened + timedelta(days=30), "government-subsidy-in")
    return sources


def _eligible_firms(world) -> list:
    """Member firms without a loan more than 90 days past due or written off (the finance company
    would not approve them), in a fixed order."""
    bad = set(Loan.objects.filter(borrower__in=world["firms"], dpd__gt=90).values_list("borrower_id", flat=True)) \
        | set(Loan.objects.filter(borrower__in=world["firms"], status="written_off").values_list("borrower_id",
                                                                                              flat=True))
    return [f for f in world["firms"][1:] if f.pk not in bad]


def queue_seed(world: dict, firms, *, applied_before: int, seed: int) -> list:
    """Approved applications to the finance company's products, one per firm, through the lending
    services (applied ``applied_before`` days ago or later)."""
    from .loans import _apply

    fc, users = world["finance_company"], world["users"]
    staff = {fc.pk: {"reviewer": users[Role.FC_ANALYST], "manager": users[Role.FC_MANAGER]}}
    products = {p.name: p for p in Product.objects.filter(lender=fc, name__in=QUEUE_PRODUCTS)}
    if not products:
        return []
    rng = random.Random(seed)
    today = timezone.localdate()
    made = []
    for n, firm in enumerate(firms):
        product = products.get(QUEUE_PRODUCTS[n % len(QUEUE_PRODUCTS)]) or next(iter(products.values()))
        step = Decimal("50000")
        low, high = int(product.min_amount / step), int(min(product.max_amount, Decimal("2000000")) / step)
        amount = str(rng.randint(low, high) * step)
        periods = rng.randint(product.min_periods, product.max_periods)
        spread = int((product.rate_max - product.rate_min) * 10000) // 25
        rate = str(product.rate_min + Decimal(rng.randint(0, spread) * 25) / Decimal(10000))
        application, _loan = _apply(world, staff, product, firm, amount, periods, rate,
                                    today - timedelta(days=applied_before - n % 7), stop_at="approved")
        made.append(application)
    return made


def _guarantee_rules(world: dict) -> None:
    """The guarantee fund's rules as the finance company configured them (coverage at most 80 %:
    the lender keeps a fifth of the risk) and its own figure for two firms of the network whose
    statements overstate what they could pay."""
    from clusterfinance.guarantees import services as guarantees
    from clusterfinance.guarantees.models import FirmCapacity

    users, firms = world["users"], world["firms"]
    fund = guarantees.fund_for(world["cluster"])
    if fund.coverage_cap != Decimal("0.8"):
        guarantees.guarantee_fund_update(user=users[Role.FC_MANAGER], fund=fund, coverage_cap="0.8",
                                         leverage_cap=fund.leverage_cap, fee_rate=fund.fee_rate,
                                         claim_dpd=fund.claim_dpd, circle_alert_share=fund.circle_alert_share)
    if len(firms) >= 14 and not FirmCapacity.objects.filter(fund=fund).exists():
        for firm, capacity, reason in ((firms[7], "400000.00", "最新报表为上年度，存货占净资产七成，难以快速变现"),
                                       (firms[10], "300000.00", "厂房已抵押给银行，可用净资产有限")):
            guarantees.firm_capacity_set(user=users[Role.FC_ANALYST], fund=fund, firm=firm, capacity=capacity,
                                         reason=reason)


def _backdate(run: AllocationRun, day) -> None:
    def at(hour):
        return timezone.make_aware(datetime.combine(day, time(hour)))

    AllocationRun.objects.filter(pk=run.pk).update(
        prepared_at=at(9), approved_at=at(15) if run.approved_at else None,
        executed_at=timezone.make_aware(datetime.combine(day + timedelta(days=1), time(10)))
        if run.executed_at else None)


PARAMS = {"reserve_floor": "0.15", "single_borrower_cap": "0.2", "industry_cap": "0.4", "lgd": "0.45",
          "deposit_months": 12}


def seed(world: dict, out) -> None:
    cluster, users = world["cluster"], world["users"]
    analyst, manager = users[Role.FC_ANALYST], users[Role.FC_MANAGER]
    today = timezone.localdate()
    sources = sources_seed(world, today)
    policy = pool.pool_policy_for(cluster)
    if policy.reserve_floor != Decimal("0.15"):
        pool.pool_policy_update(user=manager, cluster=cluster, reserve_floor="0.15", concentration_warning="0.35")
    if not PolicyPriority.objects.filter(cluster=cluster).exists():
        allocation.policy_priority_add(user=analyst, cluster=cluster, industry_code="C3463", weight="0.01",
                                       programme="永康市电动工具产业升级扶持计划")
        allocation.policy_priority_add(user=analyst, cluster=cluster, firm=world["firms"][20], weight="0.005",
                                       programme="专精特新“小巨人”培育")

    _guarantee_rules(world)
    firms = _eligible_firms(world)
    first, rest = firms[:6], firms[6:]
    past = AllocationRun.objects.filter(cluster=cluster, note=PAST_RUN_NOTE).first()
    if past is None:
        queue_seed(world, first, applied_before=35, seed=20261101)
        day = today - timedelta(days=21)
        past = allocation.allocation_run_prepare(user=analyst, cluster=cluster, note=PAST_RUN_NOTE,
                                                 today=day, **PARAMS)
        past = allocation.allocation_run_decide(user=manager, run=past, approve=True,
                                                reason="符合准备金与集中度要求，同意放款。")
        past = allocation.allocation_run_execute(user=analyst, run=past, on=day + timedelta(days=1))
        _backdate(past, day)
    draft = AllocationRun.objects.filter(cluster=cluster, note=DRAFT_RUN_NOTE).first()
    if draft is None:
        queue_seed(world, rest, applied_before=14, seed=20261125)
        draft = allocation.allocation_run_prepare(user=analyst, cluster=cluster, note=DRAFT_RUN_NOTE, **PARAMS)
        allocation.allocation_run_prepare(user=analyst, cluster=cluster, note=WHAT_IF_NOTE, based_on=draft,
                                          **{**PARAMS, "single_borrower_cap": "0.1", "min_grade": "BBB"})
    while events_dispatch(max_batches=50):
        pass
    from clusterfinance.allocation.selectors import queue

    waiting = len(queue(cluster=cluster))
    executed = (past.execution or {}).get("applications", {})
    out.write(f"  pool: {len(sources)} sources ({', '.join(sorted({s.get_kind_display() for s in sources}))}); "
              f"past run #{past.pk} {past.get_status_display()}: "
              f"{sum(1 for o in executed.values() if o.get('done'))} loans disbursed, "
              f"¥{Decimal(past.execution.get('disbursed', '0')):,}; {waiting} applications waiting; "
              f"draft run #{draft.pk} and {AllocationRun.objects.filter(based_on=draft).count()} what-if")
    if past.status != RunStatus.EXECUTED:
        raise RuntimeError(f"the demo's past allocation run is {past.status}, not executed")
