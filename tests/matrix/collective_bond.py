"""Permission matrix rows for the collective bonds (/finance/schemes/bonds/)."""

from . import Case, only


def _issue(world):
    from datetime import date
    from decimal import Decimal

    from clusterfinance.schemes.collective_bond.models import BondIssue

    issue = BondIssue.objects.create(lead=world.finance_company, name="矩阵集合债", size=Decimal("1000000.00"),
                                     coupon_rate=Decimal("0.0600"), term_months=12, issue_date=date(2026, 1, 1))
    return {"pk": issue.pk}


def _default(world):
    """An issue with a payment on which a firm defaulted (the recovery page's claim)."""
    from datetime import date
    from decimal import Decimal

    from clusterfinance.schemes.collective_bond.models import BondDefault, BondPayment

    pk = _issue(world)["pk"]
    payment = BondPayment.objects.create(issue_id=pk, number=1, due_date=date(2027, 1, 1), coupon=Decimal("600.00"),
                                         principal=Decimal("1000000.00"), paid_on=date(2027, 1, 1))
    d = BondDefault.objects.create(payment=payment, firm=world.firm, guarantor=world.finance_company,
                                   amount=Decimal("100600.00"))
    return {"pk": pk, "default_pk": d.pk}


EXPECTED = {
    "clusterfinance:bonds": Case(only("finance")),
    "clusterfinance:bonds-market": Case(only("institution", "investor")),
    "clusterfinance:bond-detail": Case(only("finance"), kwargs=_issue),
    "clusterfinance:bond-recover": Case(only("finance"), kwargs=_default),
}
