"""The demo loan book, grown through the lending services so the ledger is real.

Products of the finance company, four institutions and one private investor; about seventy
loans disbursed over the last 24 months (dates relative to today) and lived month by month:
most borrowers pay on the due date, some pay late (with penalty interest), a few prepay, some
stopped paying at dates that put them in every delinquency bucket today, two were written off.
The finance company also funds its pool with loans from two banks. The nightly delinquency run
is replayed on the first of every month and today; ``ledger_verify`` must pass at the end.
The demo firm (``world["firms"][0]``) has an active loan from 浙江永康农村商业银行 and one from the
finance company, and both lenders' queues hold applications in every state.

Idempotent: if the first product exists the step does nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from agents.choices import Role
from agents.services import membership_create, user_get_or_create
from lending import services
from lending.choices import BorrowerKind, Frequency, InstalmentMultiple, RepaymentMethod
from lending.ledger.checks import ledger_verify
from lending.models import Application, Loan, Product
from lending.schedules import add_months

FIRST_PRODUCT = "集群成员流动资金贷"


def _products(world, staff) -> dict:
    fc, inst, inv = world["finance_company"], world["institutions"], world["investors"][0]
    m = RepaymentMethod
    specs = {
        "fc_working": (fc, {"name": FIRST_PRODUCT, "description": "面向集群成员企业的流动资金贷款，随借随还，按月等额本息。",
                                "min_amount": "100000", "max_amount": "2000000", "min_periods": 6, "max_periods": 24,
                                "method": m.EQUAL_INSTALMENT, "rate_min": "0.06", "rate_max": "0.12"}),
        "fc_equipment": (fc, {"name": "设备更新贷", "description": "用于购置、更新生产设备，等额本金。",
                                  "min_amount": "200000", "max_amount": "3000000", "min_periods": 12, "max_periods": 36,
                                  "method": m.EQUAL_PRINCIPAL, "rate_min": "0.055", "rate_max": "0.10", "fee_rate": "0.005"}),
        "fc_order": (fc, {"name": "订单融资（先息后本）", "description": "凭核心企业订单融资，按月付息、到期还本。",
                              "min_amount": "100000", "max_amount": "1000000", "min_periods": 3, "max_periods": 12,
                              "method": m.INTEREST_ONLY, "rate_min": "0.07", "rate_max": "0.12"}),
        "rcb_chain": (inst[0], {"name": "五金产业链贷", "description": "农商银行产业链专项贷款，LPR 加点定价，月供取整到元。",
                                    "min_amount": "200000", "max_amount": "5000000", "min_periods": 12, "max_periods": 36,
                                    "method": m.EQUAL_INSTALMENT, "rate_min": "0.0345", "rate_max": "0.08",
                                    "base_rate_name": "1年期LPR", "base_rate": "0.030", "spread": "0.0135",
                                    "instalment_multiple": InstalmentMultiple.YUAN}),
        "rcb_quarterly": (inst[0], {"name": "惠企易贷（按季付息）", "description": "按季付息、到期还本，适合季节性备货。",
                                        "min_amount": "100000", "max_amount": "3000000", "min_periods": 2, "max_periods": 8,
                                        "method": m.INTEREST_ONLY, "frequency": Frequency.QUARTERLY, "rate_min": "0.04",
                                        "rate_max": "0.075", "accepts_platform_payments": False}),
        "rcb_pool": (inst[0], {"name": "集群资金池融资", "description": "向集群财务公司提供的资金池融资。",
                                   "borrower_kind": BorrowerKind.FINANCE_COMPANY, "min_amount": "1000000",
                                   "max_amount": "50000000", "min_periods": 12, "max_periods": 36,
                                   "method": m.INTEREST_ONLY, "rate_min": "0.035", "rate_max": "0.06"}),
        "jh_tech": (inst[1], {"name": "科创贷", "description": "面向专精特新企业的技术改造贷款。", "min_amount": "300000",
                                  "max_amount": "5000000", "min_periods": 12, "max_periods": 36, "method": m.EQUAL_PRINCIPAL,
                                  "rate_min": "0.0385", "rate_max": "0.07"}),
        "jh_pool": (inst[1], {"name": "财务公司同业融资", "description": "对集群财务公司的融资。",
                                  "borrower_kind": BorrowerKind.FINANCE_COMPANY, "min_amount": "1000000",
                                  "max_amount": "30000000", "min_periods": 12, "max_periods": 24,
                                  "method": m.EQUAL_PRINCIPAL, "rate_min": "0.038", "rate_max": "0.06"}),
        "vb_quick": (inst[2], {"name": "小微快贷", "description": "村镇银行小额短期贷款，到期一次还本付息。",
                                   "min_amount": "50000", "max_amount": "1000000", "min_periods": 3, "max_periods": 12,
                                   "method": m.BULLET, "rate_min": "0.05", "rate_max": "0.10"}),
        "mc_business": (inst[3], {"name": "小额经营贷", "description": "小额贷款公司经营性贷款。", "min_amount": "50000",
                                      "max_amount": "1000000", "min_periods": 6, "max_periods": 24,
                                      "method": m.EQUAL_INSTALMENT, "rate_min": "0.08", "rate_max": "0.15",
                                      "fee_flat": "500", "instalment_multiple": InstalmentMultiple.TEN}),
        "inv_private": (inv, {"name": "备案民间借贷", "description": "在政府监督下备案的民间借贷（连接 b）。",
                                  "min_amount": "50000", "max_amount": "500000", "min_periods": 3, "max_periods": 12,
                                  "method": m.BULLET, "rate_min": "0.06", "rate_max": "0.10"}),
    }
    products = {}
    for key, (lender, fields) in specs.items():
        products[key] = services.product_create(lender=lender, user=staff[lender.pk]["manager"], **fields)
    return products


def _staff(world) -> dict:
    """Reviewer and approver of every lender: the demo users where they exist, else quiet staff
    accounts without a password (they cannot log in)."""
    users, fc, inst = world["users"], world["finance_company"], world["institutions"]
    staff = {
        fc.pk: {"reviewer": users[Role.FC_ANALYST], "manager": users[Role.FC_MANAGER]},
        inst[0].pk: {"reviewer": users[Role.INST_OFFICER], "manager": users[Role.INST_MANAGER]},
    }
    for n, agent in enumerate(inst[1:4], start=2):
        officer = user_get_or_create(email=f"officer{n}@staff.demo.4a1c.cn", first_name="信贷员")
        manager = user_get_or_create(email=f"manager{n}@staff.demo.4a1c.cn", first_name="行长")
        membership_create(user=officer, agent=agent, role=Role.INST_OFFICER)
        membership_create(user=manager, agent=agent, role=Role.INST_MANAGER)
        staff[agent.pk] = {"reviewer": officer, "manager": manager}
    investor = world["investors"][0]
    staff[investor.pk] = {"reviewer": users[Role.INVESTOR], "manager": users[Role.INVESTOR]}
    return staff


def _owner(world, firm):
    if firm.pk == world["firms"][0].pk:
        return world["users"][Role.ENTERPRISE_OWNER]
    if firm.pk == world["finance_company"].pk:
        return world["users"][Role.FC_MANAGER]
    index = next(i for i, f in enumerate(world["firms"]) if f.pk == firm.pk)
    user = user_get_or_create(email=f"owner.yk{index + 1:04d}@staff.demo.4a1c.cn", first_name="企业主")
    membership_create(user=user, agent=firm, role=Role.ENTERPRISE_OWNER)
    return user


PURPOSES = ["采购不锈钢板材", "支付上游铝材货款", "扩建电动工具装配线", "购置数控冲床", "备货出口订单",
            "补充流动资金", "更新喷涂设备", "支付员工工资及社保", "厂房改造", "采购电机配件"]


def _dates(application: Application, applied: date) -> None:
    """Put the application's history on believable dates (the services stamp 'now')."""
    def at(day: date, hour: int):
        return timezone.make_aware(datetime(day.year, day.month, day.day, hour))

    Application.objects.filter(pk=application.pk).update(
        created_at=at(applied, 9), submitted_at=at(applied, 10),
        review_started_at=at(applied + timedelta(days=1), 9) if application.review_started_at else None,
        reviewed_at=at(applied + timedelta(days=2), 15) if application.reviewed_at else None,
        decided_at=at(applied + timedelta(days=3), 11) if application.decided_at else None,
        contracted_at=at(applied + timedelta(days=4), 16) if application.contracted_at else None,
    )


