"""The government's suitability rule reads the investor portal's holdings through the oversight
hook: a holding above the investor's current level is a finding; within it, none."""

import datetime

import pytest

from agents.oversight import finding_sources
from portals.investors.services import invest, suitability_assess

from .factories import open_offers
from .test_investing import HIGHEST, LOWEST

pytestmark = pytest.mark.django_db


def _findings(world):
    [source] = finding_sources("suitability")
    return source(world.investor.region_code[:2])


def test_reassessed_below_a_holding_is_a_breach(world):
    note, _loan, _deposit = open_offers(world)
    suitability_assess(user=world.users["investor"], investor=world.investor, answers=HIGHEST,
                       on=datetime.date.today() - datetime.timedelta(days=1))
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="1000.00",
                     idempotency_key="s1")
    assert _findings(world) == []
    suitability_assess(user=world.users["investor"], investor=world.investor, answers=LOWEST)  # now C1
    [finding] = _findings(world)
    assert finding["subject_key"] == f"holding:{holding.pk}" and finding["subject_agent_id"] == world.investor.pk
    assert finding["details"]["investor_level"] == "C1" and finding["details"]["risk_level"] == holding.risk_level
    assert finding["measured"] > finding["threshold"]
