"""An optional PostgreSQL read replica for the dashboards (docs/scaling.md).

Off unless ``DATABASE_REPLICA_URL`` is set: then ``settings.DATABASES["replica"]`` exists and
``ReplicaRouter`` is installed. Reads go to the replica only inside ``replica_reads()`` — which
``ReplicaReadsMiddleware`` opens for a GET or HEAD of the views named in
``settings.REPLICA_READ_VIEWS`` (the three dashboards) — so every other page, every form and
every Celery task keeps reading its own writes from the primary. Writes always go to the
primary; migrations never run on the replica. A dashboard shows figures as old as the replica's
lag (seconds with streaming replication), which is why only read-only summary pages are listed.

Only queries built by the ORM are routed; a selector that runs raw SQL on
``django.db.connection`` still reads the primary (docs/scaling.md lists them).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """ORM reads inside the block go to the replica (when one is configured)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Reads to the replica inside ``replica_reads()``; everything else to the default database."""

    def db_for_read(self, model, **hints):
        if _reading.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaReadsMiddleware:
    """GET/HEAD of the views in ``settings.REPLICA_READ_VIEWS`` read from the replica. The user
    and the session are loaded from the primary first (a session written a moment ago by the
    login may not have reached the replica yet)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return None
        match = getattr(request, "resolver_match", None)
        if not match or match.view_name not in getattr(settings, "REPLICA_READ_VIEWS", ()):
            return None
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - evaluate the lazy user on the primary
        with replica_reads():
            response = view_func(request, *view_args, **view_kwargs)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response = response.render()  # templates evaluate querysets while rendering
        return response
