"""Reads of the joint-liability groups: the finance company's list, one group's page (members,
their loans' repayment status, the calls) and a firm's groups and invitations. Each is a fixed
number of queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from agents.choices import AgentKind
from agents.models import AuditRecord, cluster_members_q
from agents.money import ZERO
from lending.choices import ApplicationStatus, BorrowerKind, LoanStatus
from lending.models import Application, Loan, Product

from .models import CallStatus, GroupLoan, GroupMember, GroupStatus, JointLiabilityCall, LoanGroup, MemberStatus


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


# --- the policy: the products it may name, its history ------------------------------------------

POLICY_CHANGED = "group_policy.changed"  # the audit log's action for a change of a group policy


def policy_products(fc):
    """The products a group policy may name: open products for member firms lent by the finance
    company itself or by an institution taking part in its cluster (docs/decisions.md)."""
    institutions = cluster_members_q(finance_company=fc, field="lender_id", kind=AgentKind.INSTITUTION)
    return (Product.objects.filter(Q(lender=fc) | institutions, is_active=True, borrower_kind=BorrowerKind.ENTERPRISE,
                                   lender__status="active")
            .select_related("lender").order_by("-lender__kind", "lender__name", "name"))


def policy_history(fc, *, user, limit: int = 20):
    """The audit records of the changes to ``fc``'s group policy that ``user`` may read
    (``restrict()``: the finance company's own people read its policy's records, declared in
    ``permissions``; the rest of the audit log stays the supervisors'), newest first. One query."""
    return list(AuditRecord.objects.restrict(user).filter(action=POLICY_CHANGED, agent=fc).select_related("actor")
                .order_by("-at", "-id")[:limit])


def formed_groups_outside(fc, *, min_members: int, max_members: int) -> int:
    """How many formed groups of ``fc`` have fewer or more accepted members than the limits."""
    return (LoanGroup.objects.filter(finance_company=fc, status=GroupStatus.ACTIVE)
            .annotate(n=Count("members", filter=Q(members__status=MemberStatus.ACCEPTED)))
            .filter(Q(n__lt=min_members) | Q(n__gt=max_members)).count())


# --- dissolution ----------------------------------------------------------------------------------

# an application not yet decided or contracted, a loan not yet repaid (a written-off loan is out of
# the scheme: the nightly calls run on loans being repaid only)
OPEN_APPLICATION = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW,
                    ApplicationStatus.APPROVED)
OWING_LOAN = (LoanStatus.CONTRACTED, LoanStatus.ACTIVE)


def dissolution_blockers(group: LoanGroup) -> list[str]:
    """Why ``group`` may not be dissolved now (empty: it may): a member's group loan still owed
    (contracted or being repaid), an application filed with the group still open, an open call.
    Three queries."""
    reasons = []
    owing = sorted(set(Loan.objects.filter(application_id__in=GroupLoan.objects.filter(group=group)
                                           .values("application_id"), status__in=OWING_LOAN)
                       .values_list("borrower__name", flat=True)))
    if owing:
        reasons.append(_("Group loans are still owed by: %(firms)s.") % {"firms": "、".join(owing)})
    pending = sorted(set(Application.objects.filter(pk__in=GroupLoan.objects.filter(group=group)
                                                    .values("application_id"), status__in=OPEN_APPLICATION)
                         .values_list("applicant__name", flat=True)))
    if pending:
        reasons.append(_("Applications filed with the group are still open: %(firms)s.")
                       % {"firms": "、".join(pending)})
    n_open = JointLiabilityCall.objects.filter(group=group, status=CallStatus.OPEN).count()
    if n_open:
        reasons.append(_("Joint-liability calls of the group still open: %(n)s.") % {"n": n_open})
    return reasons
