"""Group loans with joint liability: formation rules, the calls split to the fen, a call paid
to the defaulter's instalment with the ledger balanced, the new-money gate and its release, the
nightly run idempotent, the pages' permissions and query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, ClusterMembershipFactory, MembershipFactory, UserFactory
from clusterfinance.schemes.group_loans import services
from clusterfinance.schemes.group_loans.events import CALL_PAID, CALL_RAISED
from clusterfinance.schemes.group_loans.models import CallStatus, GroupStatus, JointLiabilityCall
from clusterfinance.schemes.group_loans.reconcile import call_mismatches
from infocenter.models import Event, Notification
from lending import services as lending
from lending.choices import AccountPurpose
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry
from lending.models import Application, Instalment, LendingHold
from lending.tests.factories import make_product

START = date(2026, 1, 15)  # instalments due on the 15th of each month from February
RUN_DAY = date(2026, 3, 20)  # the first instalment is 33 days past due


def _firm(world, name, email):
    firm = AgentFactory(kind=AgentKind.ENTERPRISE, name=name)
    ClusterMembershipFactory(cluster=world.cluster, agent=firm)
    user = MembershipFactory(agent=firm, role=Role.ENTERPRISE_OWNER, user=UserFactory(email=email)).user
    return firm, user


@pytest.fixture
def members(world):
    """Four member firms with an owner each: (firm, user) in order."""
    other_user = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER,
                                   user=UserFactory(email="other@example.cn")).user
    return [(world.firm, world.users["enterprise"]), (world.other_firm, other_user),
            _firm(world, "第三家企业有限公司", "third@example.cn"), _firm(world, "第四家企业有限公司", "fourth@example.cn")]


def formed_group(members, n=3, name="永康五金互助组"):
    (founder, fuser), rest = members[0], members[1:n]
    group = services.group_create(user=fuser, firm=founder, name=name, controller="张一", controller_id_code="A1")
    for i, (firm, user) in enumerate(rest, start=2):
        services.member_invite(user=fuser, group=group, inviter=founder, invitee=firm)
        services.member_answer(user=user, group=group, firm=firm, accept=True, controller=f"控制人{i}",
                               controller_id_code=f"A{i}")
    return services.group_form(user=fuser, group=group, firm=founder)


@pytest.fixture
def policy(world):
    policy = services.policy_for(world.finance_company)
    policy.product = make_product(world)
    policy.call_days = 30
    policy.save()
    return policy


def group_loan(world, group, firm, user, amount="12000.00"):
    link = services.group_loan_apply(user=user, group=group, firm=firm, amount=amount, periods=12, purpose="采购原材料")
    app = link.application
    lending.application_review(application=app, user=world.users["finance_analyst"], recommendation="approve", note="ok")
    lending.application_decide(application=app, user=world.users["finance"], approve=True)
    loan = lending.application_contract(application=app, user=user)
    return lending.loan_disburse(loan=loan, user=world.users["finance_analyst"], disbursed_on=START,
                                 idempotency_key=f"disburse-{loan.pk}")


@pytest.fixture
def called(world, members, policy):
    """A formed group of three; the second member's loan never repaid, run on RUN_DAY."""
    group = formed_group(members)
    loan = group_loan(world, group, *members[1])
    lending.delinquency_run(as_of=RUN_DAY)
    result = services.calls_run(today=RUN_DAY)
    return group, loan, result


# --- shares to the fen ---------------------------------------------------------------------------

@pytest.mark.parametrize("total,parts,expected", [
    ("100.00", 3, ["33.34", "33.33", "33.33"]),
    ("0.05", 3, ["0.02", "0.02", "0.01"]),
    ("1070.99", 9, None),
    ("10.00", 2, ["5.00", "5.00"]),
])
def test_split_to_fen_sums_exactly(total, parts, expected):
    shares = services.split_to_fen(Decimal(total), parts)
    assert sum(shares) == Decimal(total)
    assert max(shares) - min(shares) <= Decimal("0.01")
    assert shares == sorted(shares, reverse=True)  # the extra fen go to the first members
    if expected:
        assert shares == [Decimal(x) for x in expected]


# --- formation -----------------------------------------------------------------------------------

def test_invite_accept_and_form(world, members, policy):
    group = formed_group(members)
    assert group.status == GroupStatus.ACTIVE
    assert [m.firm_id for m in group.members.filter(status="accepted").order_by("position")] == \
        [f.pk for f, _u in members[:3]]


def test_too_few_members_cannot_form(world, members, policy):
    (founder, fuser), (other, ouser) = members[0], members[1]
    group = services.group_create(user=fuser, firm=founder, name="两家", controller="张一")
    services.member_invite(user=fuser, group=group, inviter=founder, invitee=other)
    services.member_answer(user=ouser, group=group, firm=other, accept=True, controller="李二")
    with pytest.raises(ValidationError, match="3 to 10"):
        services.group_form(user=fuser, group=group, firm=founder)
    group.refresh_from_db()
    assert group.status == GroupStatus.FORMING


