"""Dissolving a joint-liability group (docs/schemes.md, "Dissolving a group").

Two ways, both refused with the reason and nothing changed while a member still owes a group loan,
an application filed with the group is open, or a call of the group is open
(``selectors.dissolution_blockers``):

* **the members decide**: each accepted member agrees (``dissolution_agree``) — and may withdraw
  its agreement while others have not yet agreed; the last agreement dissolves the group;
* **the finance company decides** (``group_dissolve``): one of its managers, with a reason.

A dissolved group refuses invitations, answers and applications; its open invitations lapse; its
members are free to found or join another group; its loans and calls stay on its page. For a
formed group each member's leaving is recorded in the centre's business module, as its joining
was. The holds on new money are refreshed for the group (it has no open call, so none stays)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from infocenter.services.business import business_record_publish

from .models import GroupMember, GroupStatus, LoanGroup, MemberStatus
from .permissions import ACT_FOR_GROUP, DISSOLVE_GROUP
from .selectors import dissolution_blockers
from .services import _lock_group, holds_refresh


def _check_dissolvable(group: LoanGroup) -> None:
    if group.status == GroupStatus.DISSOLVED:
        raise ValidationError(_("The group is already dissolved."), code="dissolved")
    blockers = dissolution_blockers(group)
    if blockers:
        raise ValidationError(_("The group cannot be dissolved: %(reasons)s") % {"reasons": " ".join(blockers)},
                              code="blocked")


def _dissolve(group: LoanGroup, *, user, reason: str, decided_by: str) -> LoanGroup:
    """``reason`` is the finance company's; empty when the members decided (the page says so)."""
    was_formed = group.status == GroupStatus.ACTIVE
    now = timezone.now()
    GroupMember.objects.filter(group=group, status=MemberStatus.INVITED).update(status=MemberStatus.DECLINED,
                                                                                answered_at=now)
    group.status, group.dissolved_at, group.dissolved_by, group.dissolution_reason = (
        GroupStatus.DISSOLVED, now, user, reason[:300])
    group.full_clean()
    group.save(update_fields=["status", "dissolved_at", "dissolved_by", "dissolution_reason"])
    if was_formed:
        members = list(GroupMember.objects.filter(group=group, status=MemberStatus.ACCEPTED).select_related("firm")
                       .order_by("position"))
        for m in members:
            business_record_publish(
                link="3", kind="loan_group_dissolved", subject=m.firm, counterparty=group.finance_company,
                title=_("Left the joint-liability loan group “%(group)s”: the group is dissolved") % {"group": group.name},
                data={"group_id": group.pk, "group": group.name, "decided_by": decided_by,
                      "reason": group.dissolution_reason,
                      "members": [x.firm.name for x in members]},
                key=f"loan_group_dissolved:{group.pk}:{m.firm_id}", counterparty_role="finance_company")
    holds_refresh(group_ids=[group.pk])
    return group


@transaction.atomic
def dissolution_agree(*, user, group: LoanGroup, firm, agree: bool = True) -> LoanGroup:
    """``firm`` (an accepted member) agrees to dissolve ``group`` — or withdraws its agreement.
    When every accepted member has agreed, the group is dissolved. Returns the group."""
    require(user, firm, ACT_FOR_GROUP)
    group = _lock_group(group)
    member = GroupMember.objects.select_for_update().filter(group=group, firm=firm,
                                                            status=MemberStatus.ACCEPTED).first()
    if member is None:
        raise PermissionDenied(_("Only a member of the group may decide on its dissolution."))
    if not agree:
        if group.status == GroupStatus.DISSOLVED:
            raise ValidationError(_("The group is already dissolved."), code="dissolved")
        if member.dissolve_agreed_at is not None:
            member.dissolve_agreed_at = None
            member.save(update_fields=["dissolve_agreed_at"])
        return group
    _check_dissolvable(group)
    if member.dissolve_agreed_at is None:
        member.dissolve_agreed_at = timezone.now()
        member.save(update_fields=["dissolve_agreed_at"])
    waiting = GroupMember.objects.filter(group=group, status=MemberStatus.ACCEPTED, dissolve_agreed_at__isnull=True)
    if waiting.exists():
        return group
    return _dissolve(group, user=user, reason="", decided_by="members")


@transaction.atomic
def group_dissolve(*, user, group: LoanGroup, finance_company, reason: str) -> LoanGroup:
    """A manager of the group's finance company dissolves it, giving the reason."""
    require(user, finance_company, DISSOLVE_GROUP)
    group = _lock_group(group)
    if group.finance_company_id != finance_company.pk:
        raise PermissionDenied(_("Only the group's finance company may dissolve it."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the dissolution.")}, code="required")
    _check_dissolvable(group)
    return _dissolve(group, user=user, reason=reason, decided_by="finance_company")
