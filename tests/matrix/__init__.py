"""The permission matrix: for every named URL, the status each role gets on GET.

Each app keeps its own table in a module here (``core``, ``lending``, ``infocenter``, …),
a dict ``EXPECTED`` of URL name → ``Case``. ``tests/test_permission_matrix.py`` enumerates every
URL pattern from the resolver and fails for any name missing from the merged tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "enterprise", "finance", "government", "institution", "investor", "superuser")
MEMBER_ROLES = ROLES[1:6]
LOGIN = 302  # anonymous users are redirected to the login page


@dataclass
class Case:
    """``expect`` maps each role to its status; ``kwargs(world)`` builds the URL arguments
    (and any object they need); ``query`` is appended to the URL."""

    expect: dict[str, int]
    kwargs: Callable | None = None
    query: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)


def statuses(default: int, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(ROLES, default)
    result.update(overrides)
    return result


def public() -> dict[str, int]:
    return statuses(200)


def only(*roles: str, ok: int = 200, others: int = 404, anonymous: int = LOGIN) -> dict[str, int]:
    """Only ``roles`` get ``ok``; other members get ``others``; anonymous goes to log in."""
    result = statuses(others, anonymous=anonymous)
    for role in roles:
        result[role] = ok
    return result


def members(ok: int = 200, superuser: int | None = None) -> dict[str, int]:
    result = statuses(ok, anonymous=LOGIN)
    if superuser is not None:
        result["superuser"] = superuser
    return result


def merged() -> dict[str, Case]:
    """Every module of this package with an ``EXPECTED`` table, merged; a URL name may sit in one only."""
    import importlib
    import pkgutil

    table: dict[str, Case] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        expected = getattr(module, "EXPECTED", None)
        if expected is None:
            continue
        overlap = table.keys() & expected.keys()
        assert not overlap, f"URL names in two tables: {overlap}"
        table.update(expected)
    return table


# Name prefixes covered by a rule rather than one row each (third-party URL sets).
PREFIX_RULES: dict[str, Callable[[str], Case]] = {}
