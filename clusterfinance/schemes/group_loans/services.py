"""Writes of the joint-liability groups (docs/schemes.md, "Group loans").

* formation: a member firm of the finance company's cluster founds a group and invites other
  member firms; each accepts (declaring its controlling party) or declines; the founder forms
  the group once its accepted members are within the policy's size. Two members under common
  control (the same declared controlling party, or one member declared as the other's
  controller) are refused (docs/decisions.md, "Common control in a loan group").
* loans: each member of a formed group applies for its own loan under the policy's product
  through ``lending.services.application_create``; the group only records it.
* calls (``calls_run``, nightly after the delinquency run, idempotent): an instalment of a
  member's group loan that is ``call_days`` past due calls every other accepted member for its
  share of the overdue amount, split to the fen (remainder to the first members in order); the
  members' new money is held (``lending.LendingHold``) while a call is open.
* paying a call (``call_pay``): the called member's cash moves to the defaulter
  (payer: placements +, cash −; defaulter: cash +, deposits −, the money it owes the co-member;
  the ledger keeps "borrowings" per loan),
  then the same amount is recorded as a repayment of the defaulter's loan through
  ``lending.services.repayment_record`` — one transaction, so no cent is lost or created.

The policy's changes are in ``services_policy``, the dissolution of a group in
``services_dissolution`` (a dissolved group refuses invitations, answers and applications here).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind
from agents.models import Agent, Cluster, current_cluster_ids
from agents.money import ZERO, format_yuan, quantize
from infocenter.services.business import business_record_publish
from infocenter.services.events import event_emit
from lending.choices import AccountPurpose, InstalmentStatus, LoanStatus
from lending.ledger.services import money_move
from lending.models import Instalment, LendingHold, Loan
from lending.services.applications import application_create
from lending.services.repayments import loan_payoff_quote, repayment_record

from .events import CALL_PAID, CALL_RAISED
from .models import (
    CallStatus,
    GroupLoan,
    GroupMember,
    GroupPolicy,
    GroupStatus,
    JointLiabilityCall,
    LoanGroup,
    MemberStatus,
)
from .permissions import ACT_FOR_GROUP

HOLD_SOURCE = "group_loans:"
OPEN_GROUP = (GroupStatus.FORMING, GroupStatus.ACTIVE)
LIVE_MEMBER = (MemberStatus.INVITED, MemberStatus.ACCEPTED)


def policy_for(fc) -> GroupPolicy:
    policy, _created = GroupPolicy.objects.get_or_create(finance_company=fc)
    return policy


def split_to_fen(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` equal shares to the fen; the fen left over go one each to the first
    shares, so the shares sum to ``total`` exactly."""
    if parts <= 0:
        return []
    fen = int((quantize(total) * 100).to_integral_value())
    base, rest = divmod(fen, parts)
    return [Decimal(base + (1 if i < rest else 0)) / 100 for i in range(parts)]


def controller_key(name: str, id_code: str) -> str:
    """The declared controlling party, normalised: its identifier (credit code or ID number)
    when given, else its name, upper case without spaces or punctuation."""
    raw = id_code or name
    return re.sub(r"[\W_]+", "", (raw or "").upper())[:60]


def _firm_fc(firm) -> Agent:
    cluster = Cluster.objects.filter(pk__in=current_cluster_ids(firm)).select_related("finance_company") \
        .order_by("pk").first()
    if firm.kind != AgentKind.ENTERPRISE or cluster is None:
        raise ValidationError(_("Only member firms of a cluster may form or join a loan group."), code="not_member")
    return cluster.finance_company


def _in_open_group(firm, *, exclude_group=None) -> bool:
    qs = GroupMember.objects.filter(firm=firm, status__in=LIVE_MEMBER, group__status__in=OPEN_GROUP)
    if exclude_group is not None:
        qs = qs.exclude(group=exclude_group)
    return qs.exists()


def _check_control(group: LoanGroup, firm, key: str) -> None:
    """Refuse a member under common control with an accepted one (same declared controller, or
    one declared as the controller of the other)."""
    accepted = list(GroupMember.objects.filter(group=group, status=MemberStatus.ACCEPTED).exclude(firm=firm)
                    .select_related("firm"))
    firm_code = controller_key("", firm.credit_code or "")
    for m in accepted:
        if key and (m.controller_key == key or controller_key("", m.firm.credit_code or "") == key):
            raise ValidationError({"controller": _("%(firm)s is under common control with %(other)s (the same "
                                                   "controlling party); a group's members must be independent.")
                                   % {"firm": firm.name, "other": m.firm.name}}, code="common_control")
        if firm_code and m.controller_key == firm_code:
            raise ValidationError({"controller": _("%(firm)s is declared the controlling party of %(other)s; a "
                                                   "group's members must be independent.")
                                   % {"firm": firm.name, "other": m.firm.name}}, code="common_control")


