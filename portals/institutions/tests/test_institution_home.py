"""The institution's home: applications with the firm's grade and its consent, its products, the
credit line it extends with drawdowns, the fund's guarantees on its loans, its reports and its
business records; another institution's lines stay out; a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from agents.tests.html import elements_by_testid as _testid
from clusterfinance.pool.choices import SourceKind
from clusterfinance.pool.services import fund_money_in, fund_source_open
from infocenter.services import business_record_publish, consent_grant, report_file
from lending import services as lending
from lending.tests.factories import make_product

DAY = date(2026, 3, 2)


def _home(client):
    response = client.get(reverse("institutions:portal"))
    assert response.status_code == 200
    return response


def _apply(world):
    product = make_product(world, "bank")
    return lending.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                      amount="50000.00", periods=12, annual_rate="0.08", purpose="采购", submit=True)


def test_application_shows_grade_and_whether_the_firm_consented(client_for, world):
    world.firm.current_grade = "BBB"
    world.firm.save(update_fields=["current_grade"])
    _apply(world)
    client = client_for("institution")
    card = _testid(_home(client), "inst-applications")[0].text_content()
    assert world.firm.name in card and "BBB" in card
    assert not _testid(_home(client), "inst-consent")
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=date.today() + timedelta(days=30))
    assert _testid(_home(client), "inst-consent")


def test_credit_line_with_its_drawdown_and_not_another_banks(client_for, world):
    analyst = world.users["finance_analyst"]
    line = fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.CREDIT_LINE, counterparty=world.bank,
                            annual_rate="0.045", opened_on=DAY, limit="5000000.00", maturity_date="2027-03-01")
    fund_money_in(user=analyst, source=line, amount="1200000.00", on=DAY, idempotency_key="line-draw-1")
    other_bank = AgentFactory(kind=AgentKind.INSTITUTION, name="别家银行")
    fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.CREDIT_LINE, counterparty=other_bank,
                     annual_rate="0.05", opened_on=DAY, limit="777000.00", maturity_date="2027-03-01")
    card = _testid(_home(client_for("institution")), "inst-credit-lines")[0].text_content()
    assert "5,000,000.00" in card and "1,200,000.00" in card and "2026-03-02" in card
    assert "777,000.00" not in card


def test_reports_filed_and_business_records(client_for, world):
    report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"], category="late_payment",
                title="逾期 35 天", evidence="流水。")
    business_record_publish(link="c", kind="deposit", subject=world.bank, counterparty=world.investor,
                            title="投资者存入 ¥100,000.00", amount=Decimal("100000.00"), key="inst-dep-1")
    page = _home(client_for("institution"))
    assert "逾期 35 天" in _testid(page, "inst-reports")[0].text_content()
    assert "投资者存入" in _testid(page, "inst-business")[0].text_content()


def test_fixed_number_of_queries(client_for, world):
    client = client_for("institution")
    analyst = world.users["finance_analyst"]
    for n in range(4):
        if n == 1:  # one of each first, then three more
            _home(client)
            with CaptureQueriesContext(connection) as few:
                _home(client)
        _apply(world)
        line = fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.CREDIT_LINE,
                                counterparty=world.bank, annual_rate="0.045", opened_on=DAY, limit="100000.00",
                                maturity_date="2027-03-01")
        fund_money_in(user=analyst, source=line, amount="1000.00", on=DAY, idempotency_key=f"q-line-{n}")
        report_file(reporter=world.bank, subject=world.other_firm if n else world.firm,
                    author=world.users["institution"], category="late_payment", title=f"报告 {n}", evidence="流水。")
    with CaptureQueriesContext(connection) as many:
        _home(client)
    assert len(many) == len(few)
