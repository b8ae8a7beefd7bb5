"""Shared pieces of the lending pages: who the user acts for, which capabilities they hold,
putting a service's refusal back on a form, pagination."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404

from agents.selectors import primary_membership

from ..permissions import capabilities_of

BORROWER_KINDS = ("enterprise", "finance_company")
LENDER_KINDS = ("finance_company", "institution", "investor")
PAGE_SIZE = 25
BOOK_PAGE_SIZE = 50


def acting_agent(user):
    """The agent the user acts for on the lending pages: the one of their portal."""
    membership = primary_membership(user)
    if membership is None or not membership.is_active or membership.agent.status != "active":
        return None
    return membership.agent


class ActingMixin(LoginRequiredMixin):
    """The user must act for an active agent of ``acting_kinds`` and, when ``capability`` is set,
    hold it for that agent; anyone else gets 404 (anonymous users are sent to log in)."""

    acting_kinds: tuple = ()
    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.agent = acting_agent(request.user)
        if self.agent is None or (self.acting_kinds and self.agent.kind not in self.acting_kinds):
            raise Http404
        self.caps = capabilities_of(request.user, self.agent)
        if self.capability and self.capability not in self.caps:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(agent=self.agent, caps=self.caps)
        return ctx


class BorrowerMixin(ActingMixin):
    acting_kinds = BORROWER_KINDS


class LenderMixin(ActingMixin):
    acting_kinds = LENDER_KINDS


def paginate(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current query string without ``page`` (for pagination links that keep the filters)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
