"""The optional read replica: with ``DATABASE_REPLICA_URL`` the dashboards' GETs read from the
``replica`` alias, everything else (forms, other pages, writes, migrations) stays on the primary;
without it nothing changes. The routing decisions are checked with the router installed for the
test; the page itself is rendered to show it still answers with the same figures."""

import pytest
from django.db import router
from django.test import RequestFactory, override_settings

from agents.models import Agent
from platform4a1c.db_router import REPLICA, ReplicaReadsMiddleware, ReplicaRouter, replica_reads

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
WITH_REPLICA = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
                "replica": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}


def test_reads_go_to_the_replica_only_inside_the_block():
    r = ReplicaRouter()
    with override_settings(DATABASES=WITH_REPLICA):
        assert r.db_for_read(Agent) is None
        with replica_reads():
            assert r.db_for_read(Agent) == REPLICA
            assert r.db_for_write(Agent) == "default"
        assert r.db_for_read(Agent) is None
        assert r.allow_migrate("replica", "agents") is False and r.allow_migrate("default", "agents") is True
    with replica_reads():  # no replica configured: the default database
        assert r.db_for_read(Agent) is None


def _seen_by(path, method="get"):
    """The alias the router picks for a read while the middleware runs the view at ``path``."""
    from django.urls import resolve

    seen = []

    def view(request):
        seen.append(router.db_for_read(Agent))
        from django.http import HttpResponse
        return HttpResponse("ok")

    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(path)
    middleware = ReplicaReadsMiddleware(lambda req: None)
    response = middleware.process_view(request, view, (), {})
    if response is None:
        view(request)
    return seen[0]


@pytest.mark.parametrize(("path", "method", "alias"), [
    ("/gov/", "get", REPLICA), ("/finance/", "get", REPLICA), ("/institution/", "get", REPLICA),
    ("/finance/", "post", "default"),            # a form posted to the page: the primary
    ("/finance/members/", "get", "default"),     # any other page: the primary
])
def test_the_middleware_routes_the_dashboards_gets(monkeypatch, path, method, alias):
    monkeypatch.setattr(router, "routers", [ReplicaRouter()])
    with override_settings(DATABASES=WITH_REPLICA):
        assert (_seen_by(path, method) or "default") == alias


def test_without_a_replica_the_middleware_does_nothing(monkeypatch):
    monkeypatch.setattr(router, "routers", [ReplicaRouter()])
    assert (_seen_by("/gov/") or "default") == "default"


@pytest.mark.django_db
def test_the_dashboard_renders_through_the_middleware(client_for, world):
    # the middleware is installed in every settings module; without a replica the page is the same
    response = client_for("finance").get("/finance/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-testid="fig-count"' in response.content.decode()
