"""Writes of policy meetings (link a) and of policies published to the government module.

A meeting is scheduled, firms (or whole industries of the region) are invited, each firm answers
from its side, the officer records who attended and the minutes; publishing the minutes puts them
in the government module of the centre (category *meeting minutes*, public) and records the
meeting in the business module once per attending firm."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind, AgentStatus
from agents.models import Agent
from agents.restrict import region_prefix
from infocenter.choices import Category, Visibility
from infocenter.services.business import business_record_publish
from infocenter.services.publications import publication_create

from .models_programmes import InvitationResponse, MeetingInvitation, MeetingStatus, PolicyMeeting
from .permissions_programmes import ANSWER_MEETING, MANAGE_MEETINGS


def _required(value, message):
    text = (value or "").strip()
    if not text:
        raise ValidationError(message)
    return text


def _when(raw):
    if hasattr(raw, "tzinfo"):
        value = raw
    else:
        value = parse_datetime(str(raw or "").strip().replace("T", " ")) if raw else None
        if value is None:
            raise ValidationError(_("Enter a date and time such as 2026-12-15 14:30."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@transaction.atomic
def meeting_schedule(*, user, government: Agent, title: str, starts_at, place: str, agenda: str) -> PolicyMeeting:
    require(user, government, MANAGE_MEETINGS)
    from agents.parsing import collect

    values = collect(title=lambda: _required(title, _("Give the meeting a title."))[:200],
                     starts_at=lambda: _when(starts_at),
                     place=lambda: _required(place, _("Say where the meeting takes place."))[:200],
                     agenda=lambda: _required(agenda, _("Write the agenda.")))
    meeting = PolicyMeeting(government=government, created_by=user, **values)
    meeting.full_clean()
    meeting.save()
    return meeting


def _lock(meeting: PolicyMeeting) -> PolicyMeeting:
    return PolicyMeeting.objects.select_for_update(of=("self",)).select_related("government").get(pk=meeting.pk)


def region_firms(government: Agent):
    return Agent.objects.filter(kind=AgentKind.ENTERPRISE, status=AgentStatus.ACTIVE,
                                region_code__startswith=region_prefix(government.region_code))


@transaction.atomic
def meeting_invite(*, user, meeting: PolicyMeeting, firm_ids=(), industries: str = "") -> int:
    """Invite firms of the region, by id or by whole industries (GB/T 4754 codes or prefixes);
    a firm invited twice keeps its first invitation. Returns how many were newly invited."""
    from .services_programmes import _codes

    meeting = _lock(meeting)
    require(user, meeting.government, MANAGE_MEETINGS)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled meeting takes invitations."))
    codes = [c.strip() for c in _codes(industries).split(",") if c.strip()] if industries else []
    ids = {int(i) for i in firm_ids}
    if not ids and not codes:
        raise ValidationError(_("Choose firms or give industries to invite."))
    q = Q(pk__in=ids)
    for code in codes:
        q |= Q(industry_code__istartswith=code)
    firms = list(region_firms(meeting.government).filter(q).values_list("pk", flat=True))
    if ids - set(firms):
        raise ValidationError(_("Only active firms of the government's region can be invited."))
    if not firms:
        raise ValidationError(_("No firm of the region is in these industries."))
    before = MeetingInvitation.objects.filter(meeting=meeting).count()
    MeetingInvitation.objects.bulk_create([MeetingInvitation(meeting=meeting, firm_id=pk) for pk in firms],
                                          ignore_conflicts=True)
    return MeetingInvitation.objects.filter(meeting=meeting).count() - before


@transaction.atomic
def invitation_answer(*, user, invitation: MeetingInvitation, accept: bool) -> MeetingInvitation:
    """The invited firm confirms or declines (it may change its answer until the meeting is held)."""
    invitation = MeetingInvitation.objects.select_for_update(of=("self",)).select_related("meeting", "firm") \
        .get(pk=invitation.pk)
    require(user, invitation.firm, ANSWER_MEETING)
    if invitation.meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("This meeting is no longer open for answers."))
    invitation.response = InvitationResponse.ACCEPTED if accept else InvitationResponse.DECLINED
    invitation.responded_at, invitation.responded_by = timezone.now(), user
    invitation.save(update_fields=["response", "responded_at", "responded_by"])
    return invitation


@transaction.atomic
def attendance_record(*, user, meeting: PolicyMeeting, attended_firm_ids) -> int:
    """Who came: every invitation is marked attended or not. Returns the number attending."""
    meeting = _lock(meeting)
    require(user, meeting.government, MANAGE_MEETINGS)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled."))
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError(_("The minutes are published; attendance can no longer change."))
    ids = {int(i) for i in attended_firm_ids}
    invited = set(MeetingInvitation.objects.filter(meeting=meeting).values_list("firm_id", flat=True))
    if ids - invited:
        raise ValidationError(_("Only invited firms can be recorded as attending."))
    MeetingInvitation.objects.filter(meeting=meeting).update(attended=False)
    return MeetingInvitation.objects.filter(meeting=meeting, firm_id__in=ids).update(attended=True)


@transaction.atomic
def minutes_publish(*, user, meeting: PolicyMeeting, minutes: str) -> PolicyMeeting:
    """Record the minutes and publish them to the government module (public); the meeting is
    recorded in the business module once per attending firm."""
    meeting = _lock(meeting)
    gov = meeting.government
    require(user, gov, MANAGE_MEETINGS)
    text = _required(minutes, {"minutes": _("Write the minutes.")})
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("The minutes of this meeting are already published."))
    attended = list(Agent.objects.filter(meeting_invitations__meeting=meeting, meeting_invitations__attended=True)
                    .order_by("name"))
    if not attended:
        raise ValidationError(_("Record who attended before publishing the minutes."))
    invited = MeetingInvitation.objects.filter(meeting=meeting).count()
    publication = publication_create(
        subject=gov, publisher=gov, category=Category.MEETING_MINUTES, title=meeting.title,
        body=text, visibility=Visibility.PUBLIC, key=f"meeting:{meeting.pk}", author=user,
        data={"meeting_id": meeting.pk, "starts_at": meeting.starts_at.isoformat(), "place": meeting.place,
              "agenda": meeting.agenda, "invited": invited, "attended": [f.name for f in attended]})
    meeting.minutes, meeting.minutes_publication, meeting.status = text, publication, MeetingStatus.HELD
    meeting.save(update_fields=["minutes", "minutes_publication", "status"])
    for firm in attended:
        business_record_publish(
            link="a", kind="policy_meeting", subject=firm, counterparty=gov, counterparty_role="government",
            title=_("Policy meeting: %(title)s") % {"title": meeting.title},
            data={"meeting_id": meeting.pk, "publication_id": publication.pk,
                  "starts_at": meeting.starts_at.isoformat(), "place": meeting.place},
            key=f"policy_meeting:{meeting.pk}:{firm.pk}")
    return meeting


@transaction.atomic
def meeting_cancel(*, user, meeting: PolicyMeeting) -> PolicyMeeting:
    meeting = _lock(meeting)
    require(user, meeting.government, MANAGE_MEETINGS)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    return meeting


def policy_publish(*, user, government: Agent, title: str, body: str, period: str = ""):
    """A policy of the government, published to the government module of the centre (public)."""
    require(user, government, MANAGE_MEETINGS)
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the policy a title.")})
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the policy's text.")})
    return publication_create(subject=government, publisher=government, category=Category.POLICY,
                              title=title, body=body, period=period, visibility=Visibility.PUBLIC, author=user)
