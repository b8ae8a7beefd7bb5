"""The base of every portal view: the user must act for an active agent of the portal's
kind; anyone else gets 404 (anonymous users are sent to log in)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from .selectors import agent_for_portal


class PortalMixin(LoginRequiredMixin):
    portal_kind: str = ""
    # Roles allowed on this view (all roles of the kind when empty).
    portal_roles: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.agent = agent_for_portal(request.user, self.portal_kind)
        if self.agent is None:
            raise Http404
        if self.portal_roles:
            from .models import Membership

            if not Membership.objects.filter(user=request.user, agent=self.agent, is_active=True,
                                             role__in=self.portal_roles).exists():
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["agent"] = self.agent
        return ctx
