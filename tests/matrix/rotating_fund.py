"""Permission matrix rows for the rotating mutual credit fund (/finance/schemes/rotating/)."""

from . import Case, only


def _fund(world):
    from datetime import date

    from clusterfinance.schemes.rotating_fund import services

    fund = services.fund_create(user=world.users["finance"], finance_company=world.finance_company, name="矩阵互助基金",
                                rule="rating", fee="100", advance_amount="100", term_days=30, rate="0.04")
    services.member_admit(user=world.users["finance"], fund=fund, firm=world.firm, on=date(2026, 1, 5))
    return {"pk": fund.pk}


def _open_fund(world):
    """An open fund of the finance company that world.firm is not in: its join page."""
    from clusterfinance.schemes.rotating_fund import services

    fund = services.fund_create(user=world.users["finance"], finance_company=world.finance_company,
                                name="矩阵开放基金", rule="bid", fee="100", advance_amount="100", term_days=30,
                                rate="0.04")
    return {"pk": fund.pk}


EXPECTED = {
    "clusterfinance:rotating-funds": Case(only("finance")),
    "clusterfinance:rotating-mine": Case(only("enterprise")),
    "clusterfinance:rotating-detail": Case(only("enterprise", "finance"), kwargs=_fund),
    # only a firm of the fund's cluster that is not yet a member sees an open fund's join page
    "clusterfinance:rotating-join": Case(only("enterprise"), kwargs=_open_fund),
}
