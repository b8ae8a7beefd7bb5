"""Demo: private investors at several suitability levels with the finance company's notes, direct
loans to member firms (link b) and deposits with an institution (link c), through the portal's
services — one backdated loan with repayments received and instalments overdue, one note with
interest paid, one assessment through the questionnaire. Idempotent (keys and titles)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agents.choices import Role
from agents.money import quantize
from agents.services import membership_create, user_get_or_create
from clusterfinance.pool.services import fund_interest_pay
from lending.services import capital_contribute, repayment_record
from portals.investors.models import Opportunity, SuitabilityAssessment
from portals.investors.services import invest, opportunity_open, suitability_assess

from . import DEMO_PASSWORD

ANSWERS_C3 = {"age": "25_50", "income": "300k_1m", "share": "10_20", "experience": "2_5", "knowledge": "basic",
              "horizon": "1_3y", "goal": "steady", "loss": "lt_10"}  # 5+5+5+4+2+3+3+3 = 30 → C3


def _open(user, **fields):
    existing = Opportunity.objects.filter(issuer=fields["issuer"], title=fields["title"]).first()
    return existing or opportunity_open(user=user, **fields)


def _user(email, agent, role, name):
    user = user_get_or_create(email=email, password=DEMO_PASSWORD, first_name=name[1:], last_name=name[0])
    if not user.memberships.filter(agent=agent).exists():
        membership_create(user=user, agent=agent, role=role)
    return user


def seed(world: dict, out) -> None:
    today = timezone.localdate()
    cluster, fc, users = world["cluster"], world["finance_company"], world["users"]
    firms, investors, bank = world["firms"], world["investors"], world["institutions"][0]
    note = _open(users[Role.FC_MANAGER], kind="note", issuer=fc, cluster=cluster, title="永康五金集群票据 2026年第1期",
                 annual_rate="0.050", term_months=12, size="5000000", min_amount="10000",
                 purpose="为集群成员企业的流动资金需求募集资金，由财务公司资金池统一调配。",
                 risk_disclosure="本票据由集群财务公司以其资金池偿付，不受存款保险保障；财务公司的借款人违约时，兑付可能延迟。"
                                 "认购后有24小时冷静期，冷静期内可撤销并全额退款。")
    short_note = _open(users[Role.FC_MANAGER], kind="note", issuer=fc, cluster=cluster,
                       title="永康五金集群票据 2026年第2期（6个月）", annual_rate="0.042", term_months=6,
                       size="2000000", min_amount="10000",
                       risk_disclosure="本票据由集群财务公司以其资金池偿付，不受存款保险保障。认购后有24小时冷静期。")
    deposit = _open(users[Role.INST_MANAGER], kind="deposit", issuer=bank, title=f"{bank.name} 一年期定期存款",
                    annual_rate="0.0175", term_months=12, min_amount="1000",
                    risk_disclosure="存款受《存款保险条例》保障，同一存款人在同一机构最高偿付50万元。")
    # the demo firm and the three best-rated other members open a need to investors (R2–R4 by grade)
    from agents.choices import GRADE_ORDER
    from agents.models import Agent

    grades = dict(Agent.objects.filter(pk__in=[f.pk for f in firms]).values_list("pk", "current_grade"))
    for f in firms:
        f.current_grade = grades[f.pk]
    rated = sorted((f for f in firms[1:] if f.current_grade), key=lambda f: (GRADE_ORDER.index(f.current_grade), f.pk))
    borrowers = [firms[0]] + rated[:3]
    # a second run keeps the firms chosen the first time (grades move between runs: the loop re-rates)
    chosen = list(Opportunity.objects.filter(kind="direct_loan", issuer__in=firms).order_by("pk")
                  .values_list("issuer_id", flat=True))
    if chosen:
        by_pk = {f.pk: f for f in firms}
        borrowers = [by_pk[pk] for pk in dict.fromkeys(chosen)]
    owners = [users[Role.ENTERPRISE_OWNER]] + [
        _user(f"firm{i}@demo.4a1c.cn", firm, Role.ENTERPRISE_OWNER, "张企业") for i, firm in enumerate(borrowers[1:], 1)]
    needs = []
    for i, (firm, owner) in enumerate(zip(borrowers, owners, strict=True)):
        needs.append(_open(owner, kind="direct_loan", issuer=firm, title=f"{firm.name} 设备更新借款",
                           annual_rate=f"{0.075 + 0.01 * i:.3f}", term_months=12, size=f"{300000 + 100000 * i}",
                           min_amount="5000", method="equal_instalment",
                           purpose="购置数控机床与自动化生产线，按月等额本息还款。",
                           risk_disclosure="本借款仅由该企业偿还，没有担保；企业经营不善时您可能损失部分或全部本金。"
                                           "直接借款合同签署即生效，没有冷静期。"))
    # one user per investor, and opening funds in the ledger
    people = [users[Role.INVESTOR]] + [_user(f"investor{i}@demo.4a1c.cn", inv, Role.INVESTOR, "林投资")
                                       for i, inv in enumerate(investors[1:7], 1)]
    for inv in investors[:7]:
        capital_contribute(agent=inv, amount="1000000", on=today - timedelta(days=400),
                           idempotency_key=f"demo-investor-funds-{inv.pk}")
    if not SuitabilityAssessment.objects.filter(investor=investors[4]).exists():
        suitability_assess(user=people[4], investor=investors[4], answers=ANSWERS_C3, on=today - timedelta(days=120))
    made = 0

    def put(n, offer, amount, days_ago=0):
        nonlocal made
        made += 1
        return invest(user=people[n], investor=investors[n], opportunity=offer, amount=amount,
                      idempotency_key=f"demo-investor-{investors[n].pk}-{offer.pk}-{days_ago}",
                      on=today - timedelta(days=days_ago))

    from portals.investors.questionnaire import may_buy
    from portals.investors.services import risk_of

    def level(n):
        return investors[n].investor_profile.suitability

    put(0, deposit, "50000")  # the demo investor (C1): a deposit only
    for n in range(1, 7):
        if may_buy(level(n), "R2"):
            put(n, note, f"{100000 + 20000 * n}", days_ago=95)
            put(n, short_note, "30000")
        put(n, deposit, "20000", days_ago=30)
        for need in needs:
            if may_buy(level(n), risk_of(need)):
                holding = put(n, need, f"{20000 + 5000 * n}", days_ago=125 if n == 3 else 0)
                if n == 3 and holding.loan.repayments.count() == 0:  # two instalments paid, the rest overdue
                    for k, inst in enumerate(holding.loan.instalments.order_by("due_date")[:2]):
                        repayment_record(loan=holding.loan, user=owners[needs.index(need)],
                                         amount=inst.principal_due + inst.interest_due, paid_on=inst.due_date,
                                         idempotency_key=f"demo-investor-repay-{holding.loan.pk}-{k}")
    # interest paid on the oldest notes
    for holding in note.holdings.filter(invested_on__lte=today - timedelta(days=90)):
        fund_interest_pay(user=users[Role.FC_MANAGER], source=holding.fund_source,
                          amount=quantize(holding.amount * note.annual_rate / 4),
                          on=holding.invested_on + timedelta(days=91), idempotency_key=f"demo-note-interest-{holding.pk}")
    out.write(f"  investors: {Opportunity.objects.count()} opportunities, {made} holdings for "
              f"{len(people)} investors at levels {sorted({level(n) for n in range(7)})}")
