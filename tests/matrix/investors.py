"""Permission matrix rows for the investor portal (the portal's home is in ``core``). A holding
is the investor's own: every other role gets 404 for its id."""

from . import Case, only


def _note(world):
    """A note of the world's finance company (nothing else in the world changes)."""
    from portals.investors.models import Opportunity
    from portals.investors.services import opportunity_open

    return Opportunity.objects.filter(issuer=world.finance_company, title="矩阵票据").first() or opportunity_open(
        user=world.users["finance"], kind="note", issuer=world.finance_company, cluster=world.cluster,
        title="矩阵票据", annual_rate="0.05", term_months=12, size="1000000", risk_disclosure="Pool.")


def _opportunity(world):
    return {"pk": _note(world).pk}


def _holding(world):
    from portals.investors.services import invest

    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=_note(world), amount="10000",
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
