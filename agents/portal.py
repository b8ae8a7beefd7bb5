"""The one gate of every page that acts for an agent (portals, the centre's pages, lending).

``ActingMixin`` lets through a logged-in user who acts for an active agent — of ``acting_kinds``
when given, in one of ``acting_roles`` when given, holding ``capability`` when given — and sets
``self.agent`` (the agent acted for) and ``self.caps`` (the user's capabilities for it, from the
core registry). Anyone else gets 404, so ids leak nothing; anonymous users are sent to log in.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils.functional import SimpleLazyObject, cached_property

from .capabilities import capabilities_of
from .selectors import acting_membership


def acting_agent(user, kinds: tuple = ()):
    """The active agent ``user`` acts for: of ``kinds`` when given (the oldest such
    membership), otherwise the agent of its portal. ``None`` when there is none."""
    membership = acting_membership(user, kinds)
    return membership.agent if membership else None


class ActingMixin(LoginRequiredMixin):
    acting_kinds: tuple = ()
    acting_roles: tuple = ()
    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = acting_membership(request.user, tuple(self.acting_kinds), tuple(self.acting_roles))
        if membership is None:
            raise Http404
        self.agent = membership.agent
        if self.capability and self.capability not in self.caps:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def caps(self) -> set[str]:
        return capabilities_of(self.request.user, self.agent)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(agent=self.agent, caps=SimpleLazyObject(lambda: self.caps))
        return ctx


class PortalMixin(ActingMixin):
    """A portal's pages: ``ActingMixin`` for the one kind of agent the portal serves."""

    portal_kind: str = ""
    portal_roles: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        self.acting_kinds = (self.portal_kind,)
        self.acting_roles = self.portal_roles
        return super().dispatch(request, *args, **kwargs)
