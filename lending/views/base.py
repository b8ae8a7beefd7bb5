"""Shared pieces of the lending pages: the borrower and lender gates (the core's
``agents.portal.ActingMixin`` for the right kinds of agent), pagination."""

from __future__ import annotations

from django.core.paginator import Paginator

from agents.portal import ActingMixin

__all__ = ["ActingMixin", "BorrowerMixin", "LenderMixin", "paginate", "query_without_page"]

BORROWER_KINDS = ("enterprise", "finance_company")
LENDER_KINDS = ("finance_company", "institution", "investor")
PAGE_SIZE = 25
BOOK_PAGE_SIZE = 50


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
