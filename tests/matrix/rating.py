"""Permission matrix rows for the credit rating (clusterfinance.rating)."""

from . import Case, only


def _firm(world):
    return {"pk": world.firm.pk}


def _version(world):
    from clusterfinance.rating.services import scorecard_default_ensure

    return {"pk": scorecard_default_ensure(finance_company=world.finance_company).pk}


EXPECTED = {
    "clusterfinance:rating:list": Case(only("finance")),
    "clusterfinance:rating:mine": Case(only("enterprise")),
    # the firm's finance company and the government of its region
    "clusterfinance:rating:detail": Case(only("finance", "government"), kwargs=_firm),
    "clusterfinance:rating:rerate": Case(only("finance", ok=405), kwargs=_firm),  # POST only
    "clusterfinance:rating:versions": Case(only("finance")),
    "clusterfinance:rating:version": Case(only("finance"), kwargs=_version),
    "clusterfinance:rating:version-edit": Case(only("finance"), kwargs=_version),
    "clusterfinance:rating:monitoring": Case(only("finance", "government")),
}