def _declared(controller: str, controller_id_code: str) -> tuple[str, str, str]:
    controller = (controller or "").strip()[:200]
    code = (controller_id_code or "").strip()[:40]
    if not controller:
        raise ValidationError({"controller": _("Name your firm's controlling party (the actual controller or "
                                               "parent company).")}, code="required")
    return controller, code, controller_key(controller, code)


@transaction.atomic
def group_create(*, user, firm, name: str, controller: str, controller_id_code: str = "") -> LoanGroup:
    """A new group founded by ``firm`` (its first accepted member)."""
    require(user, firm, ACT_FOR_GROUP)
    fc = _firm_fc(firm)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Give the group a name.")}, code="required")
    controller, code, key = _declared(controller, controller_id_code)
    if _in_open_group(firm):
        raise ValidationError(_("Your firm is already in a loan group (or invited to one)."), code="in_group")
    group = LoanGroup.objects.create(finance_company=fc, name=name, founder=firm, created_by=user)
    GroupMember.objects.create(group=group, firm=firm, position=1, status=MemberStatus.ACCEPTED, controller=controller,
                               controller_id_code=code, controller_key=key, answered_at=timezone.now())
    return group


def _lock_group(group: LoanGroup) -> LoanGroup:
    return LoanGroup.objects.select_for_update().get(pk=group.pk)


def _refuse_dissolved(group: LoanGroup) -> None:
    if group.status == GroupStatus.DISSOLVED:
        raise ValidationError(_("The group is dissolved; it takes no new members or applications."),
                              code="dissolved")


@transaction.atomic
def member_invite(*, user, group: LoanGroup, inviter, invitee) -> GroupMember:
    """``inviter`` (an accepted member) invites ``invitee`` (a member firm of the same cluster)."""
    require(user, inviter, ACT_FOR_GROUP)
    group = _lock_group(group)
    if not GroupMember.objects.filter(group=group, firm=inviter, status=MemberStatus.ACCEPTED).exists():
        raise PermissionDenied(_("Only a member of the group may invite."))
    _refuse_dissolved(group)
    if group.status != GroupStatus.FORMING:
        raise ValidationError(_("Members are invited only while the group is forming."), code="status")
    if invitee.pk == inviter.pk or invitee.kind != AgentKind.ENTERPRISE or _firm_fc(invitee).pk != group.finance_company_id:
        raise ValidationError({"invitee": _("Invite another member firm of the same cluster.")}, code="invitee")
    if _in_open_group(invitee):
        raise ValidationError({"invitee": _("%(firm)s is already in a loan group (or invited to one).")
                               % {"firm": invitee.name}}, code="in_group")
    policy = policy_for(group.finance_company)
    live = GroupMember.objects.filter(group=group, status__in=LIVE_MEMBER).count()
    if live >= policy.max_members:
        raise ValidationError({"invitee": _("A group has at most %(max)s members.") % {"max": policy.max_members}},
                              code="too_many")
    position = (GroupMember.objects.filter(group=group).order_by("-position").values_list("position", flat=True)
                .first() or 0) + 1
    existing = GroupMember.objects.filter(group=group, firm=invitee).first()
    if existing is not None:  # invited again after declining
        existing.status, existing.invited_at, existing.answered_at, existing.position = (
            MemberStatus.INVITED, timezone.now(), None, position)
        existing.save(update_fields=["status", "invited_at", "answered_at", "position"])
        return existing
    return GroupMember.objects.create(group=group, firm=invitee, position=position)


