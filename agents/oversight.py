"""Sources of compliance findings that live above the government console.

The government's compliance monitor (``portals.government``) cannot import another portal, yet
some of its rules read facts another portal owns (an investor's suitability level against a
product's risk level). Such an owner registers a function here from its ``AppConfig.ready()``::

    finding_source_register("suitability", investor_suitability_breaches)

The function takes the government's region prefix and returns a list of findings, each a dict
with ``subject_key``, ``subject_label``, ``subject_agent_id`` (or ``None``), ``measured``,
``threshold`` (Decimals) and ``details`` (a JSON-able dict). A rule with no source registered
finds nothing (the monitor shows it as "no data").
"""

from __future__ import annotations

from collections.abc import Callable

_SOURCES: dict[str, dict[str, Callable[[str], list[dict]]]] = {}


def finding_source_register(rule: str, func: Callable[[str], list[dict]], *, name: str | None = None) -> None:
    """Register (or replace, ready() may run twice) a source of findings for ``rule``."""
    _SOURCES.setdefault(rule, {})[name or f"{func.__module__}.{func.__qualname__}"] = func


def finding_sources(rule: str) -> list[Callable[[str], list[dict]]]:
    return list(_SOURCES.get(rule, {}).values())


def finding_source_unregister(rule: str, name: str) -> None:
    _SOURCES.get(rule, {}).pop(name, None)
