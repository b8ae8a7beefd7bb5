"""The investor's suitability level, read through a hook: the level lives in the investor portal
(``portals.investors``), which this layer may not import. The portal (or any owner of the fact)
registers a function ``agent -> "C1".."C5" or None`` from its ``AppConfig.ready()``::

    level_source_register(latest_level_of)

With no source registered, a private investor's subscription is accepted without the check
(docs/decisions.md, "Collective bond: investor suitability through a hook")."""

from __future__ import annotations

from collections.abc import Callable

_SOURCE: dict[str, Callable] = {}


def level_source_register(func: Callable) -> None:
    _SOURCE["level"] = func


def level_source_unregister() -> None:
    _SOURCE.pop("level", None)


def level_source() -> Callable | None:
    return _SOURCE.get("level")


def investor_level(agent) -> tuple[bool, str]:
    """``(checked, level)``: whether a source answered, and the level ("" when not assessed)."""
    func = _SOURCE.get("level")
    if func is None:
        return False, ""
    return True, (func(agent) or "")


def level_allows(level: str, risk: str) -> bool:
    """A level-Cn investor may hold products up to Rn."""
    try:
        return int(level[1:]) >= int(risk[1:])
    except (TypeError, ValueError, IndexError):
        return False