@transaction.atomic
def member_answer(*, user, group: LoanGroup, firm, accept: bool, controller: str = "",
                  controller_id_code: str = "") -> GroupMember:
    """The invited ``firm`` accepts (declaring its controlling party) or declines."""
    require(user, firm, ACT_FOR_GROUP)
    group = _lock_group(group)
    member = GroupMember.objects.select_for_update().filter(group=group, firm=firm).first()
    if member is None or member.status != MemberStatus.INVITED:
        raise ValidationError(_("Your firm has no open invitation to this group."), code="not_invited")
    _refuse_dissolved(group)
    if group.status != GroupStatus.FORMING:
        raise ValidationError(_("The group is no longer forming."), code="status")
    if accept:
        name, code, key = _declared(controller, controller_id_code)
        if _in_open_group(firm, exclude_group=group):
            raise ValidationError(_("Your firm is already in a loan group."), code="in_group")
        _check_control(group, firm, key)
        member.controller, member.controller_id_code, member.controller_key = name, code, key
        member.status = MemberStatus.ACCEPTED
    else:
        member.status = MemberStatus.DECLINED
    member.answered_at = timezone.now()
    member.save()
    return member


@transaction.atomic
def group_form(*, user, group: LoanGroup, firm) -> LoanGroup:
    """The founder forms the group once enough members accepted; open invitations lapse. Each
    member's membership is recorded in the centre's business module."""
    require(user, firm, ACT_FOR_GROUP)
    group = _lock_group(group)
    if group.founder_id != firm.pk:
        raise PermissionDenied(_("Only the firm that founded the group may form it."))
    _refuse_dissolved(group)
    if group.status != GroupStatus.FORMING:
        raise ValidationError(_("The group is already formed."), code="status")
    policy = policy_for(group.finance_company)
    accepted = list(GroupMember.objects.filter(group=group, status=MemberStatus.ACCEPTED).select_related("firm")
                    .order_by("position"))
    if not policy.min_members <= len(accepted) <= policy.max_members:
        raise ValidationError(_("A group is formed with %(min)s to %(max)s members who accepted; it has %(n)s.")
                              % {"min": policy.min_members, "max": policy.max_members, "n": len(accepted)},
                              code="size")
    GroupMember.objects.filter(group=group, status=MemberStatus.INVITED).update(
        status=MemberStatus.DECLINED, answered_at=timezone.now())
    group.status, group.formed_at = GroupStatus.ACTIVE, timezone.now()
    group.save(update_fields=["status", "formed_at"])
    names = [m.firm.name for m in accepted]
    for m in accepted:
        business_record_publish(link="3", kind="loan_group", subject=m.firm, counterparty=group.finance_company,
                                title=_("Joined the joint-liability loan group “%(group)s”") % {"group": group.name},
                                data={"group_id": group.pk, "group": group.name, "members": names},
                                key=f"loan_group:{group.pk}:{m.firm_id}", counterparty_role="finance_company")
    return group


@transaction.atomic
def group_loan_apply(*, user, group: LoanGroup, firm, amount, periods, purpose: str) -> GroupLoan:
    """``firm``'s own application under the group's product, filed as part of the group (the
    lender's new-money gates apply: a held group is refused with the reason, nothing written)."""
    require(user, firm, ACT_FOR_GROUP)
    group = _lock_group(group)  # a dissolution waits for this application, and then sees it
    _refuse_dissolved(group)
    if group.status != GroupStatus.ACTIVE:
        raise ValidationError(_("The group must be formed before its members apply."), code="status")
    if not GroupMember.objects.filter(group=group, firm=firm, status=MemberStatus.ACCEPTED).exists():
        raise PermissionDenied(_("Only a member of the group may apply with it."))
    policy = policy_for(group.finance_company)
    if policy.product is None:
        raise ValidationError(_("The finance company has not chosen a product for group loans yet."),
                              code="no_product")
    application = application_create(product=policy.product, applicant=firm, user=user, amount=amount,
                                     periods=periods, purpose=purpose, submit=True)
    link = GroupLoan.objects.create(group=group, member=firm, application=application)
    business_record_publish(link="3", kind="group_loan_application", subject=firm, counterparty=policy.product.lender,
                            title=_("Applied for a loan as a member of the group “%(group)s”") % {"group": group.name},
                            amount=application.amount, data={"group_id": group.pk, "application_id": application.pk},
                            key=f"group_loan:{application.pk}", counterparty_role="lender")
    return link


# --- the nightly run: calls on the co-members, the holds on new money --------------------------

