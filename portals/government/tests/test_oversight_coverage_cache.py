"""The government console's information-coverage card comes from the cache while nothing it
reads has changed, and shows the same figures as the computation itself after every change
(a publication, a retraction, a new firm of the region)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.choices import AgentKind, AgentStatus
from agents.models import Agent
from agents.tests.factories import AgentFactory
from infocenter.dossier import asymmetry_summary_for
from infocenter.models import Publication
from infocenter.services import publication_retract
from infocenter.tests.factories import PublicationFactory
from portals.government import selectors_oversight as oversight

pytestmark = pytest.mark.django_db


def _page(client):
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/gov/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return page.split('data-testid="figure-coverage">')[1].split("<")[0], len(queries.captured_queries)


def _computed(world):
    firms = Agent.objects.filter(kind=AgentKind.ENTERPRISE, status=AgentStatus.ACTIVE,
                                 region_code__startswith=oversight.prefix_of(world.gov))
    return asymmetry_summary_for(firms)


def test_the_coverage_card_follows_what_the_centre_learns(world, client_for):
    cache.clear()
    client = client_for("government")
    first, cold = _page(client)
    again, warm = _page(client)
    assert again == first and warm < cold  # the second visit reads the cache
    assert oversight.information_coverage(world.gov) == _computed(world)

    pub = PublicationFactory(subject=world.firm, publisher=world.firm, category="financial_statements")
    Publication.objects.filter(pk=pub.pk).update(published_at=timezone.now() - timedelta(days=3))
    after_pub, _ = _page(client)
    assert after_pub != first
    assert oversight.information_coverage(world.gov) == _computed(world)

    AgentFactory(kind=AgentKind.ENTERPRISE, region_code=world.firm.region_code, status=AgentStatus.ACTIVE)
    assert oversight.information_coverage(world.gov)["firms"] == _computed(world)["firms"]

    publication_retract(publication=pub, author=None, reason="报错")
    assert oversight.information_coverage(world.gov) == _computed(world)
