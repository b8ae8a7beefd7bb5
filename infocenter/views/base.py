"""Shared pieces of the centre's pages."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from agents.selectors import primary_membership


def acting_agent(user):
    """The agent the user acts for on the centre's pages (the one of their portal)."""
    membership = primary_membership(user)
    if membership is None or membership.agent.status != "active" or not membership.is_active:
        return None
    return membership.agent


class ActingMixin(LoginRequiredMixin):
    """The user must act for an active agent (of ``acting_kinds`` when given); others get 404."""

    acting_kinds: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.agent = acting_agent(request.user)
        if self.agent is None or (self.acting_kinds and self.agent.kind not in self.acting_kinds):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["agent"] = self.agent
        return ctx


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