def calls_run(*, today: date | None = None) -> dict:
    """Raise the calls due today (set-based: a fixed number of queries per run plus one event per
    instalment called), release the calls whose instalment the borrower paid, and refresh the
    holds on new money. Running it again the same day raises nothing twice."""
    today = today or timezone.localdate()
    links = dict(GroupLoan.objects.filter(group__status=GroupStatus.ACTIVE)
                 .values_list("application_id", "group_id"))
    groups = {g.pk: g for g in LoanGroup.objects.filter(pk__in=set(links.values())).select_related("finance_company")}
    days = {p.finance_company_id: p.call_days for p in GroupPolicy.objects.filter(
        finance_company_id__in={g.finance_company_id for g in groups.values()})}
    loans = {loan_id: (links[app_id], borrower) for loan_id, app_id, borrower in Loan.objects.filter(
        application_id__in=list(links), status=LoanStatus.ACTIVE).values_list("pk", "application_id", "borrower_id")}
    members: dict[int, list[int]] = {}
    for gid, firm in GroupMember.objects.filter(group_id__in=list(groups), status=MemberStatus.ACCEPTED) \
            .order_by("group_id", "position").values_list("group_id", "firm_id"):
        members.setdefault(gid, []).append(firm)
    earliest = today - timedelta(days=min(days.values(), default=30))
    candidates = list(Instalment.objects.filter(loan_id__in=list(loans), due_date__lte=earliest)
                      .exclude(status__in=(InstalmentStatus.PAID, InstalmentStatus.SUPERSEDED))
                      .order_by("loan_id", "due_date", "pk"))
    called = set(JointLiabilityCall.objects.filter(instalment_id__in=[i.pk for i in candidates])
                 .values_list("instalment_id", flat=True).distinct())
    new_calls, per_instalment = [], []
    for inst in candidates:
        gid, defaulter = loans[inst.loan_id]
        group = groups[gid]
        if inst.pk in called or (today - inst.due_date).days < days.get(group.finance_company_id, 30):
            continue
        overdue = inst.principal_unpaid + inst.interest_unpaid + inst.penalty_unpaid
        payers = [m for m in members.get(gid, []) if m != defaulter]
        if overdue <= ZERO or not payers:
            continue
        shares = split_to_fen(overdue, len(payers))
        rows = [JointLiabilityCall(group_id=gid, defaulter_id=defaulter, payer_id=p, loan_id=inst.loan_id,
                                   instalment_id=inst.pk, overdue=overdue, amount=s, raised_on=today)
                for p, s in zip(payers, shares, strict=True) if s > ZERO]
        new_calls += rows
        per_instalment.append((group, defaulter, inst, overdue, rows))
    with transaction.atomic():
        JointLiabilityCall.objects.bulk_create(new_calls, ignore_conflicts=True)
        names = dict(Agent.objects.filter(pk__in={d for _g, d, _i, _o, _r in per_instalment})
                     .values_list("pk", "name"))
        for group, defaulter, inst, overdue, rows in per_instalment:
            event_emit(kind=CALL_RAISED, subject_agent=Agent(pk=defaulter), actor_agent=group.finance_company,
                       agent_ids=members[group.pk],
                       payload={"group_id": group.pk, "group_name": group.name, "defaulter_id": defaulter,
                                "defaulter_name": names.get(defaulter, ""), "loan_id": inst.loan_id,
                                "instalment_id": inst.pk, "amount": str(overdue),
                                "shares": {str(r.payer_id): str(r.amount) for r in rows}})
        released = _release_settled()
        holds = holds_refresh()
    return {"raised": len(new_calls), "instalments": len(per_instalment), "released": released, **holds}


def _release_settled() -> int:
    """Open calls whose instalment is paid (by the borrower, or by the other calls) or replaced by
    a recomputed schedule, or whose loan is closed, are released."""
    from django.db.models import Q

    return JointLiabilityCall.objects.filter(
        Q(instalment__status__in=(InstalmentStatus.PAID, InstalmentStatus.SUPERSEDED))
        | Q(loan__status=LoanStatus.CLOSED), status=CallStatus.OPEN).update(status=CallStatus.RELEASED)


