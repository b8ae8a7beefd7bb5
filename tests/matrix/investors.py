"""Permission matrix rows for the investor portal (the portal's home is in ``core``). A holding
is the investor's own: every other role gets 404 for its id."""

from . import Case, only


def _opportunity(world):
    from portals.investors.tests.factories import open_offers

    note, _loan, _deposit = open_offers(world)
    return {"pk": note.pk}


def _holding(world):
    from portals.investors.services import invest
    from portals.investors.tests.factories import open_offers

    note, _loan, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="10000",
                     idempotency_key="matrix-holding")
    return {"pk": holding.pk}


EXPECTED = {
    "investors:suitability": Case(only("investor")),
    "investors:opportunities": Case(only("investor")),
    "investors:opportunity": Case(only("investor"), kwargs=_opportunity),
    "investors:confirm": Case(only("investor"), kwargs=_opportunity, query="?amount=10000"),
    "investors:portfolio": Case(only("investor")),
    "investors:portfolio-export": Case(only("investor")),
    "investors:holding": Case(only("investor"), kwargs=_holding),
    "investors:holding-cancel": Case(only("investor", ok=405), kwargs=_holding),
}