def test_size_limit_on_invitations(world, members, policy):
    policy.max_members = 3
    policy.save()
    (founder, fuser) = members[0]
    group = services.group_create(user=fuser, firm=founder, name="三家", controller="张一")
    services.member_invite(user=fuser, group=group, inviter=founder, invitee=members[1][0])
    services.member_invite(user=fuser, group=group, inviter=founder, invitee=members[2][0])
    with pytest.raises(ValidationError, match="at most 3"):
        services.member_invite(user=fuser, group=group, inviter=founder, invitee=members[3][0])


def test_common_control_refused(world, members, policy):
    (founder, fuser), (other, ouser) = members[0], members[1]
    group = services.group_create(user=fuser, firm=founder, name="同控", controller="张一",
                                  controller_id_code="330784 1970 0101 001X")
    services.member_invite(user=fuser, group=group, inviter=founder, invitee=other)
    with pytest.raises(ValidationError, match="common control"):
        services.member_answer(user=ouser, group=group, firm=other, accept=True, controller="张一 (another spelling)",
                               controller_id_code="3307841970-0101001x")
    assert group.members.get(firm=other).status == "invited"


def test_a_firm_is_in_one_group_and_only_staff_act(world, members, policy):
    formed_group(members)
    with pytest.raises(ValidationError, match="already in a loan group"):
        services.group_create(user=members[1][1], firm=members[1][0], name="又一组", controller="某")
    with pytest.raises(PermissionDenied):
        services.group_create(user=members[1][1], firm=members[3][0], name="代人", controller="某")


# --- calls, payment, the gate ------------------------------------------------------------------

def test_calls_split_the_overdue_instalment_to_the_fen(world, members, called):
    group, loan, result = called
    inst = Instalment.objects.filter(loan=loan).order_by("due_date").first()
    calls = list(JointLiabilityCall.objects.filter(instalment=inst).order_by("pk"))
    overdue = inst.principal_unpaid + inst.interest_unpaid + inst.penalty_unpaid
    assert [c.payer_id for c in calls] == [members[0][0].pk, members[2][0].pk]  # not the defaulter
    assert sum(c.amount for c in calls) == overdue and all(c.overdue == overdue for c in calls)
    assert result["raised"] == 2
    event = Event.objects.get(kind=CALL_RAISED)
    assert set(event.payload["shares"]) == {str(members[0][0].pk), str(members[2][0].pk)}
    from clusterfinance.schemes.group_loans.events import notify_call_raised

    assert notify_call_raised(event) == 2  # each called member's owner is told
    assert Notification.objects.filter(user__in=[members[0][1], members[2][1]], event=event).count() == 2


def test_nightly_run_is_idempotent(world, members, called):
    group, loan, _result = called
    again = services.calls_run(today=RUN_DAY)
    assert again["raised"] == 0
    assert JointLiabilityCall.objects.count() == 2
    assert Event.objects.filter(kind=CALL_RAISED).count() == 1


def test_new_money_refused_with_reason_and_nothing_written(world, members, called):
    group, loan, _result = called
    assert LendingHold.objects.filter(firm=members[0][0], lender=world.finance_company).exists()
    before = (Application.objects.count(), JournalEntry.objects.count())
    with pytest.raises(ValidationError, match="holds back new money") as exc:
        services.group_loan_apply(user=members[0][1], group=group, firm=members[0][0], amount="5000.00", periods=6,
                                  purpose="周转")
    assert "永康五金互助组" in str(exc.value)
    assert (Application.objects.count(), JournalEntry.objects.count()) == before


def test_paying_the_calls_repays_the_defaulters_instalment_and_balances(world, members, called):
    group, loan, _result = called
    inst = Instalment.objects.filter(loan=loan).order_by("due_date").first()
    payer_cash = {f.pk: _cash(f) for f, _u in members[:3]}
    calls = list(JointLiabilityCall.objects.filter(instalment=inst).select_related("payer").order_by("pk"))
    by_user = {f.pk: u for f, u in members}
    for call in calls:
        paid = services.call_pay(user=by_user[call.payer_id], call=call, paid_on=RUN_DAY)
        assert paid.status == CallStatus.PAID and paid.repayment_id
    inst.refresh_from_db()
    assert inst.status == "paid"
    for call in calls:
        assert _cash(call.payer) == payer_cash[call.payer_id] - call.amount
    assert _cash(members[1][0]) == payer_cash[members[1][0].pk]  # received, then repaid: net nil
    borrowings = Account.objects.get(agent=members[1][0], purpose=AccountPurpose.DEPOSITS, loan__isnull=True)
    assert borrowings.balance == -sum(c.amount for c in calls)  # it owes its co-members what they paid
    report = ledger_verify()
    assert not report.unbalanced_entries and not report.balance_mismatches
    assert call_mismatches() == []
    assert Event.objects.filter(kind=CALL_PAID).count() == 2
    # the group's debt repaid: the hold is lifted and a member may borrow again
    assert not LendingHold.objects.filter(source=f"group_loans:{group.pk}").exists()
    link = services.group_loan_apply(user=members[0][1], group=group, firm=members[0][0], amount="5000.00",
                                     periods=6, purpose="周转")
    assert link.application.status == "submitted"