def _apply(world, staff, product, borrower, amount, periods, rate, applied: date, *, stop_at: str = "contracted",
           reason: str = ""):
    """Run an application through the services up to ``stop_at``; returns it (and its loan)."""
    owner = _owner(world, borrower)
    lender = staff[product.lender_id]
    application = services.application_create(product=product, applicant=borrower, user=owner, amount=amount,
                                              periods=periods, annual_rate=rate,
                                              purpose=PURPOSES[(borrower.pk + periods) % len(PURPOSES)],
                                              submit=stop_at != "draft")
    loan = None
    if stop_at not in ("draft", "submitted"):
        if product.lender.kind != "investor":
            services.application_review_start(application=application, user=lender["reviewer"])
            services.application_review(application=application, user=lender["reviewer"],
                                        recommendation="reject" if stop_at == "rejected" else "approve",
                                        note="经营稳定，纳税记录良好，上下游结算正常。" if stop_at != "rejected"
                                        else "资产负债率偏高，近期有对外担保。")
        if stop_at in ("approved", "contracted", "rejected"):
            services.application_decide(application=application, user=lender["manager"],
                                        approve=stop_at != "rejected", reason=reason)
        if stop_at == "contracted":
            loan = services.application_contract(application=application, user=owner)
    application.refresh_from_db()
    _dates(application, applied)
    return application, loan


