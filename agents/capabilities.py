"""The capability registry: who may do what, for whom, and the four-eyes rule (DESIGN.md §5).

A capability is a named right ("approve", "disburse", "approve_allocation", …) granted by a
membership role of the agent involved. Each app declares its own capabilities, with the roles
that hold them and the message a refusal shows, from its ``AppConfig.ready()``::

    capability_declare("approve", roles=(Role.FC_MANAGER, Role.INST_MANAGER, Role.INVESTOR),
                       message=_("Only a manager of the lender may approve or reject applications."))

and every layer asks the same questions here: ``capabilities_of(user, agent)`` (which buttons a
page shows), ``can``/``require`` (a service's gate) and ``four_eyes_check`` (maker-checker: the
person who prepared a thing may not also approve it). Platform superusers are not exempt: they
run the platform, they do not act for its agents. A private investor acts alone as a natural
person, so the second-person rule is waived for investors (``four_eyes_waived``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.translation import gettext_lazy as _

from .choices import AgentKind, AgentStatus


@dataclass(frozen=True)
class Capability:
    """One declared right: its code, the roles that hold it and the refusal message."""

    code: str
    roles: frozenset
    message: object


_REGISTRY: dict[str, Capability] = {}


def capability_declare(code: str, *, roles, message) -> str:
    """Declare a capability (idempotent: ready() may run more than once). Declaring the same
    code with other roles is a configuration error — two apps would disagree on who may act."""
    capability = Capability(code=code, roles=frozenset(str(r) for r in roles), message=message)
    existing = _REGISTRY.get(code)
    if existing is not None and existing.roles != capability.roles:
        raise ImproperlyConfigured(f"capability {code!r} is declared twice with different roles")
    _REGISTRY[code] = capability
    return code


def capability(code: str) -> Capability:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise ImproperlyConfigured(f"capability {code!r} was never declared") from None


def declared_capabilities() -> dict[str, Capability]:
    return dict(_REGISTRY)


def role_capabilities(role: str) -> set[str]:
    """The capabilities a role holds (the role → capability table, derived from the declarations)."""
    return {code for code, cap in _REGISTRY.items() if str(role) in cap.roles}


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def capabilities_by_agent(user, agent_ids) -> dict[int, set[str]]:
    """``{agent_id: capabilities}`` that ``user`` holds through active memberships, one query."""
    result: dict[int, set[str]] = {agent_id: set() for agent_id in agent_ids}
    if not _authenticated(user) or not result:
        return result
    from .models import Membership

    rows = Membership.objects.filter(user=user, agent_id__in=list(result), is_active=True,
                                     agent__status=AgentStatus.ACTIVE).values_list("agent_id", "role")
    for agent_id, role in rows:
        result[agent_id] |= role_capabilities(role)
    return result


def capabilities_of(user, agent) -> set[str]:
    """The capabilities ``user`` holds for ``agent`` (empty for anyone else, superusers included)."""
    if agent is None or not _authenticated(user):
        return set()
    return capabilities_by_agent(user, [agent.pk])[agent.pk]


def can(user, agent, code: str) -> bool:
    capability(code)  # an undeclared capability is a bug, not a refusal
    return code in capabilities_of(user, agent)


def require(user, agent, code: str) -> None:
    """Raise ``PermissionDenied`` with the capability's own message unless ``user`` holds it."""
    if not can(user, agent, code):
        raise PermissionDenied(capability(code).message)


def four_eyes_waived(agent) -> bool:
    """The second-person rule applies to organisations; an individual investor decides alone."""
    return agent.kind == AgentKind.INVESTOR


def four_eyes_check(*, agent, maker_id: int | None, checker, message=None) -> None:
    """Maker-checker: ``checker`` (the user approving) must not be the person who prepared the
    thing (``maker_id``), unless the owning agent is an individual (``four_eyes_waived``)."""
    if four_eyes_waived(agent) or maker_id is None:
        return
    if maker_id == getattr(checker, "pk", None):
        raise PermissionDenied(message or _("The person who prepared this cannot also approve it (maker-checker)."))
