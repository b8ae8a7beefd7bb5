"""Permission matrix rows for the collective bonds (/finance/schemes/bonds/)."""

from . import Case, only


def _issue(world):
    from datetime import date
    from decimal import Decimal

    from clusterfinance.schemes.collective_bond.models import BondIssue

    issue = BondIssue.objects.create(lead=world.finance_company, name="矩阵集合债", size=Decimal("1000000.00"),
                                     coupon_rate=Decimal("0.0600"), term_months=12, issue_date=date(2026, 1, 1))
    return {"pk": issue.pk}


EXPECTED = {
    "clusterfinance:bonds": Case(only("finance")),
    "clusterfinance:bonds-market": Case(only("institution", "investor")),
    "clusterfinance:bond-detail": Case(only("finance"), kwargs=_issue),
}