class Book:
    """Chronological simulation: actions are queued with their date and run in date order."""

    def __init__(self, today: date):
        self.today, self.actions = today, []

    def at(self, day: date, order: int, action) -> None:
        if day <= self.today:
            self.actions.append((day, order, len(self.actions), action))

    def run(self) -> None:
        for _day, _order, _n, action in sorted(self.actions, key=lambda a: a[:3]):
            action()


def _pay_due(loan_pk: int, on: date, payer, extra: Decimal = Decimal("0"), share: Decimal = Decimal("1")):
    loan = Loan.objects.get(pk=loan_pk)
    if loan.status not in ("active", "written_off"):
        return
    quote = services.loan_payoff_quote(loan=loan, on=on)
    amount = (quote["due_now"] * share).quantize(Decimal("0.01")) + extra
    amount = min(amount, quote["total"])
    if amount > 0:
        services.repayment_record(loan=loan, user=payer, amount=amount, paid_on=on,
                                  idempotency_key=f"demo-{loan.contract_no}-{on.isoformat()}-{amount}")


def seed(world: dict, out) -> None:
    fc = world["finance_company"]
    if Product.objects.filter(lender=fc, name=FIRST_PRODUCT).exists():
        out.write("  loans: already seeded")
        return
    rng = random.Random(20240601)
    today = timezone.localdate()
    staff = _staff(world)
    products = _products(world, staff)
    firms, inst = world["firms"], world["institutions"]
    start = add_months(today, -24)
    for agent, amount in ((fc, "30000000"), (inst[0], "200000000"), (inst[1], "150000000"), (inst[2], "50000000"),
                          (inst[3], "30000000"), (world["investors"][0], "2000000")):
        services.capital_contribute(agent=agent, amount=amount, on=start - timedelta(days=1),
                                    idempotency_key=f"demo-capital-{agent.pk}")

    book = Book(today)
    loans: list[tuple] = []  # (loan, behaviour, payer)

    def lend(product_key, borrower, amount, periods, rate, months_ago, behaviour, day_shift=0, disbursed=None):
        product = products[product_key]
        disbursed = disbursed or add_months(today, -months_ago) + timedelta(days=day_shift)
        application, loan = _apply(world, staff, product, borrower, amount, periods, rate,
                                   disbursed - timedelta(days=6))
        lender = staff[product.lender_id]
        payer = lender["reviewer"] if not product.accepts_platform_payments else _owner(world, borrower)
        book.at(disbursed, 0, lambda: services.loan_disburse(loan=loan, user=lender["reviewer"], disbursed_on=disbursed,
                                                             idempotency_key=f"demo-disburse-{loan.contract_no}"))
        loans.append((loan, behaviour, payer, disbursed))
        return loan

    # the demo firm: an active loan from the rural commercial bank and one from the finance company
    lend("rcb_chain", firms[0], "800000", 24, "0.0435", 7, "good")
    lend("fc_working", firms[0], "300000", 12, "0.072", 4, "good")
    # the finance company funds its pool from two banks (module 3)
    lend("rcb_pool", fc, "10000000", 24, "0.042", 14, "good")
    lend("jh_pool", fc, "6000000", 12, "0.045", 9, "good")
    # everyone else: mostly good payers, some late, some prepay, and the delinquent tail
    plan = [
        ("fc_working", "good"), ("fc_working", "late"), ("fc_equipment", "good"), ("fc_order", "good"),
        ("rcb_chain", "good"), ("rcb_quarterly", "good"), ("jh_tech", "good"), ("vb_quick", "good"),
        ("mc_business", "late"), ("fc_working", "prepay"), ("rcb_chain", "good"), ("fc_equipment", "late"),
    ]
    amounts = {"fc_working": (2, 12), "fc_equipment": (4, 20), "fc_order": (2, 8), "rcb_chain": (4, 30),
               "rcb_quarterly": (3, 20), "jh_tech": (5, 30), "vb_quick": (1, 8), "mc_business": (1, 6),
               "inv_private": (1, 4)}
    terms = {"fc_working": (12, 24), "fc_equipment": (12, 36), "fc_order": (6, 12), "rcb_chain": (12, 36),
             "rcb_quarterly": (4, 8), "jh_tech": (12, 36), "vb_quick": (6, 12), "mc_business": (6, 24),
             "inv_private": (6, 12)}

    def terms_for(key):
        product = products[key]
        low, high = amounts[key]
        amount = str(rng.randint(low, high) * 50_000)
        periods = rng.randint(*terms[key])
        steps = int((product.rate_max - product.rate_min) * 10000) // 5
        rate = product.rate_min + Decimal(rng.randint(0, steps) * 5) / Decimal(10000)
        return amount, periods, str(rate)

    for i, firm in enumerate(firms[1:41], start=1):
        key, behaviour = plan[i % len(plan)]
        amount, periods, rate = terms_for(key)
        lend(key, firm, amount, periods, rate, rng.randint(1, 22), behaviour, day_shift=rng.randint(0, 20))
    # the delinquent tail: stopped paying so that today they sit in every bucket
    tail = [(15, "fc_working"), (20, "mc_business"), (45, "fc_equipment"), (50, "rcb_chain"), (75, "jh_tech"),
            (80, "fc_working"), (120, "rcb_chain"), (150, "mc_business"), (230, "fc_equipment"), (300, "fc_working"),
            (330, "rcb_chain"), (290, "jh_tech"), (400, "fc_equipment")]
    for n, (days_late, key) in enumerate(tail):
        firm = firms[(5 + 3 * n) % len(firms)]
        amount, _periods, rate = terms_for(key)
        periods = terms[key][1]
        # disbursed so that, after 3–5 paid instalments, the first unpaid one fell due ``days_late`` days ago
        first_unpaid = today - timedelta(days=days_late)
        lend(key, firm, amount, periods, rate, 0, ("stop", days_late),
             disbursed=add_months(first_unpaid, -(4 + n % 3)))
    lend("inv_private", firms[12], "200000", 6, "0.08", 3, "good")
    lend("vb_quick", firms[30], "300000", 12, "0.065", 20, "good")  # a bullet loan repaid at maturity

    book.run()  # disbursements
    book.actions = []
    # repayments, month-end nightly runs and write-offs, in date order
    for loan, behaviour, payer, _disbursed in loans:
        loan.refresh_from_db()
        dues = list(loan.instalments.order_by("due_date").values_list("due_date", flat=True))
        if behaviour == "good":
            for due in dues:
                book.at(due, 1, lambda pk=loan.pk, d=due, p=payer: _pay_due(pk, d, p))
        elif behaviour == "late":
            for due in dues:
                day = due + timedelta(days=rng.choice([0, 0, 3, 8, 15, 26]))
                book.at(day, 1, lambda pk=loan.pk, d=day, p=payer: _pay_due(pk, d, p))
        elif behaviour == "prepay":
            for k, due in enumerate(dues):
                extra = Decimal(loan.principal) * Decimal("0.3") if k == 2 else Decimal("0")
                book.at(due, 1, lambda pk=loan.pk, d=due, p=payer, e=extra: _pay_due(pk, d, p, extra=e))
        else:
            # stop at the instalment whose due date is nearest to ``days_late`` days ago
            days_late = behaviour[1]
            past = [d for d in dues if d < today] or dues[:1]
            stop = min(past, key=lambda d: abs((today - d).days - days_late))
            for due in dues:
                if due < stop:
                    book.at(due, 1, lambda pk=loan.pk, d=due, p=payer: _pay_due(pk, d, p))
    month = date(start.year, start.month, 1)
    while month <= today:
        book.at(month, 2, lambda d=month: services.delinquency_run(as_of=d))
        month = add_months(month, 1)
    # two write-offs: the lenders decide once the loans are deep in non-performance
    written_off = [(loan, payer) for loan, behaviour, payer, _d in loans
                   if isinstance(behaviour, tuple) and behaviour[1] >= 300][:2]
    for loan, _payer in written_off:
        day = today - timedelta(days=loan.pk % 20 + 30)
        manager = staff[loan.lender_id]["manager"]
        book.at(day, 3, lambda d=day: services.delinquency_run(as_of=d))
        book.at(day, 4, lambda ln=loan, d=day, m=manager: services.loan_write_off(
            loan=ln, user=m, reason="借款企业停产，经诉讼执行无财产可供执行，经贷审会决议核销（账销案存）。",
            written_off_on=d, idempotency_key=f"demo-write-off-{ln.contract_no}"))
    # a recovery on one written-off loan
    if written_off:
        loan, payer = written_off[0]
        book.at(today - timedelta(days=5), 5, lambda ln=loan, p=payer: services.repayment_record(
            loan=Loan.objects.get(pk=ln.pk), user=staff[ln.lender_id]["reviewer"], amount="20000.00",
            paid_on=today - timedelta(days=5), idempotency_key=f"demo-recovery-{ln.contract_no}"))
    book.at(today, 9, lambda: services.delinquency_run(as_of=today))
    book.run()

    # the queues: applications in every state for the finance company and the rural commercial bank
    queue = [
        ("fc_working", firms[0], "draft"), ("fc_working", firms[0], "submitted"),
        ("fc_equipment", firms[41], "submitted"), ("fc_order", firms[42], "under_review"),
        ("fc_working", firms[43], "approved"), ("fc_equipment", firms[44], "rejected"),
        ("fc_order", firms[45], "contracted"),
        ("rcb_chain", firms[0], "under_review"), ("rcb_chain", firms[41], "submitted"),
        ("rcb_quarterly", firms[42], "approved"), ("rcb_chain", firms[43], "rejected"),
        ("rcb_chain", firms[44], "contracted"), ("rcb_quarterly", firms[45], "submitted"),
    ]
    for n, (key, firm, state) in enumerate(queue):
        amount, periods, rate = terms_for(key)
        _apply(world, staff, products[key], firm, amount, periods, rate, today - timedelta(days=n % 6 + 1),
               stop_at=state, reason="资产负债率超过 75%，且存在未结清的对外担保，暂不符合准入条件。"
               if state == "rejected" else "")

    report = ledger_verify()
    if not report.ok:
        raise RuntimeError("ledger_check failed on the demo loan book:\n" + "\n".join(report.lines()))
    counts = {s: Loan.objects.filter(status=s).count() for s in ("active", "closed", "written_off", "contracted")}
    buckets = sorted(set(Loan.objects.filter(status="active").values_list("bucket", flat=True)))
    out.write(f"  loans: {len(products)} products, {sum(counts.values())} loans {counts}, buckets {buckets}, "
              f"{Application.objects.count()} applications; ledger_check OK ({report.entries} entries)")
