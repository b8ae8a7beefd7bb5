"""The government's programmes as the subsidies a firm may count on (``lending.subsidies``): the
adviser counts an open, funded programme the firm is eligible for, and nothing else."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from clusterfinance.schemes.adviser.selectors import Need, options_compare
from lending.subsidies import subsidy_offers_for
from lending.tests.factories import make_product
from portals.government import services_programmes as services
from portals.government.models_programmes import ProgrammeKind

pytestmark = pytest.mark.django_db
ON = date(2026, 1, 15)


def _programme(world, *, share="0.5", fund="10000.00", kind=ProgrammeKind.INTEREST_SUBSIDY,
               end=date(2026, 12, 31), **kw):
    programme = services.programme_create(user=world.users["government"], government=world.gov, kind=kind,
                                          title=f"贴息 {share}", share=share, period_start=date(2026, 1, 1),
                                          period_end=end, **kw)
    if fund:
        services.programme_fund(user=world.users["government"], programme=programme, amount=fund, on=ON,
                                idempotency_key=f"fund-{programme.pk}")
    return programme


def test_an_open_funded_programme_the_firm_is_eligible_for_is_offered(world):
    offered = _programme(world)
    _programme(world, share="0.9", fund=None)  # no budget: nothing to count on
    _programme(world, share="0.8", industries="F51")  # another industry
    closed = _programme(world, share="0.7")
    closed.status = "closed"
    closed.save(update_fields=["status"])
    offers = subsidy_offers_for(world.firm, on=ON)
    assert [(o.kind, o.share, o.title) for o in offers] == [("interest", Decimal("0.5"), offered.title)]
    assert offers[0].url == reverse("government:programme-apply", kwargs={"pk": offered.pk})
    assert subsidy_offers_for(world.firm, on=date(2027, 1, 1)) == []  # its period is over


def test_the_adviser_page_shows_the_subsidy_and_where_to_apply(world, client):
    programme = _programme(world)
    product = make_product(world, rate_min="0.12", rate_max="0.12")
    result = options_compare(user=world.users["enterprise"], firm=world.firm,
                             need=Need(amount=Decimal("100000.00"), months=12), start=ON)
    option = next(o for o in result["eligible"] if o.product == product)
    assert option.subsidy == Decimal("3265.30")  # half the interest of the 11 instalments due in 2026
    assert option.ear < option.ear_unsubsidised
    _programme(world, share="0.3", end=date.today().replace(year=date.today().year + 3))  # the page prices today
    client.force_login(world.users["enterprise"])
    page = client.get(reverse("clusterfinance:adviser"), {"amount": "100000", "months": "12", "purpose": "备货"},
                      HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "without subsidy" in html and "Subsidies counted" in html
    assert reverse("government:programme-apply", kwargs={"pk": programme.pk}) in html  # listed, applies no more
    assert 'data-testid="subsidy"' in html
