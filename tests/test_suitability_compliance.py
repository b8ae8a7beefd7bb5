"""The government's compliance monitor raises a suitability alert from the investor portal's
holdings (through the oversight hook, the portals never importing each other)."""

import datetime

import pytest

from portals.investors.services import invest, suitability_assess
from portals.investors.tests.factories import open_offers
from portals.investors.tests.test_investing import HIGHEST, LOWEST

pytestmark = pytest.mark.django_db


def test_the_government_monitor_raises_the_alert(world):
    from portals.government.models_oversight import ComplianceAlert
    from portals.government.services_compliance import compliance_check

    note, _loan, _deposit = open_offers(world)
    suitability_assess(user=world.users["investor"], investor=world.investor, answers=HIGHEST,
                       on=datetime.date.today() - datetime.timedelta(days=1))
    invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="1000.00",
           idempotency_key="s2")
    suitability_assess(user=world.users["investor"], investor=world.investor, answers=LOWEST)
    compliance_check(government=world.gov)
    assert ComplianceAlert.objects.filter(rule="suitability", government=world.gov).exists()
