"""Demo step: two joint-liability loan groups (团体贷款) of the finance company, formed through the
same services the pages call — founded, the others invited, each accepting with its declared
controlling party, formed — each member with its own loan under the finance company's group
product. In the first group one member left its first instalment unpaid: the nightly run calls
the two others for their shares (to the fen), one of them has paid its share to the defaulter's
instalment, and the group's new money is held until the other pays. Idempotent: the groups are
found by name, the loans by their group, fixed keys."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agents.choices import Role
from clusterfinance.schemes.group_loans import services, services_dissolution, services_policy
from clusterfinance.schemes.group_loans.models import CallStatus, GroupLoan, GroupMember, JointLiabilityCall, LoanGroup
from infocenter.services.events import events_dispatch
from lending import services as lending
from lending.choices import Frequency, RepaymentMethod
from lending.models import Instalment, LendingHold, LendingStanding, Loan, Product

from .loans import _owner

PRODUCT = "联保小组贷款"
GROUPS = (("永康五金联保一组", 3, True), ("永康电动工具联保二组", 4, False))
DISSOLVED = "永康门业联保三组"


def _product(world):
    fc, manager = world["finance_company"], world["users"][Role.FC_MANAGER]
    product = Product.objects.filter(lender=fc, name=PRODUCT).first()
    return product or lending.product_create(
        lender=fc, user=manager, name=PRODUCT, min_amount="50000", max_amount="500000", min_periods=3,
        max_periods=24, method=RepaymentMethod.EQUAL_INSTALMENT, frequency=Frequency.MONTHLY, rate_min="0.06",
        rate_max="0.10", description="成员自愿组成联保小组，各自借款、相互承担连带责任")


def _candidates(world, n):
    """Member firms in no group, not held or suspended, with no loan past due."""
    busy = set(GroupMember.objects.values_list("firm_id", flat=True)) \
        | set(LendingStanding.objects.filter(suspended_since__isnull=False).values_list("firm_id", flat=True)) \
        | set(LendingHold.objects.values_list("firm_id", flat=True)) \
        | set(Loan.objects.filter(dpd__gt=0).values_list("borrower_id", flat=True))
    return [f for f in reversed(world["firms"][1:]) if f.pk not in busy][:n]


def _loan(world, group, firm, user, start, n):
    if GroupLoan.objects.filter(group=group, member=firm).exists():
        return
    analyst, manager = world["users"][Role.FC_ANALYST], world["users"][Role.FC_MANAGER]
    link = services.group_loan_apply(user=user, group=group, firm=firm, amount=f"{120000 + 30000 * n}.00", periods=12,
                                     purpose="联保小组成员流动资金")
    app = link.application
    lending.application_review(application=app, user=analyst, recommendation="approve", note="小组成员相互了解，经营正常")
    lending.application_decide(application=app, user=manager, approve=True)
    loan = lending.application_contract(application=app, user=user)
    lending.loan_disburse(loan=loan, user=analyst, disbursed_on=start, idempotency_key=f"demo-group-loan-{app.pk}")


def _dissolved_group(world, fc, out) -> None:
    """A group of three formed without loans, then dissolved: every member agreed."""
    if LoanGroup.objects.filter(finance_company=fc, name=DISSOLVED).exists():
        return
    firms = _candidates(world, 3)
    if len(firms) < 3:
        out.write(f"  group loans: not enough free member firms for {DISSOLVED} ({len(firms)})")
        return
    users = [_owner(world, f) for f in firms]
    group = services.group_create(user=users[0], firm=firms[0], name=DISSOLVED, controller=f"{firms[0].name}实际控制人",
                                  controller_id_code=f"DEMO-{firms[0].pk}")
    for firm, user in zip(firms[1:], users[1:], strict=True):
        services.member_invite(user=users[0], group=group, inviter=firms[0], invitee=firm)
        services.member_answer(user=user, group=group, firm=firm, accept=True, controller=f"{firm.name}实际控制人",
                               controller_id_code=f"DEMO-{firm.pk}")
    group = services.group_form(user=users[0], group=group, firm=firms[0])
    for firm, user in zip(firms, users, strict=True):
        group = services_dissolution.dissolution_agree(user=user, group=group, firm=firm)


def seed(world: dict, out) -> None:
    fc, today = world["finance_company"], timezone.localdate()
    policy = services.policy_for(fc)
    if policy.product_id is None:
        services_policy.policy_update(user=world["users"][Role.FC_MANAGER], finance_company=fc,
                                      min_members=policy.min_members, max_members=policy.max_members,
                                      call_days=policy.call_days, product=str(_product(world).pk))
    for name, size, with_default in GROUPS:
        group = LoanGroup.objects.filter(finance_company=fc, name=name).first()
        if group is None:
            firms = _candidates(world, size)
            if len(firms) < size:
                out.write(f"  group loans: not enough free member firms for {name} ({len(firms)} of "
                          f"{len(world['firms'])})")
                continue
            users = [_owner(world, f) for f in firms]
            group = services.group_create(user=users[0], firm=firms[0], name=name, controller=f"{firms[0].name}实际控制人",
                                          controller_id_code=f"DEMO-{firms[0].pk}")
            for firm, user in zip(firms[1:], users[1:], strict=True):
                services.member_invite(user=users[0], group=group, inviter=firms[0], invitee=firm)
                services.member_answer(user=user, group=group, firm=firm, accept=True,
                                       controller=f"{firm.name}实际控制人", controller_id_code=f"DEMO-{firm.pk}")
            group = services.group_form(user=users[0], group=group, firm=firms[0])
        members = [m.firm for m in group.members.filter(status="accepted").select_related("firm").order_by("position")]
        start = today - timedelta(days=75 if with_default else 20)
        for n, firm in enumerate(members):
            _loan(world, group, firm, _owner(world, firm), start, n)
        if with_default:  # the first and last members pay their first instalment; the second does not
            for firm in (members[0], members[-1]):
                apps = GroupLoan.objects.filter(group=group, member=firm).values("application_id")
                first = Instalment.objects.filter(loan__application_id__in=apps, period=1,
                                                  status__in=("overdue", "pending")).select_related("loan").first()
                if first is not None:
                    lending.repayment_record(loan=first.loan, user=_owner(world, firm),
                                             amount=str(first.principal_due + first.interest_due),
                                             paid_on=first.due_date, idempotency_key=f"demo-group-pay-{first.pk}")
    _dissolved_group(world, fc, out)
    lending.delinquency_run(as_of=today)
    result = services.calls_run(today=today)
    first_group = LoanGroup.objects.filter(finance_company=fc, name=GROUPS[0][0]).first()
    call = JointLiabilityCall.objects.filter(group=first_group).order_by("pk").first() if first_group else None
    if call is not None and call.status == CallStatus.OPEN:
        services.call_pay(user=_owner(world, call.payer), call=call, paid_on=today)
    while events_dispatch(max_batches=50):
        pass
    calls = JointLiabilityCall.objects.filter(group__finance_company=fc)
    out.write(f"  group loans: {LoanGroup.objects.filter(finance_company=fc).count()} groups, "
              f"{GroupLoan.objects.filter(group__finance_company=fc).count()} member loans; calls raised now "
              f"{result['raised']}, in all {calls.count()} ({calls.filter(status=CallStatus.PAID).count()} paid)")
