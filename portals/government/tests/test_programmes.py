"""Support programmes: eligibility, interest subsidies from the interest actually paid, the budget
cap, maker-checker, risk-compensation claims, guarantee-fee subsidies, priorities, meetings and
policies."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agents.choices import Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from infocenter.choices import Category
from infocenter.models import Publication
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry
from lending.models import Repayment
from lending.tests.factories import make_loan, pay
from portals.government import services_meetings as meetings
from portals.government import services_programmes as services
from portals.government.models_programmes import (
    InvitationResponse,
    MeetingStatus,
    ProgrammeKind,
    SupportApplicationStatus,
)

pytestmark = pytest.mark.django_db
D = Decimal
START, END = date(2026, 1, 1), date(2026, 12, 31)


def balance(agent, purpose):
    account = Account.objects.filter(agent=agent, purpose=purpose, loan__isnull=True).first()
    return account.balance if account else D("0.00")


@pytest.fixture
def officers(world):
    second = MembershipFactory(agent=world.gov, role=Role.GOV_SUPERVISOR,
                               user=UserFactory(email="gov2@example.cn")).user
    return world.users["government"], second


def programme(world, kind=ProgrammeKind.INTEREST_SUBSIDY, share="0.3", **kw):
    return services.programme_create(user=world.users["government"], government=world.gov, kind=kind,
                                     title="制造业贴息", share=share, period_start=START, period_end=END, **kw)


def fund(world, prog, amount, key="f1"):
    return services.programme_fund(user=world.users["government"], programme=prog, amount=amount, on=START,
                                   idempotency_key=key)


def paid_loan(world):
    loan = make_loan(world, lender="bank", amount="120000.00", periods=12, rate="0.0731", start=date(2026, 1, 15))
    pay(world, loan, "10412.35", date(2026, 2, 15))
    pay(world, loan, "10412.35", date(2026, 3, 15))
    return loan


def test_eligibility_rules(world):
    prog = programme(world, industries="C33, C34", size_classes="small,medium", min_grade="BBB", cluster=world.cluster)
    world.firm.current_grade = "A"
    assert services.eligibility_problems(prog, world.firm) == []
    world.firm.current_grade = "BB"
    assert any("BBB" in p for p in services.eligibility_problems(prog, world.firm))
    world.firm.current_grade = ""
    assert services.eligibility_problems(prog, world.firm)
    outsider = AgentFactory(kind="enterprise", industry_code="F51", size_class="large", current_grade="AAA")
    problems = services.eligibility_problems(prog, outsider)
    assert len(problems) == 3  # industry, size, not a member of the cluster
    far = AgentFactory(kind="enterprise", region_code="110101")
    assert any("region" in p for p in services.eligibility_problems(programme(world), far))
    with pytest.raises(ValidationError):
        services.programme_apply(user=world.users["enterprise"], programme=prog, firm=world.firm)
    world.firm.current_grade = "A"
    world.firm.save(update_fields=["current_grade"])
    assert set(services.eligible_firms(prog)) == {world.firm, world.other_firm} - (
        set() if world.other_firm.current_grade else {world.other_firm})


def test_interest_subsidy_is_the_share_of_interest_actually_paid_to_the_fen(world, officers):
    maker, checker = officers
    loan = paid_loan(world)
    interest = sum(r.interest_amount for r in Repayment.objects.filter(loan=loan))
    assert interest > 0
    prog = programme(world, share="0.3333")
    fund(world, prog, "100000.00")
    app = services.programme_apply(user=world.users["enterprise"], programme=prog, firm=world.firm)
    app = services.application_prepare(user=maker, application=app)
    assert app.basis == interest
    assert app.amount == (D("0.3333") * interest).quantize(D("0.01"))
    assert app.basis_detail["loans"][0]["contract_no"] == loan.contract_no
    gov_cash, firm_cash = balance(world.gov, P.CASH), balance(world.firm, P.CASH)
    app = services.application_approve(user=checker, application=app, on=date(2026, 4, 1))
    assert app.status == SupportApplicationStatus.PAID
    assert balance(world.gov, P.CASH) == gov_cash - app.amount
    assert balance(world.firm, P.CASH) == firm_cash + app.amount
    assert balance(world.firm, P.SUBSIDY_INCOME) == -app.amount
    assert balance(world.gov, P.PROGRAMME_FUNDS) == -(D("100000.00") - app.amount)
    budget = services.budget_of(prog)
    assert (budget.funded, budget.paid, budget.left) == (D("100000.00"), app.amount, D("100000.00") - app.amount)
    report = ledger_verify()
    assert report.ok and report.subledgers["support_programmes"]["count"] == 1
    record = Publication.objects.get(category=Category.BUSINESS_RECORD, key=f"programme_payout:{app.pk}")
    assert record.subject == world.firm and record.publisher == world.gov
    assert record.data["link"] == "a" and record.data["amount"] == str(app.amount)
    # the programme itself is announced in the government module
    assert Publication.objects.filter(category=Category.SUPPORT_PROGRAMME, key=f"programme:{prog.pk}").exists()


def test_over_budget_is_refused_with_nothing_posted(world, officers):
    maker, checker = officers
    paid_loan(world)
    prog = programme(world, share="1")
    fund(world, prog, "100.00")
    app = services.application_prepare(
        user=maker, application=services.programme_apply(user=world.users["enterprise"], programme=prog,
                                                         firm=world.firm))
    assert app.amount > D("100.00")
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError, match="only ¥100.00 left|only 100.00|budget"):
        services.application_approve(user=checker, application=app)
    assert JournalEntry.objects.count() == entries
    app.refresh_from_db()
    assert app.status == SupportApplicationStatus.PREPARED and app.entry is None
    assert not Publication.objects.filter(category=Category.BUSINESS_RECORD, key__startswith="programme_payout:").exists()
    # topping up the budget lets it through
    fund(world, prog, "100000.00", key="f2")
    assert services.application_approve(user=checker, application=app).status == SupportApplicationStatus.PAID
    assert ledger_verify().ok


def test_the_preparer_cannot_approve(world, officers):
    maker, _checker = officers
    paid_loan(world)
    prog = programme(world)
    fund(world, prog, "100000.00")
    app = services.application_prepare(
        user=maker, application=services.programme_apply(user=world.users["enterprise"], programme=prog,
                                                         firm=world.firm))
    entries = JournalEntry.objects.count()
    with pytest.raises(PermissionDenied, match="prepared"):
        services.application_approve(user=maker, application=app)
    assert JournalEntry.objects.count() == entries
    # a firm's user cannot prepare, nor a lender's
    app2 = services.programme_apply(user=world.users["enterprise"], programme=programme(world), firm=world.firm)
    for who in ("enterprise", "institution"):
        with pytest.raises(PermissionDenied):
            services.application_prepare(user=world.users[who], application=app2)


def test_one_application_per_firm_and_bad_input(world):
    prog = programme(world)
    services.programme_apply(user=world.users["enterprise"], programme=prog, firm=world.firm)
    with pytest.raises(ValidationError, match="already applied"):
        services.programme_apply(user=world.users["enterprise"], programme=prog, firm=world.firm)
    with pytest.raises(PermissionDenied):
        services.programme_apply(user=world.users["enterprise"], programme=prog, firm=world.other_firm)
    for bad in ({"share": "1.5"}, {"share": "abc"}, {"industries": "33C"}, {"size_classes": "huge"},
                {"min_grade": "Z"}):
        with pytest.raises(ValidationError):
            programme(world, **bad)
    with pytest.raises(ValidationError):
        fund(world, prog, 10.5)  # floats are refused
    with pytest.raises(ValidationError):
        fund(world, prog, "-3")


def test_risk_compensation_claim_approval_payout(world, officers):
    maker, checker = officers
    loan = make_loan(world, lender="bank", amount="50000.00", periods=12, start=date(2026, 2, 1))
    prog = programme(world, kind=ProgrammeKind.RISK_COMPENSATION, share="0.4")
    fund(world, prog, "500000.00")
    lender_user = world.users["institution"]
    with pytest.raises(ValidationError, match="no loss"):
        services.risk_compensation_claim(user=lender_user, programme=prog, lender=world.bank, loan=loan)
    from lending.services.delinquency import delinquency_run

    delinquency_run(as_of=date(2026, 7, 1))  # nothing paid since February: 90+ days past due
    loan.refresh_from_db()
    assert loan.dpd >= 90 and loan.principal_outstanding == D("50000.00")
    with pytest.raises(ValidationError, match="firms do not apply|Lenders"):
        services.programme_apply(user=world.users["enterprise"], programme=prog, firm=world.firm)
    claim = services.risk_compensation_claim(user=lender_user, programme=prog, lender=world.bank, loan=loan,
                                             note="核销损失")
    with pytest.raises(ValidationError, match="already claimed"):
        services.risk_compensation_claim(user=lender_user, programme=prog, lender=world.bank, loan=loan)
    claim = services.application_prepare(user=maker, application=claim)
    assert (claim.basis, claim.amount) == (D("50000.00"), D("20000.00"))
    bank_cash = balance(world.bank, P.CASH)
    claim = services.application_approve(user=checker, application=claim)
    assert balance(world.bank, P.CASH) == bank_cash + D("20000.00")
    assert balance(world.bank, P.RECOVERY_INCOME) == D("-20000.00")
    assert ledger_verify().ok
    record = Publication.objects.get(category=Category.BUSINESS_RECORD, key=f"programme_payout:{claim.pk}")
    assert record.subject == world.bank and record.data["loan_id"] == loan.pk


def test_guarantee_fee_subsidy(world, officers):
    from clusterfinance.guarantees import services as guarantees

    maker, checker = officers
    gfund = guarantees.fund_for(world.cluster)
    guarantees.guarantee_contribution_record(user=world.users["finance_analyst"], fund=gfund, contributor=world.gov,
                                             amount="500000.00", on=date(2026, 1, 5), idempotency_key="gc")
    loan = make_loan(world, lender="bank", amount="120000.00", periods=12)
    g = guarantees.fund_guarantee_issue(user=world.users["finance_analyst"], fund=gfund, loan=loan, coverage="80%",
                                        issued_on=date(2026, 3, 2), idempotency_key="g1")
    prog = programme(world, kind=ProgrammeKind.GUARANTEE_FEE_SUBSIDY, share="0.5")
    fund(world, prog, "10000.00")
    app = services.application_prepare(
        user=maker, application=services.programme_apply(user=world.users["enterprise"], programme=prog,
                                                         firm=world.firm))
    assert (app.basis, app.amount) == (g.fee, (g.fee / 2).quantize(D("0.01")))
    services.application_approve(user=checker, application=app)
    assert ledger_verify().ok


def test_priorities_are_written_for_the_allocation(world):
    from clusterfinance.pool.models import PolicyPriority

    prog = programme(world, priority_weight="0.01", cluster=world.cluster)
    rows = services.programme_priorities_mark(user=world.users["government"], programme=prog, firms=[world.firm],
                                              industries="C33")
    assert len(rows) == 2
    assert services.programme_priorities_mark(user=world.users["government"], programme=prog,
                                              firms=[world.firm], industries="C33") == []
    p = PolicyPriority.objects.get(firm=world.firm)
    assert p.cluster == world.cluster and p.weight == D("0.01") and f"#{prog.pk}" in p.programme
    with pytest.raises(PermissionDenied):
        services.programme_priorities_mark(user=world.users["finance"], programme=prog, industries="C34")
    with pytest.raises(ValidationError):
        services.programme_priorities_mark(user=world.users["government"], programme=programme(world),
                                           industries="C33")


def test_meeting_invite_answer_attendance_minutes(world):
    gov_user = world.users["government"]
    meeting = meetings.meeting_schedule(user=gov_user, government=world.gov, title="制造业融资政策座谈会",
                                        starts_at="2026-12-15 14:30", place="市政府三楼会议室", agenda="一、贴息政策解读")
    assert isinstance(meeting.starts_at, datetime)
    assert meetings.meeting_invite(user=gov_user, meeting=meeting, industries="C33") == 2  # both firms are C33
    assert meetings.meeting_invite(user=gov_user, meeting=meeting, firm_ids=[world.firm.pk]) == 0
    far = AgentFactory(kind="enterprise", region_code="110101")
    with pytest.raises(ValidationError):
        meetings.meeting_invite(user=gov_user, meeting=meeting, firm_ids=[far.pk])
    invitation = meeting.invitations.get(firm=world.firm)
    with pytest.raises(PermissionDenied):
        meetings.invitation_answer(user=gov_user, invitation=invitation, accept=True)
    invitation = meetings.invitation_answer(user=world.users["enterprise"], invitation=invitation, accept=True)
    assert invitation.response == InvitationResponse.ACCEPTED
    with pytest.raises(ValidationError, match="attended"):
        meetings.minutes_publish(user=gov_user, meeting=meeting, minutes="会议纪要")
    with pytest.raises(ValidationError):
        meetings.attendance_record(user=gov_user, meeting=meeting, attended_firm_ids=[far.pk])
    assert meetings.attendance_record(user=gov_user, meeting=meeting, attended_firm_ids=[world.firm.pk]) == 1
    meeting = meetings.minutes_publish(user=gov_user, meeting=meeting, minutes="一、与会企业反映融资成本偏高……")
    assert meeting.status == MeetingStatus.HELD
    pub = meeting.minutes_publication
    assert pub.category == Category.MEETING_MINUTES and pub.module == "government" and pub.visibility == "public"
    assert pub.publisher == world.gov and pub.data["attended"] == [world.firm.name]
    records = Publication.objects.filter(category=Category.BUSINESS_RECORD, data__kind="policy_meeting")
    assert [r.subject for r in records] == [world.firm]
    with pytest.raises(ValidationError):
        meetings.minutes_publish(user=gov_user, meeting=meeting, minutes="again")


def test_policy_is_published_to_the_government_module(world):
    pub = meetings.policy_publish(user=world.users["government"], government=world.gov, title="关于支持小微企业融资的若干措施",
                                  body="第一条……")
    assert pub.category == Category.POLICY and pub.module == "government" and pub.subject == world.gov
    with pytest.raises(PermissionDenied):
        meetings.policy_publish(user=world.users["enterprise"], government=world.gov, title="x", body="y")
    with pytest.raises(ValidationError):
        meetings.policy_publish(user=world.users["government"], government=world.gov, title=" ", body="y")


def test_funding_retry_and_the_subledger_check(world):
    from lending.ledger.services import IdempotencyConflict, Leg, transfer_post

    prog = programme(world)
    first = fund(world, prog, "5000.00", key="same")
    entries = JournalEntry.objects.count()
    assert fund(world, prog, "5000.00", key="same") == first  # a retry posts nothing
    assert JournalEntry.objects.count() == entries
    with pytest.raises(IdempotencyConflict):
        fund(world, prog, "6000.00", key="same")
    assert ledger_verify().subledgers["support_programmes"]["problems"] == []
    # money put on the government's programme funds outside the programmes is caught
    transfer_post(idempotency_key="stray", effective_date=START,
                  legs=[Leg(world.gov.pk, P.CASH, D("1.00")), Leg(world.gov.pk, P.PROGRAMME_FUNDS, D("-1.00"))])
    problems = ledger_verify().subledgers["support_programmes"]["problems"]
    assert len(problems) == 1 and "5001.00" in problems[0]["problem"] and "5000.00" in problems[0]["problem"]
