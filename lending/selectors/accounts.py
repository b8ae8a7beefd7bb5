"""Reads of the ledger for the pages: an agent's accounts and their postings."""

from __future__ import annotations

from django.db.models import DecimalField, QuerySet

from ..ledger.models import Account, Posting

MONEY = DecimalField(max_digits=18, decimal_places=2)


def ledger_accounts(*, user, agent) -> QuerySet[Account]:
    """An agent's ledger accounts as its own staff see them."""
    return Account.objects.restrict(user, "view").filter(agent=agent).select_related("loan")


def account_postings(*, account: Account) -> QuerySet[Posting]:
    return account.postings.select_related("entry").order_by("-entry__effective_date", "-id")
