"""The one chokepoint for what a user may see or do (DESIGN.md §4.2).

Every queryset a user can reach goes through ``Model.objects.restrict(user, action)``.
A model says who may see it by defining ``restrict_q(viewer, action)`` (a ``Q`` over its own
fields, built from the viewer's memberships) and, for the public, ``restrict_anonymous_q``.
Object permissions granted through django-guardian (to a user or to an agent's group, e.g. a
firm's consent to a bank) widen the result for models that set ``guardian_object_perms``.
Anything a user may not see answers 404 (``RestrictedObjectMixin``), so ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.http import Http404

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Viewer:
    """What the rules need to know about the person asking: their active memberships."""

    user: object
    agent_ids: frozenset[int] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    region_prefixes: frozenset[str] = field(default_factory=frozenset)
    agents_by_kind: dict = field(default_factory=dict)

    @property
    def is_superuser(self) -> bool:
        return bool(getattr(self.user, "is_superuser", False))

    def ids_of(self, kind: str) -> list[int]:
        return list(self.agents_by_kind.get(kind, ()))


def region_prefix(code: str) -> str:
    """A county code covers itself, a city code (xxxx00) its counties, a province its cities."""
    code = code or ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def viewer_for(user) -> Viewer:
    """Memberships of ``user``, read once per request and cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer(user=user)
    cached = getattr(user, "_platform_viewer", None)
    if cached is not None:
        return cached
    from agents.models import Membership

    rows = list(
        Membership.objects.filter(user=user, is_active=True, agent__status="active").values_list(
            "agent_id", "agent__kind", "role", "agent__region_code"
        )
    )
    by_kind: dict[str, set[int]] = {}
    for agent_id, kind, _role, _region in rows:
        by_kind.setdefault(kind, set()).add(agent_id)
    viewer = Viewer(
        user=user,
        agent_ids=frozenset(r[0] for r in rows),
        kinds=frozenset(r[1] for r in rows),
        roles=frozenset(r[2] for r in rows),
        region_prefixes=frozenset(region_prefix(r[3]) for r in rows if r[1] == "government"),
        agents_by_kind={k: frozenset(v) for k, v in by_kind.items()},
    )
    user._platform_viewer = viewer
    return viewer


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        model = self.model
        if user is None or not getattr(user, "is_authenticated", False):
            anonymous = getattr(model, "restrict_anonymous_q", None)
            return self.filter(anonymous(action)) if anonymous else self.none()
        if user.is_superuser:
            return self
        viewer = viewer_for(user)
        q = model.restrict_q(viewer, action)
        if getattr(model, "guardian_object_perms", False):
            from guardian.shortcuts import get_objects_for_user

            opts = model._meta
            granted = get_objects_for_user(
                user,
                f"{opts.app_label}.{action}_{opts.model_name}",
                klass=model._default_manager.all(),
                accept_global_perms=False,
                with_superuser=False,
            )
            q |= Q(pk__in=granted.values("pk"))
        return self.filter(q)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


class RestrictedObjectMixin:
    """View mixin: ``get_queryset`` goes through ``restrict()``; an object outside answers 404."""

    restrict_action = "view"
    model = None

    def get_restricted_queryset(self):
        return self.model._default_manager.restrict(self.request.user, self.restrict_action)

    def get_queryset(self):
        return self.get_restricted_queryset()


def get_restricted_or_404(model_or_qs, user, action: str = "view", **lookup):
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    try:
        return qs.restrict(user, action).get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404
