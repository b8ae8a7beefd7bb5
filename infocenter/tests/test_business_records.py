"""The business module's records: parties read them, others by visibility, one event each,
idempotent with a key, bad input refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from infocenter.choices import Category
from infocenter.models import Event, Publication
from infocenter.services import business_record_publish
from infocenter.tests.factories import user_of


def _publish(world, **overrides):
    investor = overrides.pop("counterparty", None) or AgentFactory(kind=AgentKind.INVESTOR, name="张投资")
    kwargs = {"link": "b", "kind": "investor_loan", "subject": world.firm, "counterparty": investor,
                  "title": "张投资 出借 ¥50,000.00", "amount": Decimal("50000.00"), "key": "investor_loan:1",
                  "counterparty_role": "lender"}
    kwargs.update(overrides)
    return business_record_publish(**kwargs), investor


def test_record_carries_link_parties_and_amount_and_one_event(world):
    record, investor = _publish(world)
    assert record.category == Category.BUSINESS_RECORD
    assert record.data["link"] == "b" and record.data["amount"] == "50000.00"
    assert [p["role"] for p in record.data["parties"]] == ["firm", "lender"]
    assert {p["id"] for p in record.data["parties"]} == {world.firm.pk, investor.pk}
    event = Event.objects.get(kind="business.recorded")
    assert event.agent_ids == [world.firm.pk] and event.payload["counterparty_id"] == investor.pk


def test_same_key_records_once(world):
    first, investor = _publish(world)
    again, _ = _publish(world, counterparty=investor)
    assert again.pk == first.pk
    assert Publication.objects.filter(category=Category.BUSINESS_RECORD).count() == 1
    assert Event.objects.filter(kind="business.recorded").count() == 1


def test_parties_read_it_an_unrelated_agent_does_not(world):
    record, investor = _publish(world)
    stranger = AgentFactory(kind=AgentKind.INSTITUTION, region_code="110000")
    for agent, sees in ((world.firm, True), (investor, True), (stranger, False)):
        visible = Publication.objects.restrict(user_of(agent), "view").filter(pk=record.pk).exists()
        assert visible is sees, agent


@pytest.mark.parametrize("bad", [{"link": "z"}, {"amount": 1.5}])
def test_bad_input_refused_nothing_written(world, bad):
    with pytest.raises(ValidationError):
        _publish(world, **bad)
    assert not Publication.objects.filter(category=Category.BUSINESS_RECORD).exists()
    assert not Event.objects.filter(kind="business.recorded").exists()
