"""The group policy page (validation, nothing changed on bad input, the change in the audit log
and on the page) and the dissolution of a group (by every member, by the finance company;
refused with the reason and nothing changed while a loan is owed or a call is open; the members
free to join another group afterwards; the history kept; the centre told)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agents.models import AuditRecord
from agents.tests.factories import AgentFactory
from clusterfinance.schemes.group_loans import selectors, services, services_dissolution, services_policy
from clusterfinance.schemes.group_loans.models import CallStatus, GroupMember, GroupPolicy, GroupStatus, LoanGroup
from clusterfinance.schemes.group_loans.tests.test_group_loans import RUN_DAY, START, formed_group, group_loan
from infocenter.models import Publication
from lending import services as lending
from lending.models import Application, LendingHold, Product
from lending.tests.factories import make_product

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _state(fc):
    p = GroupPolicy.objects.get(finance_company=fc)
    return (p.min_members, p.max_members, p.call_days, p.product_id, p.updated_at,
            AuditRecord.objects.filter(action=selectors.POLICY_CHANGED).count())


def _update(world, **kw):
    values = {"min_members": "3", "max_members": "8", "call_days": "20", "product": ""}
    values.update(kw)
    return services_policy.policy_update(user=world.users["finance"], finance_company=world.finance_company, **values)


# --- the policy ----------------------------------------------------------------------------------

def test_policy_update_records_who_and_what(world, policy):
    bank_product = make_product(world, "bank")
    saved, changed = _update(world, product=str(bank_product.pk))
    assert changed and (saved.min_members, saved.max_members, saved.call_days) == (3, 8, 20)
    assert saved.product == bank_product  # an institution of the cluster's product may be named
    record = AuditRecord.objects.get(action=selectors.POLICY_CHANGED)
    assert record.actor == world.users["finance"] and record.agent_id == world.finance_company.pk
    assert record.data["changed"]["max_members"] == {"before": 10, "after": 8}
    assert record.data["changed"]["call_days"] == {"before": 30, "after": 20}
    assert "min_members" not in record.data["changed"]  # 3 before and after
    # saving the same values again records nothing
    assert _update(world, product=str(bank_product.pk))[1] is False
    assert AuditRecord.objects.filter(action=selectors.POLICY_CHANGED).count() == 1


@pytest.mark.parametrize("bad,field,text", [
    ({"min_members": "1"}, "min_members", "from 2 to 50"),
    ({"min_members": "6", "max_members": "5"}, "max_members", "below the fewest"),
    ({"call_days": "0"}, "call_days", "from 1 to 365"),
    ({"call_days": "三十"}, "call_days", "not a whole number"),
    ({"call_days": "２０"}, "call_days", "full-width"),
    ({"max_members": "7.5"}, "max_members", "not a whole number"),
    ({"max_members": ""}, "max_members", "Enter"),
    ({"product": "999999"}, "product", "Choose an open product"),
    ({"product": "x"}, "product", "Choose an open product"),
])
def test_bad_policy_refused_and_nothing_changed(world, policy, bad, field, text):
    before = _state(world.finance_company)
    with pytest.raises(ValidationError) as exc:
        _update(world, **bad)
    assert field in exc.value.error_dict and text in " ".join(exc.value.message_dict[field])
    assert _state(world.finance_company) == before


def test_policy_product_must_be_own_or_a_cluster_institutions(world, policy):
    outsider = AgentFactory(kind="institution", name="外地银行")
    foreign = Product.objects.create(lender=outsider, name="外地贷", min_amount="1000", max_amount="9000",
                                     min_periods=1, max_periods=12, method="equal_instalment", frequency="monthly",
                                     rate_min="0.05", rate_max="0.10")
    closed = make_product(world)
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    for_fc = make_product(world, "bank", borrower_kind="finance_company")
    before = _state(world.finance_company)
    for product in (foreign, closed, for_fc):
        with pytest.raises(ValidationError, match="Choose an open product"):
            _update(world, product=str(product.pk))
    assert _state(world.finance_company) == before
    allowed = set(selectors.policy_products(world.finance_company).values_list("pk", flat=True))
    assert policy.product_id in allowed and not allowed & {foreign.pk, closed.pk, for_fc.pk}


def test_only_a_manager_changes_the_policy(world, policy):
    before = _state(world.finance_company)
    with pytest.raises(PermissionDenied):
        services_policy.policy_update(user=world.users["finance_analyst"], finance_company=world.finance_company,
                                      min_members="2", max_members="5", call_days="10", product="")
    assert _state(world.finance_company) == before


def test_a_formed_group_keeps_working_under_a_new_size_limit(world, members, policy):
    group = formed_group(members, n=4)  # four members
    _update(world, min_members="2", max_members="3", product=str(policy.product_id))
    link = group_loan(world, group, *members[0])  # still borrows
    assert link.status == "active"
    assert selectors.formed_groups_outside(world.finance_company, min_members=2, max_members=3) == 1
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE and group.members.filter(status="accepted").count() == 4


def test_policy_page(world, policy, client):
    url = reverse("clusterfinance:group-policy")
    client.force_login(world.users["finance"])
    before = _state(world.finance_company)
    bad = client.post(url, {"min_members": "4", "max_members": "3", "call_days": "0", "product": ""}, **EN)
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "below the fewest" in text and "from 1 to 365" in text
    assert _state(world.finance_company) == before
    ok = client.post(url, {"min_members": "2", "max_members": "6", "call_days": "15",
                           "product": str(policy.product_id)})
    assert ok.status_code == 302
    page = client.get(url, **EN).content.decode()
    assert "finance@example.cn" in page or world.users["finance"].last_name in page
    assert "→ <strong>6</strong>" in page and "→ <strong>15</strong>" in page
    # the analyst reads the policy and its history, but may not change it
    client.force_login(world.users["finance_analyst"])
    page = client.get(url, **EN)
    assert page.status_code == 200 and "policy-form" not in page.content.decode()
    assert client.post(url, {"min_members": "3", "max_members": "9", "call_days": "9"}).status_code == 404
    assert GroupPolicy.objects.get(finance_company=world.finance_company).max_members == 6


def test_the_policy_history_is_read_through_restrict(world, policy):
    _update(world)
    from agents.audit import audit_record

    audit_record("loan.decided", agent=world.finance_company, summary="another action about the company")
    fc = world.finance_company
    # the finance company's people read its policy's history, and only that part of its audit log
    for key in ("finance", "finance_analyst"):
        assert [r.action for r in selectors.policy_history(fc, user=world.users[key])] == [selectors.POLICY_CHANGED]
        assert set(AuditRecord.objects.restrict(world.users[key]).values_list("action", flat=True)) \
            == {selectors.POLICY_CHANGED}
    # a member firm, a bank and an investor read none of it
    for key in ("enterprise", "institution", "investor"):
        assert selectors.policy_history(fc, user=world.users[key]) == []
    # the region's government reads the whole log (supervision), this record included
    assert len(selectors.policy_history(fc, user=world.users["government"])) == 1


# --- dissolution ---------------------------------------------------------------------------------

def _snapshot(group):
    group = LoanGroup.objects.get(pk=group.pk)
    return (group.status, group.dissolved_at, list(GroupMember.objects.filter(group=group)
                                                   .values_list("firm_id", "status", "dissolve_agreed_at")),
            Publication.objects.count(), LendingHold.objects.count())


def test_every_member_agrees_and_the_group_is_dissolved(world, members, policy):
    group = formed_group(members)
    trio = members[:3]
    for firm, user in trio[:2]:
        assert services_dissolution.dissolution_agree(user=user, group=group, firm=firm).status == GroupStatus.ACTIVE
    services_dissolution.dissolution_agree(user=trio[1][1], group=group, firm=trio[1][0], agree=False)  # withdraws
    services_dissolution.dissolution_agree(user=trio[2][1], group=group, firm=trio[2][0])
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE  # the second withdrew
    services_dissolution.dissolution_agree(user=trio[1][1], group=group, firm=trio[1][0])
    group.refresh_from_db()
    assert group.status == GroupStatus.DISSOLVED and group.dissolved_at and group.dissolution_reason == ""
    records = Publication.objects.filter(data__kind="loan_group_dissolved")
    assert sorted(records.values_list("subject_id", flat=True)) == sorted(f.pk for f, _u in trio)
    assert all(r.data["decided_by"] == "members" for r in records)
    # a dissolved group refuses invitations and applications
    with pytest.raises(ValidationError, match="dissolved"):
        services.member_invite(user=trio[0][1], group=group, inviter=trio[0][0], invitee=members[3][0])
    before = Application.objects.count()
    with pytest.raises(ValidationError, match="dissolved"):
        services.group_loan_apply(user=trio[0][1], group=group, firm=trio[0][0], amount="5000.00", periods=6,
                                  purpose="周转")
    assert Application.objects.count() == before


def test_the_dissolution_notice_reads_as_one_sentence_in_each_language(client, world, members, policy):
    group = formed_group(members)
    services_dissolution.group_dissolve(user=world.users["finance"], group=group, finance_company=world.finance_company,
                                        reason="成员经营方向调整")
    client.force_login(world.users["finance"])
    url = reverse("clusterfinance:group-detail", args=[group.pk])
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "决定：成员经营方向调整。" in zh and "。." not in zh
    en = client.get(url, **EN).content.decode()
    assert ": 成员经营方向调整. Its loans" in en


def test_after_dissolution_a_member_joins_another_group(world, members, policy):
    group = formed_group(members)
    with pytest.raises(ValidationError, match="already in a loan group"):
        services.group_create(user=members[1][1], firm=members[1][0], name="新组", controller="某甲")
    services_dissolution.group_dissolve(user=world.users["finance"], group=group, finance_company=world.finance_company,
                                        reason="成员经营方向调整")
    new = services.group_create(user=members[3][1], firm=members[3][0], name="新组", controller="丁控制人")
    services.member_invite(user=members[3][1], group=new, inviter=members[3][0], invitee=members[1][0])
    services.member_answer(user=members[1][1], group=new, firm=members[1][0], accept=True, controller="乙控制人")
    assert new.members.get(firm=members[1][0]).status == "accepted"
    mine = selectors.memberships_of(members[1][0])
    assert {m.group_id for m in mine} == {group.pk, new.pk}  # the old group stays in its history


def test_dissolution_refused_while_a_loan_is_owed_or_a_call_open(world, members, called):
    group, loan, _result = called
    assert LendingHold.objects.filter(source=f"group_loans:{group.pk}").exists()
    before = _snapshot(group)
    with pytest.raises(ValidationError) as exc:
        services_dissolution.dissolution_agree(user=members[0][1], group=group, firm=members[0][0])
    text = " ".join(exc.value.messages)
    assert "still owed by" in text and members[1][0].name in text and "calls of the group still open: 2" in text
    with pytest.raises(ValidationError, match="cannot be dissolved"):
        services_dissolution.group_dissolve(user=world.users["finance"], group=group,
                                            finance_company=world.finance_company, reason="清理")
    assert _snapshot(group) == before  # nothing changed: no agreement kept, the holds stay


def test_dissolution_allowed_once_every_loan_is_repaid(world, members, called):
    group, loan, _result = called
    payoff = lending.loan_payoff_quote(loan=loan, on=RUN_DAY)
    lending.repayment_record(loan=loan, user=members[1][1], amount=str(payoff["total"]), paid_on=RUN_DAY,
                             idempotency_key="pay-off-all")
    loan.refresh_from_db()
    assert loan.status == "closed"
    services.calls_run(today=RUN_DAY)
    assert not selectors.dissolution_blockers(group)
    assert not LendingHold.objects.filter(source=f"group_loans:{group.pk}").exists()
    services_dissolution.group_dissolve(user=world.users["finance"], group=group, finance_company=world.finance_company,
                                        reason="贷款均已还清，小组解散")
    group.refresh_from_db()
    assert group.status == GroupStatus.DISSOLVED
    calls = group.calls.all()
    assert calls.count() == 2 and {c.status for c in calls} == {CallStatus.RELEASED}  # history kept
    assert services.holds_refresh(group_ids=[group.pk]) == {"held": 0, "lifted": 0}


def test_dissolution_permissions(world, members, policy):
    group = formed_group(members)
    with pytest.raises(PermissionDenied):  # not a member
        services_dissolution.dissolution_agree(user=members[3][1], group=group, firm=members[3][0])
    with pytest.raises(PermissionDenied):  # an analyst
        services_dissolution.group_dissolve(user=world.users["finance_analyst"], group=group,
                                            finance_company=world.finance_company, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        services_dissolution.group_dissolve(user=world.users["finance"], group=group,
                                            finance_company=world.finance_company, reason="  ")
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE


def test_a_forming_group_dissolved_lapses_its_invitations(world, members, policy):
    (founder, fuser), (other, ouser) = members[0], members[1]
    group = services.group_create(user=fuser, firm=founder, name="未成组", controller="张一")
    services.member_invite(user=fuser, group=group, inviter=founder, invitee=other)
    services_dissolution.dissolution_agree(user=fuser, group=group, firm=founder)  # the only accepted member
    group.refresh_from_db()
    assert group.status == GroupStatus.DISSOLVED
    assert group.members.get(firm=other).status == "declined"
    assert not Publication.objects.filter(data__kind="loan_group_dissolved").exists()  # never formed, never joined
    services.group_create(user=ouser, firm=other, name="另起一组", controller="李二")


def test_dissolution_through_the_pages(world, members, called, client):
    group, _loan, _r = called
    url = reverse("clusterfinance:group-detail", args=[group.pk])
    client.force_login(members[0][1])
    page = client.get(url, **EN).content.decode()
    assert "cannot be dissolved now" in page and "still owed by" in page
    client.post(url, {"action": "agree_dissolve"})
    assert "cannot be dissolved" in client.get(url, **EN).content.decode()
    assert not GroupMember.objects.filter(group=group, dissolve_agreed_at__isnull=False).exists()
    client.force_login(world.users["finance"])
    refused = client.post(url, {"action": "dissolve", "reason": "试试"}, **EN)
    assert refused.status_code == 400 and "cannot be dissolved" in refused.content.decode()
    client.force_login(world.users["finance_analyst"])
    assert client.post(url, {"action": "dissolve", "reason": "试试"}).status_code == 404
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE
    # amounts on the group page: thousands separators, two decimals
    client.force_login(members[0][1])
    page = client.get(url, **EN).content.decode()
    assert "¥12,000.00" in page  # the loan's amount and its principal outstanding
    assert all(f"¥{c.amount:,.2f}" in page for c in group.calls.all())


def test_dissolved_group_page_keeps_its_history(world, members, policy, client):
    group = formed_group(members)
    loan = group_loan(world, group, *members[0], amount="12345.67")
    on = START + timedelta(days=10)
    lending.repayment_record(loan=loan, user=members[0][1], amount=str(lending.loan_payoff_quote(loan=loan, on=on)["total"]),
                             paid_on=on, idempotency_key="pay-off-early")
    loan.refresh_from_db()
    assert loan.status == "closed"
    url = reverse("clusterfinance:group-detail", args=[group.pk])
    client.force_login(world.users["finance"])
    response = client.post(url, {"action": "dissolve", "reason": "小组完成使命"})
    assert response.status_code == 302
    page = client.get(url, **EN).content.decode()
    assert "Dissolved on" in page and "小组完成使命" in page and loan.contract_no in page
    assert "¥12,345.67" in page  # the amount with thousands separators and two decimals
    assert "data-testid=\"dissolution\"" not in page
    client.force_login(members[1][1])
    assert client.get(url).status_code == 200  # members still see it
    mine = client.get(reverse("clusterfinance:groups-mine"), **EN).content.decode()
    assert "Dissolved" in mine



def test_policy_page_fixed_query_count(world, policy, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("clusterfinance:group-policy")
    client.force_login(world.users["finance"])
    _update(world, call_days="21", product=str(policy.product_id))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    few = count()
    for days in range(22, 27):
        _update(world, call_days=str(days), product=str(policy.product_id))
    assert count() == few