def test_a_call_is_paid_once(world, members, called):
    call = JointLiabilityCall.objects.order_by("pk").first()
    user = {f.pk: u for f, u in members}[call.payer_id]
    services.call_pay(user=user, call=call, paid_on=RUN_DAY)
    with pytest.raises(ValidationError, match="already settled"):
        services.call_pay(user=user, call=call, paid_on=RUN_DAY)
    with pytest.raises(PermissionDenied):
        services.call_pay(user=members[1][1], call=JointLiabilityCall.objects.order_by("pk").last(), paid_on=RUN_DAY)


def _cash(agent):
    acc = Account.objects.filter(agent=agent, purpose=AccountPurpose.CASH, loan__isnull=True).first()
    return acc.balance if acc else Decimal("0.00")


# --- pages -------------------------------------------------------------------------------------

def test_group_page_for_members_and_finance_company_only(world, members, called, client):
    group, _loan, _r = called
    url = reverse("clusterfinance:group-detail", args=[group.pk])
    client.force_login(members[0][1])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")  # the page is read in English here
    assert page.status_code == 200 and "Pay my share" in page.content.decode()
    client.force_login(world.users["finance"])
    assert client.get(url).status_code == 200
    client.force_login(members[3][1])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "pay", "call": "1"}).status_code == 404


def test_paying_from_the_page(world, members, called, client):
    group, _loan, _r = called
    call = JointLiabilityCall.objects.filter(payer=members[0][0]).get()
    client.force_login(members[0][1])
    response = client.post(reverse("clusterfinance:group-detail", args=[group.pk]),
                           {"action": "pay", "call": str(call.pk)})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.PAID
    bad = client.post(reverse("clusterfinance:group-detail", args=[group.pk]), {"action": "pay", "call": "x"})
    assert bad.status_code == 404


def test_pages_fixed_query_counts(world, members, policy, client):
    formed_group(members)
    client.force_login(world.users["finance"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    list_url = reverse("clusterfinance:groups")
    group = formed_group([(f, u) for f, u in [_firm(world, f"另组企业{i}", f"g{i}@example.cn") for i in range(3)]],
                         name="第二组")
    small = count(list_url)
    detail_small = count(reverse("clusterfinance:group-detail", args=[group.pk]))
    bigger = [formed_group([_firm(world, f"更多企业{i}{j}", f"m{i}{j}@example.cn") for j in range(5)], n=5,
                           name=f"组{i}") for i in range(3)]
    assert count(list_url) == small
    assert count(reverse("clusterfinance:group-detail", args=[bigger[0].pk])) == detail_small


def test_forming_and_applying_through_the_pages(world, members, policy, client):
    (founder, fuser), others = members[0], members[1:3]
    client.force_login(fuser)
    mine = reverse("clusterfinance:groups-mine")
    assert client.post(mine, {"name": "", "controller": ""}).status_code == 400  # bad input: the form again
    response = client.post(mine, {"name": "页面组", "controller": "张一", "controller_id_code": "P1"})
    group = services.LoanGroup.objects.get(name="页面组")
    url = reverse("clusterfinance:group-detail", args=[group.pk])
    assert response.status_code == 302 and response["Location"] == url
    for firm, _user in others:
        client.post(url, {"action": "invite", "invitee": str(firm.pk)})
    client.force_login(others[0][1])
    client.post(url, {"action": "accept", "controller": "张一", "controller_id_code": "p-1"},  # common control
                HTTP_ACCEPT_LANGUAGE="en")
    assert group.members.get(firm=others[0][0]).status == "invited"
    assert "common control" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for i, (_f, user) in enumerate(others, start=2):
        client.force_login(user)
        client.post(url, {"action": "accept", "controller": f"控制人{i}", "controller_id_code": f"P{i}"})
    client.force_login(fuser)
    client.post(url, {"action": "form"})
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE
    before = Application.objects.count()
    client.post(url, {"action": "apply", "amount": "十万", "periods": "12", "purpose": "周转"})
    assert Application.objects.count() == before  # refused with the message, nothing written
    client.post(url, {"action": "apply", "amount": "100000.00", "periods": "12", "purpose": "周转"})
    assert Application.objects.filter(applicant=founder, status="submitted").count() == 1


def test_borrower_paying_releases_the_calls_and_the_hold(world, members, called):
    group, loan, _result = called
    inst = Instalment.objects.filter(loan=loan).order_by("due_date").first()
    owed = inst.principal_unpaid + inst.interest_unpaid + inst.penalty_unpaid
    lending.repayment_record(loan=loan, user=members[1][1], amount=str(owed), paid_on=RUN_DAY,
                             idempotency_key="borrower-pays-itself")
    result = services.calls_run(today=RUN_DAY)
    assert result["released"] == 2 and result["raised"] == 0
    assert set(JointLiabilityCall.objects.values_list("status", flat=True)) == {CallStatus.RELEASED}
    assert not LendingHold.objects.filter(source=f"group_loans:{group.pk}").exists()
