"""Shared pieces of the centre's pages (the acting gate is the core's ``agents.portal.ActingMixin``)."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from agents.portal import ActingMixin, acting_agent

__all__ = ["ActingMixin", "acting_agent", "safe_next"]


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