def holds_refresh(*, group_ids=None) -> dict:
    """The holds on new money: every accepted member of a group with an open call is held by the
    group's finance company and by each lender of the group's loans; the others are released.
    A fixed number of queries."""
    open_groups = set(JointLiabilityCall.objects.filter(status=CallStatus.OPEN).values_list("group_id", flat=True))
    scope = LoanGroup.objects.all() if group_ids is None else LoanGroup.objects.filter(pk__in=group_ids)
    scope_ids = set(scope.values_list("pk", flat=True))
    wanted: dict[tuple[int, int, str], str] = {}
    lenders: dict[int, set[int]] = {}
    for gid, lender in GroupLoan.objects.filter(group_id__in=open_groups & scope_ids) \
            .values_list("group_id", "application__lender_id"):
        lenders.setdefault(gid, set()).add(lender)
    for gid, fc, name, firm in GroupMember.objects.filter(group_id__in=open_groups & scope_ids,
                                                          status=MemberStatus.ACCEPTED) \
            .values_list("group_id", "group__finance_company_id", "group__name", "firm_id"):
        reason = _("a member of your loan group “%(group)s” has an overdue instalment and the group's calls are "
                   "not yet paid; no member gets new money until the group's debt is repaid.") % {"group": name}
        for lender in {fc, *lenders.get(gid, ())}:
            wanted[(firm, lender, f"{HOLD_SOURCE}{gid}")] = reason[:300]
    sources = [f"{HOLD_SOURCE}{g}" for g in scope_ids]
    existing = {(h.firm_id, h.lender_id, h.source): h.pk for h in LendingHold.objects.filter(source__in=sources)}
    stale = [pk for k, pk in existing.items() if k not in wanted]
    LendingHold.objects.filter(pk__in=stale).delete()
    LendingHold.objects.bulk_create([LendingHold(firm_id=f, lender_id=lender, source=s, reason=r)
                                     for (f, lender, s), r in wanted.items() if (f, lender, s) not in existing],
                                    ignore_conflicts=True)
    return {"held": len(wanted), "lifted": len(stale)}


# --- paying a call ------------------------------------------------------------------------------

def call_pay(*, user, call: JointLiabilityCall, paid_on=None) -> JointLiabilityCall:
    """The called member pays its share from its own page. What it pays is its share, never more
    than is still due on the defaulter's loan that day (the borrower may have paid part); when
    nothing is due any more the call is released without any money moving."""
    with transaction.atomic():
        call = JointLiabilityCall.objects.select_for_update().select_related("loan", "group", "payer", "defaulter") \
            .get(pk=call.pk)
        require(user, call.payer, ACT_FOR_GROUP)
        if call.status != CallStatus.OPEN:
            raise ValidationError(_("This call is already settled."), code="settled")
        on = paid_on or timezone.localdate()
        due_now = loan_payoff_quote(loan=call.loan, on=on)["due_now"] if call.loan.status == LoanStatus.ACTIVE else ZERO
        amount = min(call.amount - call.paid_amount, due_now)
        if amount <= ZERO:
            call.status = CallStatus.RELEASED
            call.save(update_fields=["status"])
        else:
            key = f"joint_call:{call.pk}"
            money_move(idempotency_key=key, on=on, amount=amount, payer=call.payer,
                       payer_purpose=AccountPurpose.PLACEMENTS, payee=call.defaulter,
                       payee_purpose=AccountPurpose.DEPOSITS, reference=key, user=user,
                       memo=f"joint liability: {call.payer.name} for {call.defaulter.name}"[:200])
            repayment = repayment_record(loan=call.loan, user=None, amount=amount, paid_on=on, idempotency_key=key)
            call.paid_amount += amount
            call.status, call.paid_on, call.repayment_id, call.paid_by = CallStatus.PAID, on, repayment.pk, user
            call.save(update_fields=["paid_amount", "status", "paid_on", "repayment", "paid_by"])
            business_record_publish(
                link="3", kind="joint_liability_payment", subject=call.payer, counterparty=call.defaulter,
                title=_("Paid a share of a group member's overdue instalment (joint liability, group “%(group)s”)")
                % {"group": call.group.name}, amount=amount,
                data={"group_id": call.group_id, "call_id": call.pk, "loan_id": call.loan_id,
                      "repayment_id": repayment.pk}, key=key, counterparty_role="defaulting_member")
            members = list(GroupMember.objects.filter(group=call.group, status=MemberStatus.ACCEPTED)
                           .values_list("firm_id", flat=True))
            event_emit(kind=CALL_PAID, subject_agent=call.defaulter, actor_agent=call.payer, agent_ids=members,
                       payload={"group_id": call.group_id, "call_ids": [call.pk], "defaulter_id": call.defaulter_id,
                                "payer_id": call.payer_id, "loan_id": call.loan_id,
                                "instalment_id": call.instalment_id, "amount": str(amount)})
        _release_settled()
        holds_refresh(group_ids=[call.group_id])
    return call


def call_amount_text(call: JointLiabilityCall) -> str:
    return format_yuan(call.amount - call.paid_amount)
