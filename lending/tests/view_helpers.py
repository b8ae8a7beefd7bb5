"""Helpers of the page tests (test_views_*.py): English clients for the world's users, loans
disbursed relative to today, and small readers of the rendered HTML."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agents.choices import Role
from agents.tests.factories import MembershipFactory, UserFactory
from lending.schedules import add_months
from lending.tests.factories import make_loan


@pytest.fixture(name="en")
def en_fixture(world):
    """``en(role)``: a test client logged in as the world's user for ``role``, speaking English."""
    clients = {}

    def _client(role: str | None = None) -> Client:
        if role not in clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if role and role != "anonymous":
                client.force_login(world.users[role])
            clients[role] = client
        return clients[role]

    return _client


def months_ago(n: int, today: date | None = None) -> date:
    return add_months(today or timezone.localdate(), -n)


def loan_started(world, months: int, *, days: int = 0, **kwargs):
    """A loan of the bank (by default) to the firm, disbursed ``months`` months (and ``days``
    days) ago."""
    kwargs.setdefault("lender", "bank")
    return make_loan(world, start=months_ago(months) - timedelta(days=days), **kwargs)


def second_manager(world, lender: str = "bank"):
    """Another manager of the bank (or the finance company), for maker-checker."""
    agent, role = {"bank": (world.bank, Role.INST_MANAGER),
                   "finance": (world.finance_company, Role.FC_MANAGER)}[lender]
    return MembershipFactory(agent=agent, role=role, user=UserFactory(email=f"manager2-{lender}@example.cn")).user


def text(response) -> str:
    """The page's text without tags and with collapsed white space."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def by_testid(response, name: str) -> list[str]:
    """Texts of the elements with ``data-testid=name`` (first level, tags stripped)."""
    html = response.content.decode()
    found = []
    for match in re.finditer(rf'<(\w+)[^>]*data-testid="{re.escape(name)}"[^>]*>', html):
        tag, start = match.group(1), match.end()
        depth, pos = 1, start
        pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
        while depth:
            m = pattern.search(html, pos)
            if m is None:
                break
            depth += -1 if m.group(1) else 1
            pos = m.end()
        inner = html[start:m.start() if m else len(html)]
        found.append(html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip()))
    return found
