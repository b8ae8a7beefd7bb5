"""Every URL pattern × every role: the status each gets on GET (DESIGN.md §6).

A URL missing from the tables in ``tests/matrix/`` fails ``test_every_url_is_in_the_matrix``.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import ROLES, Case, merged
from tests.matrix.core import admin_case

ADMIN_KWARG_VALUES = {"object_id": "999999", "app_label": "agents", "content_type_id": "1", "id": "999999",
                      "object_pk": "999999", "user_id": "999999", "group_id": "999999"}


def _walk(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace and (f"{namespace}:{p.namespace}" if namespace else p.namespace) or namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def url_names() -> dict[str, URLPattern]:
    return dict(_walk(get_resolver().url_patterns))


def _case_for(name: str, pattern: URLPattern, table: dict[str, Case]) -> Case | None:
    if name in table:
        return table[name]
    if name.startswith("admin:"):
        return admin_case(name, bool(pattern.pattern.regex.groupindex) or "<" in str(pattern.pattern))
    return None


def test_every_url_is_in_the_matrix():
    table = merged()
    missing = [n for n, p in url_names().items() if _case_for(n, p, table) is None]
    assert not missing, f"URL patterns without a row in tests/matrix/: {missing}"
    stale = sorted(set(table) - set(url_names()))
    assert not stale, f"Rows in tests/matrix/ for URLs that no longer exist: {stale}"


def _admin_kwargs(pattern: URLPattern) -> dict:
    names = list(pattern.pattern.regex.groupindex) or re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    return {n: ADMIN_KWARG_VALUES.get(n, "1") for n in names}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, world, client_for):
    table = merged()
    client = client_for(role)
    wrong = []
    for name, pattern in sorted(url_names().items()):
        case = _case_for(name, pattern, table)
        if case is None:
            continue  # reported by test_every_url_is_in_the_matrix
        kwargs = case.kwargs(world) if case.kwargs else (_admin_kwargs(pattern) if name.startswith("admin:") else {})
        url = reverse(name, kwargs=kwargs or None) + case.query
        status = client.get(url).status_code
        if status != case.expect[role]:
            wrong.append(f"{name} ({url}): expected {case.expect[role]}, got {status}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
