"""The regional bank model: shareholdings both ways flag a loan as related-party, the 10 % of
capital limit (refused, nothing written), the unconnected approver, the disclosure's line, the
business records and the page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import Role
from agents.tests.factories import MembershipFactory
from clusterfinance import disclosure
from clusterfinance.schemes.cross_shareholding import services
from infocenter.models import Publication
from lending import services as lending
from lending.choices import ApplicationStatus
from lending.ledger.models import JournalEntry
from lending.models import Application, Shareholding
from lending.services.related_parties import lender_capital, related_party_exposure
from lending.tests.factories import make_loan, make_product
from portals.enterprises.tests.factories import EnterpriseProfileFactory

pytestmark = pytest.mark.django_db
D = Decimal


def hold(world, holder, held, pct="5", user=None):
    return services.cross_shareholding_record(user=user or world.users["finance"], acting=world.finance_company,
                                              holder=holder, held=held, shares=1000, percentage=pct,
                                              since=date(2025, 1, 1))


def capital(world, amount="1000000.00"):
    from lending.ledger.services import capital_contribute
    capital_contribute(agent=world.bank, amount=amount, on=date(2025, 1, 1), idempotency_key=f"cap-{world.bank.pk}")


def reviewed(world, amount="50000"):
    product = make_product(world, "bank")
    application = lending.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                             amount=amount, periods=12, annual_rate="0.06", purpose="采购",
                                             submit=True)
    lending.application_review(application=application, user=world.users["institution_officer"],
                               recommendation="approve", note="ok")
    return application


@pytest.mark.parametrize("direction", ["bank_holds_firm", "firm_holds_bank"])
def test_a_holding_either_way_flags_the_loan(world, direction):
    capital(world)
    holder, held = (world.bank, world.firm) if direction == "bank_holds_firm" else (world.firm, world.bank)
    hold(world, holder, held)
    application = reviewed(world)
    assert application.related_party
    decided = lending.application_decide(application=application, user=world.users["institution"], approve=True)
    assert decided.related_party and decided.status == ApplicationStatus.APPROVED


def test_no_holding_no_flag_and_an_ended_holding_no_longer_counts(world):
    holding = hold(world, world.bank, world.firm)
    services.cross_shareholding_end(user=world.users["finance"], acting=world.finance_company, holding=holding,
                                    on=date(2025, 6, 1))
    application = reviewed(world, amount="5000000")  # far above any limit: not a related party
    decided = lending.application_decide(application=application, user=world.users["institution"], approve=True)
    assert not decided.related_party


def test_threshold_is_configurable(world, settings):
    settings.RELATED_PARTY_SHAREHOLDING_THRESHOLD = D("10")
    hold(world, world.bank, world.firm, pct="5")
    assert not reviewed(world).related_party


def test_the_capital_limit_refuses_and_writes_nothing(world):
    capital(world, "1000000.00")  # 10 % = 100,000
    hold(world, world.bank, world.firm)
    first = reviewed(world, amount="60000")
    lending.application_decide(application=first, user=world.users["institution"], approve=True)
    assert related_party_exposure(lender_id=world.bank.pk) == D("60000.00")
    second = reviewed(world, amount="50000")
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        lending.application_decide(application=second, user=world.users["institution"], approve=True)
    assert "at most 40000.00 yuan more" in " ".join(caught.value.messages)
    second.refresh_from_db()
    assert second.status == ApplicationStatus.UNDER_REVIEW and second.approved_amount is None
    assert JournalEntry.objects.count() == entries
    # within the room left it passes
    lending.application_decide(application=second, user=world.users["institution"], approve=True, amount="40000")
    assert related_party_exposure(lender_id=world.bank.pk) == D("100000.00")


def test_a_lender_without_capital_makes_no_related_party_loan(world):
    hold(world, world.firm, world.bank)
    assert lender_capital(lender_id=world.bank.pk) == D("0.00")
    with pytest.raises(ValidationError):
        lending.application_decide(application=reviewed(world), user=world.users["institution"], approve=True)


def test_a_connected_manager_may_not_approve(world):
    capital(world)
    hold(world, world.bank, world.firm)
    seconded = MembershipFactory(agent=world.bank, role=Role.INST_MANAGER).user
    services.seconded_manager_add(user=world.users["institution"], acting=world.bank, bank=world.bank,
                                  firm=world.firm, person_name="王董事", board="board", since=date(2025, 2, 1),
                                  person_user=seconded)
    application = reviewed(world)
    with pytest.raises(PermissionDenied):
        lending.application_decide(application=application, user=seconded, approve=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    lending.application_decide(application=application, user=world.users["institution"], approve=True)


def test_institution_records_only_its_own_holdings_and_bad_input_is_refused(world):
    other = EnterpriseProfileFactory().agent
    with pytest.raises(PermissionDenied):
        services.cross_shareholding_record(user=world.users["institution"], acting=world.bank, holder=world.firm,
                                           held=other, shares=1, percentage="1", since="2025-01-01")
    with pytest.raises(PermissionDenied):
        services.cross_shareholding_record(user=world.users["enterprise"], acting=world.firm, holder=world.firm,
                                           held=world.bank, shares=1, percentage="1", since="2025-01-01")
    for bad in ({"percentage": "0"}, {"percentage": "150"}, {"percentage": "abc"}, {"shares": "-3"},
                {"since": "2025-02-30"}):
        args = {"shares": 10, "percentage": "3", "since": "2025-01-01", **bad}
        with pytest.raises(ValidationError):
            services.cross_shareholding_record(user=world.users["institution"], acting=world.bank,
                                               holder=world.bank, held=world.firm, **args)
    assert Shareholding.objects.count() == 0


def test_each_holding_is_published_once_in_the_business_module(world):
    holding = hold(world, world.bank, world.firm, pct="12.5")
    records = Publication.objects.filter(key=f"shareholding:{holding.pk}")
    assert records.count() == 1
    record = records.get()
    assert record.subject_id == world.firm.pk and record.data["percentage"] == "12.5000"
    assert record.data["link"] == "d"


def test_the_monthly_disclosure_counts_the_related_party_loan(world):
    capital(world)
    hold(world, world.firm, world.bank)
    make_loan(world, lender="bank", amount="30000.00", start=date(2026, 3, 10))
    make_loan(world, lender="finance", amount="12000.00", start=date(2026, 3, 10))  # not related
    f = disclosure.platform_figures(cluster=world.cluster, period="2026-03")
    assert (f.related_party_count, f.related_party_amount) == (1, D("30000.00"))
    assert Application.objects.filter(related_party=True).count() == 1


def _page_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("clusterfinance:shareholdings"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_page_shows_both_ways_in_a_fixed_number_of_queries(world, client):
    hold(world, world.bank, world.firm)
    small, response = _page_queries(client, world.users["finance"])
    assert world.firm.name in response.content.decode()
    for _ in range(3):
        other = EnterpriseProfileFactory().agent
        hold(world, other, world.bank)
        services.seconded_manager_add(user=world.users["finance"], acting=world.finance_company, bank=world.bank,
                                      firm=other, person_name="李监事", board="supervisory", since=date(2025, 3, 1))
    large, _response = _page_queries(client, world.users["finance"])
    assert large == small
    inst, response = _page_queries(client, world.users["institution"])
    assert "李监事" in response.content.decode()


def test_page_records_and_refuses_with_a_message(world, client):
    client.force_login(world.users["institution"])
    url = reverse("clusterfinance:shareholdings")
    response = client.post(url, {"action": "holding", "holder": world.bank.pk, "held": world.firm.pk,
                                 "shares": "100", "percentage": "abc", "since": "2025-01-01"})
    assert response.status_code == 400 and Shareholding.objects.count() == 0
    response = client.post(url, {"action": "holding", "holder": world.bank.pk, "held": world.firm.pk,
                                 "shares": "100", "percentage": "8", "since": "2025-01-01"})
    assert response.status_code == 302 and Shareholding.objects.get().percentage == D("8")
