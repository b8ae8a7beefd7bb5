"""Reads of the joint-liability groups: the finance company's list, one group's page (members,
their loans' repayment status, the calls) and a firm's groups and invitations. Each is a fixed
number of queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from agents.money import ZERO
from lending.models import Loan

from .models import CallStatus, GroupLoan, GroupMember, JointLiabilityCall, LoanGroup, MemberStatus


def groups_of_finance_company(fc):
    return (LoanGroup.objects.filter(finance_company=fc).select_related("founder")
            .annotate(n_members=Count("members", filter=Q(members__status=MemberStatus.ACCEPTED), distinct=True),
                      n_open_calls=Count("calls", filter=Q(calls__status=CallStatus.OPEN), distinct=True))
            .order_by("-created_at", "-pk"))


def memberships_of(firm):
    """The firm's places in groups (any status), with the group."""
    return (GroupMember.objects.filter(firm=firm).select_related("group", "group__founder")
            .order_by("-invited_at", "-pk"))


def group_may_see(group: LoanGroup, agent) -> bool:
    """The group's finance company, and the firms in it (invited ones too)."""
    if group.finance_company_id == agent.pk:
        return True
    return GroupMember.objects.filter(group=group, firm=agent).exists()


def group_page(group: LoanGroup) -> dict:
    """Members (in order) with their group loans' repayment status — the horizontal monitoring —
    and the calls. Four queries."""
    members = list(GroupMember.objects.filter(group=group).select_related("firm").order_by("position"))
    links = {gl.application_id: gl for gl in GroupLoan.objects.filter(group=group).select_related("application")}
    loans = {loan.application_id: loan for loan in Loan.objects.filter(application_id__in=list(links))}
    by_member: dict[int, list] = {}
    for app_id, link in links.items():
        by_member.setdefault(link.member_id, []).append({"application": link.application, "loan": loans.get(app_id)})
    calls = list(JointLiabilityCall.objects.filter(group=group).select_related("payer", "defaulter", "instalment")
                 .order_by("-raised_on", "instalment_id", "pk"))
    open_total = sum((c.amount - c.paid_amount for c in calls if c.status == CallStatus.OPEN), ZERO)
    rows = []
    for m in members:
        entries = by_member.get(m.firm_id, [])
        outstanding = sum((e["loan"].principal_outstanding for e in entries if e["loan"]), ZERO)
        dpd = max((e["loan"].dpd for e in entries if e["loan"]), default=0)
        rows.append({"member": m, "loans": entries, "outstanding": outstanding, "dpd": dpd})
    return {"members": rows, "calls": calls, "open_total": open_total}


def open_calls_of(firm):
    return JointLiabilityCall.objects.filter(payer=firm, status=CallStatus.OPEN)


def paid_calls_total(group: LoanGroup):
    return JointLiabilityCall.objects.filter(group=group, status=CallStatus.PAID).aggregate(t=Sum("paid_amount"))["t"]
