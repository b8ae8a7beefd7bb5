"""The firm's desk (/enterprise/): what is due next, reports awaiting its reply, products out of
reach with the reason, its consents and who looked, business records, a fixed query count."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.tests.html import elements_by_testid as _testid
from infocenter.services import business_record_publish, consent_grant, report_file
from lending.tests.factories import make_loan, make_product


def _desk(client):
    response = client.get(reverse("enterprises:portal"))
    assert response.status_code == 200
    return response


def test_due_next_lists_the_active_loan_with_its_next_instalment(client_for, world):
    loan = make_loan(world, start=date.today() - timedelta(days=10))
    page = _desk(client_for("enterprise"))
    [card] = _testid(page, "desk-due")
    text = card.text_content()
    assert loan.contract_no in text
    first_due = loan.instalments.order_by("due_date").first().due_date
    assert first_due.isoformat() in text


def test_report_awaiting_reply_is_on_the_desk_until_replied(client_for, world):
    from infocenter.services import report_reply

    report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"],
                         category="late_payment", title="第三期逾期 20 天", evidence="银行流水可查。")
    client = client_for("enterprise")
    assert "第三期逾期 20 天" in _testid(_desk(client), "desk-reports")[0].text_content()
    report_reply(report=report, author=world.users["enterprise"], text="已于次月补还。")
    assert "第三期逾期 20 天" not in _testid(_desk(client), "desk-reports")[0].text_content()


def test_product_above_the_firms_grade_is_out_of_reach_with_the_reason(client_for, world):
    world.firm.current_grade = "BB"
    world.firm.save(update_fields=["current_grade"])
    make_product(world, name="优质客户贷", min_grade="A")
    make_product(world, name="普惠经营贷")
    products = {p.text_content().split("·")[0].strip(): p for p in _testid(_desk(client_for("enterprise")),
                                                                             "desk-product")}
    assert products["优质客户贷"].get("data-eligible") == "no"
    assert "A" in products["优质客户贷"].text_content() and "BB" in products["优质客户贷"].text_content()
    assert products["普惠经营贷"].get("data-eligible") == "yes"


def test_consents_and_business_records_show(client_for, world):
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=date.today() + timedelta(days=30))
    business_record_publish(link="b", kind="investor_loan", subject=world.firm, counterparty=world.investor,
                            title="个人投资者出借 ¥50,000.00", amount=Decimal("50000.00"), key="desk-test-1")
    page = _desk(client_for("enterprise"))
    assert world.bank.name in _testid(page, "desk-audience")[0].text_content()
    assert "个人投资者出借" in _testid(page, "desk-business")[0].text_content()


def test_fixed_number_of_queries(client_for, world):
    client = client_for("enterprise")
    make_loan(world)
    _desk(client)
    with CaptureQueriesContext(connection) as few:
        _desk(client)
    for n in range(3):
        make_loan(world)
        make_product(world, name=f"产品 {n}", min_grade="AAA")
        business_record_publish(link="a", kind="subsidy", subject=world.firm, counterparty=world.gov,
                                title=f"贴息 {n}", amount=Decimal("10.00"), key=f"desk-q-{n}")
    with CaptureQueriesContext(connection) as many:
        _desk(client)
    assert len(many) == len(few)
