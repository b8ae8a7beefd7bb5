"""Pages of policy meetings and policies: the government schedules, invites firms or whole
industries, records attendance and publishes the minutes; the firm answers its invitations at
/gov/invitations/; policies are published to the government module from /gov/policies/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.portal import ActingMixin, PortalMixin

from .. import selectors_programmes as selectors
from .. import services_meetings as services
from ..forms_programmes import InviteForm, MeetingForm, MinutesForm, PolicyForm
from ..models_programmes import MeetingInvitation
from ..permissions_programmes import ANSWER_MEETING, MANAGE_MEETINGS


class MeetingsMixin(PortalMixin):
    portal_kind = AgentKind.GOVERNMENT
    capability = MANAGE_MEETINGS


class MeetingListView(MeetingsMixin, TemplateView):
    template_name = "government/meetings/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(meetings=selectors.meetings_of(self.agent), form=kwargs.get("form") or MeetingForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_schedule(user=request.user, government=self.agent, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Meeting scheduled; now invite the firms."))
                return redirect("government:meeting-detail", pk=meeting.pk)
        return self.render_to_response(self.get_context_data(form=form))


class MeetingDetailView(MeetingsMixin, TemplateView):
    """POST ``action``: invite, attendance, minutes, cancel."""

    template_name = "government/meetings/detail.html"

    @property
    def meeting(self):
        if not hasattr(self, "_meeting"):
            self._meeting = selectors.own_meeting(self.agent, self.kwargs["pk"])
        return self._meeting

    def _invite_form(self, data=None):
        return InviteForm(data, firms=services.region_firms(self.agent).order_by("name"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(meeting=self.meeting, invitations=selectors.invitations_of(self.meeting),
                   invite_form=kwargs.get("invite_form") or self._invite_form(),
                   minutes_form=kwargs.get("minutes_form") or MinutesForm(initial={"minutes": self.meeting.minutes}),
                   error=kwargs.get("error"))
        return ctx

    def post(self, request, *args, **kwargs):
        meeting, action = self.meeting, request.POST.get("action", "")
        try:
            if action == "invite":
                form = self._invite_form(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(invite_form=form))
                try:
                    n = services.meeting_invite(user=request.user, meeting=meeting,
                                                firm_ids=[f.pk for f in form.cleaned_data["firms"]],
                                                industries=form.cleaned_data["industries"])
                except (ValidationError, PermissionDenied) as exc:
                    apply_errors(form, exc)
                    return self.render_to_response(self.get_context_data(invite_form=form))
                messages.success(request, _("%(n)s firms invited.") % {"n": n})
            elif action == "attendance":
                try:
                    ids = [int(v) for v in request.POST.getlist("attended")]
                except ValueError:
                    raise ValidationError(_("Unknown firm.")) from None
                n = services.attendance_record(user=request.user, meeting=meeting, attended_firm_ids=ids)
                messages.success(request, _("Attendance recorded: %(n)s firms attended.") % {"n": n})
            elif action == "minutes":
                form = MinutesForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(minutes_form=form))
                try:
                    services.minutes_publish(user=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"])
                except (ValidationError, PermissionDenied) as exc:
                    apply_errors(form, exc)
                    return self.render_to_response(self.get_context_data(minutes_form=form))
                messages.success(request, _("Minutes published to the government module."))
            elif action == "cancel":
                services.meeting_cancel(user=request.user, meeting=meeting)
                messages.success(request, _("Meeting cancelled."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return self.render_to_response(self.get_context_data(error=text), status=400)
        return redirect("government:meeting-detail", pk=meeting.pk)


class InvitationListView(ActingMixin, TemplateView):
    """A firm's meeting invitations: confirm or decline, and the minutes once published."""

    acting_kinds = (AgentKind.ENTERPRISE,)
    template_name = "government/meetings/invitations.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(invitations=selectors.firm_invitations(self.agent), may_answer=ANSWER_MEETING in self.caps,
                   error=kwargs.get("error"))
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            invitation = MeetingInvitation.objects.get(pk=int(request.POST.get("invitation", "")), firm=self.agent)
        except (ValueError, MeetingInvitation.DoesNotExist):
            raise Http404 from None
        try:
            services.invitation_answer(user=request.user, invitation=invitation,
                                       accept=request.POST.get("answer") == "accept")
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return self.render_to_response(self.get_context_data(error=text), status=400)
        messages.success(request, _("Your answer was sent."))
        return redirect("government:meeting-invitations")


class PolicyListView(MeetingsMixin, TemplateView):
    template_name = "government/policies.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(policies=selectors.policies_of(self.agent), form=kwargs.get("form") or PolicyForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                publication = services.policy_publish(user=request.user, government=self.agent, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Policy published to the government module."))
                return redirect("infocenter:publication-detail", pk=publication.pk)
        return self.render_to_response(self.get_context_data(form=form))
