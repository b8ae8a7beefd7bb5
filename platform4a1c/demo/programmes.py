"""Demo step: the government's support programmes, meetings and a policy, through the services the
pages call — an interest subsidy (firms that paid interest in the last twelve months apply; two are
paid after a second officer's approval, one waits for it, one is still to prepare), priorities for
the pool's allocation, a risk-compensation fund with a bank's claim on a loan 90+ days past due
paid, a guarantee-fee subsidy paid, a held meeting with minutes published and an upcoming one with
answers, and a policy. Idempotent: programmes and meetings are found by title, keys are fixed."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from agents.choices import Role
from agents.services import membership_create, user_get_or_create
from infocenter.choices import Category
from infocenter.models import Publication
from lending.choices import LoanStatus
from lending.ledger.services import capital_contribute
from lending.models import Loan, Repayment
from portals.government import services_meetings as meetings
from portals.government import services_programmes as services
from portals.government.models_programmes import (
    MeetingStatus,
    PolicyMeeting,
    ProgrammeKind,
    SupportApplication,
    SupportApplicationStatus,
    SupportProgramme,
)

from . import DEMO_PASSWORD

SECOND_OFFICER = "gov-reviewer@demo.4a1c.cn"
S = SupportApplicationStatus


def _programme(gov, officer, *, title, **kw):
    return (SupportProgramme.objects.filter(government=gov, title=title).first()
            or services.programme_create(user=officer, government=gov, title=title, **kw))


def _apply(programme, firm, user):
    existing = SupportApplication.objects.filter(programme=programme, firm=firm).exclude(status=S.REJECTED).first()
    return existing or services.programme_apply(user=user, programme=programme, firm=firm, note="申请享受政策支持。")


def _review(application, maker, checker, *, approve: bool, on):
    if application.status == S.SUBMITTED:
        application = services.application_prepare(user=maker, application=application, note="材料齐全，核算无误。")
    if approve and application.status == S.PREPARED:
        application = services.application_approve(user=checker, application=application, on=on)
    return application


def seed(world: dict, out) -> None:
    gov, cluster, firms, users = world["government"], world["cluster"], world["firms"], world["users"]
    officer = users[Role.GOV_SUPERVISOR]
    checker = user_get_or_create(email=SECOND_OFFICER, password=DEMO_PASSWORD, first_name="晓梅", last_name="孙")
    membership_create(user=checker, agent=gov, role=Role.GOV_SUPERVISOR, title="审核员")
    firm_user = users[Role.ENTERPRISE_OWNER]  # acts for firms[0]; the other firms apply through their owners
    today = timezone.localdate()
    capital_contribute(agent=gov, amount="10000000.00", on=today - timedelta(days=400),
                       idempotency_key="demo-government-programme-capital")

    # 1. interest subsidy over the last twelve months
    subsidy = _programme(
        gov, officer, title="五金制造业贷款贴息（近十二个月）", kind=ProgrammeKind.INTEREST_SUBSIDY, share="0.3",
        period_start=today - timedelta(days=365), period_end=today, industries="C33, C34",
        size_classes="micro,small,medium", cluster=cluster, priority_weight="0.01",
        description="对集群内小微及中型五金制造企业实际支付的贷款利息给予30%贴息。")
    services.programme_fund(user=officer, programme=subsidy, amount="300000.00", on=subsidy.period_start,
                            idempotency_key="demo-programme-subsidy-budget")
    payers = list(Repayment.objects.filter(loan__borrower__in=firms, paid_on__gte=subsidy.period_start,
                                           interest_amount__gt=0).values_list("loan__borrower_id", flat=True)
                  .distinct().order_by("loan__borrower_id")[:20])
    eligible = sorted((f for f in firms if f.pk in payers and not services.eligibility_problems(subsidy, f)),
                      key=lambda f: (f.pk != firms[0].pk, f.pk))[:4]  # the demo firm first
    for n, firm in enumerate(eligible):
        application = _apply(subsidy, firm, firm_user if firm.pk == firms[0].pk else _owner(firm))
        if n < 3:
            _review(application, officer, checker, approve=n < 2, on=today - timedelta(days=3 - n))
    services.programme_priorities_mark(user=officer, programme=subsidy, firms=eligible[:2], industries="C33")
    # … and one for the coming twelve months, which the financing adviser counts in a new loan's cost
    coming = _programme(
        gov, officer, title="五金制造业贷款贴息（未来十二个月）", kind=ProgrammeKind.INTEREST_SUBSIDY, share="0.3",
        period_start=today, period_end=today + timedelta(days=365), industries="C33, C34",
        size_classes="micro,small,medium", cluster=cluster,
        description="对集群内小微及中型五金制造企业今后十二个月实际支付的贷款利息给予30%贴息。")
    services.programme_fund(user=officer, programme=coming, amount="300000.00", on=today,
                            idempotency_key="demo-programme-coming-subsidy-budget")

    # 2. risk compensation: a bank claims on a loan 90+ days past due
    fund = _programme(
        gov, officer, title="小微企业贷款风险补偿资金池", kind=ProgrammeKind.RISK_COMPENSATION, share="0.4",
        period_start=today - timedelta(days=3 * 365), period_end=today, size_classes="micro,small,medium",
        description="对合作银行向辖区小微企业发放贷款形成的损失，按40%给予补偿。")
    services.programme_fund(user=officer, programme=fund, amount="2000000.00", on=fund.period_start,
                            idempotency_key="demo-programme-risk-budget")
    bank_user = users[Role.INST_OFFICER]
    bank = bank_user.memberships.filter(is_active=True).first().agent
    claims = 0
    for loan in (Loan.objects.filter(lender=bank, status=LoanStatus.ACTIVE, dpd__gte=services.NPL_DPD,
                                     disbursed_on__gte=fund.period_start).select_related("borrower")
                 .order_by("-dpd", "pk")[:2]):
        claim = SupportApplication.objects.filter(programme=fund, loan=loan).exclude(status=S.REJECTED).first()
        if claim is None:
            if services.eligibility_problems(fund, loan.borrower):
                continue
            claim = services.risk_compensation_claim(user=bank_user, programme=fund, lender=bank, loan=loan,
                                                     note="借款人逾期超过90天，申请风险补偿。")
        _review(claim, officer, checker, approve=claims == 0, on=today)
        claims += 1

    # 3. guarantee-fee subsidy for the firms whose bank loans the fund guarantees
    fee = _programme(
        gov, officer, title="融资担保费补贴", kind=ProgrammeKind.GUARANTEE_FEE_SUBSIDY, share="0.5",
        period_start=today - timedelta(days=730), period_end=today, cluster=cluster,
        description="对通过集群互助担保基金获得银行贷款的企业，补贴其已缴担保费的50%。")
    services.programme_fund(user=officer, programme=fee, amount="100000.00", on=fee.period_start,
                            idempotency_key="demo-programme-fee-budget")
    from clusterfinance.guarantees.models import FundGuarantee

    guaranteed = list(FundGuarantee.objects.filter(fund__cluster=cluster, fee_entry__isnull=False,
                                                   issued_on__gte=fee.period_start)
                      .values_list("loan__borrower_id", flat=True).distinct().order_by("loan__borrower_id")[:2])
    for firm in [f for f in firms if f.pk in guaranteed]:
        if not services.eligibility_problems(fee, firm):
            _review(_apply(fee, firm, firm_user if firm.pk == firms[0].pk else _owner(firm)), officer, checker,
                    approve=True, on=today)

    # meetings: one held with minutes, one upcoming with answers
    tz = timezone.get_current_timezone()
    held = PolicyMeeting.objects.filter(government=gov, title="五金产业集群融资政策座谈会").first() or \
        meetings.meeting_schedule(user=officer, government=gov, title="五金产业集群融资政策座谈会",
                                  starts_at=datetime.combine(today - timedelta(days=12), time(14, 30), tzinfo=tz),
                                  place="永康市人民政府三楼第一会议室",
                                  agenda="一、解读贷款贴息与风险补偿政策\n二、企业反映融资难点\n三、银行介绍普惠产品")
    if held.status == MeetingStatus.SCHEDULED:
        invited = firms[:8]
        meetings.meeting_invite(user=officer, meeting=held, firm_ids=[f.pk for f in invited])
        for n, firm in enumerate(invited[:6]):  # five confirm, one declines
            _answer(held, firm, firm_user if firm.pk == firms[0].pk else _owner(firm), accept=n < 5)
        meetings.attendance_record(user=officer, meeting=held, attended_firm_ids=[f.pk for f in invited[:5]])
        meetings.minutes_publish(user=officer, meeting=held, minutes=(
            "一、财政局解读了2026年贷款贴息和风险补偿资金池政策，明确申请条件与流程。\n"
            "二、与会企业反映：抵押物不足、续贷周转压力大、担保费偏高。\n"
            "三、会议议定：担保费补贴比例为50%；银行对集群企业推出信用贷款产品；下季度再次召开座谈会。"))
    upcoming = PolicyMeeting.objects.filter(government=gov, title="电动工具企业数字化转型融资对接会").first() or \
        meetings.meeting_schedule(user=officer, government=gov, title="电动工具企业数字化转型融资对接会",
                                  starts_at=datetime.combine(today + timedelta(days=14), time(9, 30), tzinfo=tz),
                                  place="永康五金城会展中心B厅", agenda="一、数字化改造专项贷款\n二、银企对接")
    if upcoming.status == MeetingStatus.SCHEDULED and not upcoming.invitations.exists():
        meetings.meeting_invite(user=officer, meeting=upcoming, firm_ids=[f.pk for f in firms[:3]],
                                industries="C34")
        _answer(upcoming, firms[0], firm_user, accept=True)

    title = "永康市关于支持小微企业融资的若干措施"
    if not Publication.objects.filter(subject=gov, category=Category.POLICY, title=title).exists():
        meetings.policy_publish(user=officer, government=gov, title=title, period=str(today.year), body=(
            "第一条 对集群内小微企业实际支付的贷款利息给予30%贴息。\n"
            "第二条 设立小微企业贷款风险补偿资金池，对合作银行的损失按40%补偿。\n"
            "第三条 对通过互助担保基金获得的贷款，补贴担保费的50%。"))
    paid = SupportApplication.objects.filter(programme__government=gov, status=S.PAID).count()
    out.write(f"  programmes: 3 programmes, {SupportApplication.objects.filter(programme__government=gov).count()}"
              f" applications and claims ({paid} paid), 2 meetings, 1 policy")


def _owner(firm):
    """The firm's owner; a demo owner (``owner-<credit code>@demo.4a1c.cn``) when it has none."""
    membership = firm.memberships.filter(role=Role.ENTERPRISE_OWNER, is_active=True).select_related("user").first()
    if membership:
        return membership.user
    user = user_get_or_create(email=f"owner-{firm.credit_code.lower()}@demo.4a1c.cn", password=DEMO_PASSWORD,
                              first_name="总", last_name=firm.name[:1])
    membership_create(user=user, agent=firm, role=Role.ENTERPRISE_OWNER)
    return user


def _answer(meeting, firm, user, *, accept):
    invitation = meeting.invitations.filter(firm=firm).first()
    if invitation is not None and invitation.response == "pending":
        meetings.invitation_answer(user=user, invitation=invitation, accept=accept)
