"""Collective bonds: recovering the guarantor's claim on a defaulting firm (to the fen, partial
then full, refusals post nothing, disclosed beside the default), maker-checker on the settlement
and on each payment (the preparer may not approve, an analyst may not approve, who did what is
shown), and amounts as yuan with thousands separators on the bond and shareholding pages."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from clusterfinance.schemes.collective_bond import services
from clusterfinance.schemes.collective_bond.models import BondDefault, BondPayment, BondRecovery, IssueStatus
from clusterfinance.schemes.collective_bond.tests.test_collective_bond import balance, firm, opened, pay, settled
from infocenter.models import Publication
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.models import JournalEntry

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def firms(world):
    return [firm(world, "甲五金有限公司"), firm(world, "乙五金有限公司"), firm(world, "丙五金有限公司")]


@pytest.fixture
def defaulted(world, firms):
    """Payment 1 paid; firm 乙 defaulted on payment 2 (coupon 10,833.33 + principal 333,333.33),
    covered by the bank as guarantor."""
    b = settled(world, firms)
    pay(world, b, 1)
    services.default_mark(user=world.users["finance_analyst"], issue=b, number=2, firm=firms[1])
    pay(world, b, 2)
    return b, BondDefault.objects.get()


def recover_url(b, d):
    return reverse("clusterfinance:bond-recover", args=[b.pk, d.pk])


def snapshot(world, firms):
    return (JournalEntry.objects.count(), BondRecovery.objects.count(),
            BondDefault.objects.values_list("recovered", flat=True).get(), balance(firms[1], P.DEPOSITS),
            balance(world.bank, P.PLACEMENTS),
            Publication.objects.filter(data__kind="collective_bond_recovery").count())


# --- recovery ------------------------------------------------------------------------------------

def test_recovery_partial_then_full_to_the_fen_on_the_page(world, firms, defaulted, client_for):
    b, d = defaulted
    assert d.amount == D("344166.66")
    c = client_for("finance")
    page = c.get(recover_url(b, d), **EN).content.decode()
    assert "¥344,166.66" in page and 'data-testid="outstanding">¥344,166.66' in page
    claim_before, debt_before = balance(world.bank, P.PLACEMENTS), balance(firms[1], P.DEPOSITS)

    r = c.post(recover_url(b, d), {"amount": "100,000.01", "received_on": "", "seen_recovered": "0.00"}, **EN)
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.recovered == D("100000.01") and d.outstanding == D("244166.65")
    assert balance(world.bank, P.PLACEMENTS) == claim_before - D("100000.01")
    assert balance(firms[1], P.DEPOSITS) == debt_before + D("100000.01")
    page = c.get(recover_url(b, d), **EN).content.decode()
    assert 'data-testid="outstanding">¥244,166.65' in page and "¥100,000.01" in page

    r = c.post(recover_url(b, d), {"amount": "244166.65", "seen_recovered": "100000.01"}, **EN)
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.recovered == d.amount and d.outstanding == D("0.00")
    assert balance(world.bank, P.PLACEMENTS) == claim_before - d.amount  # the whole claim back, not a fen more
    assert list(BondRecovery.objects.values_list("amount", "outstanding_after", "recorded_by")) == [
        (D("100000.01"), D("244166.65"), world.users["finance"].pk), (D("244166.65"), D("0.00"),
                                                                     world.users["finance"].pk)]
    page = c.get(recover_url(b, d), **EN).content.decode()
    assert "recovered in full" in page and 'data-testid="recovery-form"' not in page
    report = ledger_verify()
    assert not report.unbalanced_entries and not report.balance_mismatches


def test_recovery_is_disclosed_beside_the_default(world, firms, defaulted):
    b, d = defaulted
    services.claim_recover(user=world.users["finance_analyst"], default=d, amount="0.01")
    default_record = Publication.objects.get(data__kind="collective_bond_default")
    record = Publication.objects.get(data__kind="collective_bond_recovery")
    # the same subject, counterparty and audience as the default's own disclosure
    assert (record.subject_id, record.publisher_id, record.visibility) == (
        default_record.subject_id, default_record.publisher_id, default_record.visibility)
    assert record.data["amount"] == "0.01" and record.data["outstanding"] == "344166.65"
    assert record.data["default_id"] == d.pk == default_record.data["default_id"]


@pytest.mark.parametrize(("amount", "message"), [
    ("344166.67", "Only ¥344,166.66 is left to recover."),
    ("0", "greater than zero"),
    ("-5", "cannot be negative"),
    ("abc", "is not an amount"),
    ("1.234", "at most two decimals"),
    ("", "Enter an amount"),
])
def test_bad_recovery_refused_with_a_message_and_nothing_posted(world, firms, defaulted, client_for, amount,
                                                                message):
    b, d = defaulted
    before = snapshot(world, firms)
    r = client_for("finance").post(recover_url(b, d), {"amount": amount, "seen_recovered": "0.00"}, **EN)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert snapshot(world, firms) == before


def test_recovery_refused_for_a_wrong_user_a_bad_date_or_a_second_submission(world, firms, defaulted, client_for):
    b, d = defaulted
    before = snapshot(world, firms)
    # the guarantor's own people do not record on the lead's page (404), nor through the service
    assert client_for("institution").post(recover_url(b, d), {"amount": "1.00"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.claim_recover(user=world.users["institution"], default=d, amount="1.00")
    other_fc = AgentFactory(kind=AgentKind.FINANCE_COMPANY, name="另一财务公司")
    stranger = MembershipFactory(agent=other_fc, role=Role.FC_MANAGER, user=UserFactory(email="x@example.cn")).user
    client = client_for(None)
    client.force_login(stranger)
    assert client.get(recover_url(b, d)).status_code == 404
    assert client.post(recover_url(b, d), {"amount": "1.00"}).status_code == 404
    c = client_for("finance")
    r = c.post(recover_url(b, d), {"amount": "1.00", "received_on": "2099-01-01"}, **EN)
    assert r.status_code == 400 and "cannot be dated in the future" in r.content.decode()
    r = c.post(recover_url(b, d), {"amount": "1.00", "received_on": "31/12/2026"}, **EN)
    assert r.status_code == 400 and "a date such as" in r.content.decode()
    # the same form sent again after a recovery (double click): refused, not posted twice
    r = c.post(recover_url(b, d), {"amount": "1.00", "seen_recovered": "-1.00"}, **EN)
    assert r.status_code == 400 and "changed since the page was opened" in r.content.decode()
    assert snapshot(world, firms) == before


def test_nothing_to_recover_before_the_guarantor_paid(world, firms):
    b = settled(world, firms)
    d = services.default_mark(user=world.users["finance"], issue=b, number=1, firm=firms[0])
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError, match="nothing to recover"):
        services.claim_recover(user=world.users["finance"], default=d, amount="1.00")
    assert JournalEntry.objects.count() == entries and not BondRecovery.objects.exists()


def test_recovery_page_of_another_issue_is_404_and_fixed_queries(world, firms, defaulted, client_for):
    b, d = defaulted
    other = services.issue_create(user=world.users["finance"], lead=world.finance_company, name="另一期",
                                  size="1000.00", coupon_rate="0.05", term_months=12)
    c = client_for("finance")
    assert c.get(reverse("clusterfinance:bond-recover", args=[other.pk, d.pk])).status_code == 404

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(recover_url(b, d)).status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    for _ in range(3):
        d.refresh_from_db()
        services.claim_recover(user=world.users["finance"], default=d, amount="1.00")
    assert queries() == small


# --- maker-checker -------------------------------------------------------------------------------

def allocated(world, firms):
    b = opened(world, firms)
    services.subscribe(user=world.users["institution"], issue=b, subscriber=world.bank, amount="1000000.00")
    return services.issue_allocate(user=world.users["finance"], issue=b)[0].issue


def test_settlement_needs_a_second_person(world, firms):
    b = allocated(world, firms)
    manager, analyst = world.users["finance"], world.users["finance_analyst"]
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError, match="not prepared yet"):
        services.issue_settle(user=manager, issue=b)
    services.issue_settle_prepare(user=manager, issue=b)
    with pytest.raises(PermissionDenied, match="You prepared this yourself"):
        services.issue_settle(user=manager, issue=b)  # the same person cannot approve its own
    with pytest.raises(PermissionDenied, match="Only a manager"):
        services.issue_settle(user=analyst, issue=b)  # an analyst prepares, never approves
    with pytest.raises(ValidationError, match="already prepared"):
        services.issue_settle_prepare(user=analyst, issue=b)
    b.refresh_from_db()
    assert b.status == IssueStatus.ALLOCATED and JournalEntry.objects.count() == entries
    second = MembershipFactory(agent=world.finance_company, role=Role.FC_MANAGER,
                               user=UserFactory(email="manager2@example.cn")).user
    b = services.issue_settle(user=second, issue=b)
    assert b.status == IssueStatus.SETTLED and JournalEntry.objects.count() == entries + 1
    assert (b.settle_prepared_by, b.settle_approved_by) == (manager, second)


def test_payment_needs_a_second_person_and_a_late_default_sends_it_back(world, firms):
    b = settled(world, firms)
    manager, analyst = world.users["finance"], world.users["finance_analyst"]
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError, match="not prepared yet"):
        services.payment_pay(user=manager, issue=b, number=1)
    with pytest.raises(ValidationError, match="earlier payments first"):
        services.payment_prepare(user=analyst, issue=b, number=2)
    services.payment_prepare(user=manager, issue=b, number=1)
    with pytest.raises(PermissionDenied, match="maker-checker"):
        services.payment_pay(user=manager, issue=b, number=1)
    services.preparation_withdraw(user=manager, issue=b, number=1)
    services.payment_prepare(user=analyst, issue=b, number=1)
    # a default marked after the preparation: the approver must see what is approved
    services.default_mark(user=analyst, issue=b, number=1, firm=firms[0])
    with pytest.raises(ValidationError, match="not prepared yet"):
        services.payment_pay(user=manager, issue=b, number=1)
    assert JournalEntry.objects.count() == entries
    services.payment_prepare(user=analyst, issue=b, number=1)
    p = services.payment_pay(user=manager, issue=b, number=1)
    assert (p.prepared_by, p.approved_by) == (analyst, manager) and p.paid_on is not None
    assert JournalEntry.objects.count() == entries + 1


def test_the_page_refuses_self_approval_and_shows_who_did_what(world, firms, client_for):
    b = allocated(world, firms)
    c = client_for("finance")
    url = reverse("clusterfinance:bond-detail", args=[b.pk])
    assert c.post(url, {"action": "prepare_settle"}).status_code == 302
    page = c.get(url, **EN).content.decode()
    assert "You prepared it" in page and 'value="settle"' not in page  # no approve button for the maker
    entries = JournalEntry.objects.count()
    r = c.post(url, {"action": "settle"}, **EN)
    assert r.status_code == 400 and "another manager of the finance company must approve" in r.content.decode()
    b.refresh_from_db()
    assert b.status == IssueStatus.ALLOCATED and JournalEntry.objects.count() == entries
    # an analyst sees that it waits for a manager; cannot approve either
    c = client_for("finance_analyst")
    assert "Waiting for a manager" in c.get(url, **EN).content.decode()
    assert c.post(url, {"action": "settle"}, **EN).status_code == 400
    second = MembershipFactory(agent=world.finance_company, role=Role.FC_MANAGER,
                               user=UserFactory(email="manager2@example.cn", first_name="海", last_name="王")).user
    c.force_login(second)
    assert c.post(url, {"action": "settle"}).status_code == 302
    page = c.get(url, **EN).content.decode()
    assert "Settlement prepared by" in page and "Approved by 王海" in page
    c = client_for("finance_analyst")
    assert c.post(url, {"action": "prepare_pay", "number": "1"}).status_code == 302
    c.force_login(second)
    assert c.post(url, {"action": "pay", "number": "1"}).status_code == 302
    assert BondPayment.objects.get(issue=b, number=1).approved_by == second
    row = c.get(url, **EN).content.decode().split('data-payment="1"')[1].split("</tr>")[0]
    assert "王海" in row and "analyst@example.cn" in row


# --- amounts as yuan -----------------------------------------------------------------------------

def test_amounts_formatted_on_the_bond_pages(world, firms, defaulted, client_for):
    b, d = defaulted
    c = client_for("finance")
    page = c.get(reverse("clusterfinance:bond-detail", args=[b.pk]), **EN).content.decode()
    for text in ("¥1,000,000.00", "¥333,333.34", "¥750,000.00", "¥32,499.99", "¥344,166.66",
                 "6.50%"):
        assert text in page, text
    assert "1000000.00<" not in page and "333333.33<" not in page
    lst = c.get(reverse("clusterfinance:bonds"), **EN).content.decode()
    assert "¥1,000,000.00" in lst and "¥1,200,000.00" in lst  # size, subscribed
    fresh = opened(world, [firm(world, "丁五金有限公司", net="3000000.00")], amounts=("1000000.00",))
    market = client_for("institution").get(reverse("clusterfinance:bonds-market"), **EN).content.decode()
    assert fresh.name in market and "¥1,000,000.00" in market


def test_amounts_formatted_on_the_shareholdings_page(world, client_for):
    from clusterfinance.schemes.cross_shareholding.tests.test_cross_shareholding import capital, hold, reviewed

    capital(world)
    hold(world, world.bank, world.firm)
    reviewed(world, amount="50000")
    page = client_for("finance").get(reverse("clusterfinance:shareholdings"), **EN).content.decode()
    assert "¥50,000.00" in page


def test_the_page_sends_a_preparation_back(world, firms, client_for):
    b = settled(world, firms)
    url = reverse("clusterfinance:bond-detail", args=[b.pk])
    c = client_for("finance_analyst")
    assert c.post(url, {"action": "prepare_pay", "number": "1"}).status_code == 302
    r = c.post(url, {"action": "prepare_pay", "number": "1"}, **EN)
    assert r.status_code == 400 and "already prepared" in r.content.decode()
    c = client_for("finance")
    assert "Approve: collect and pay" in c.get(url, **EN).content.decode()
    assert c.post(url, {"action": "withdraw", "number": "1"}).status_code == 302
    assert BondPayment.objects.get(issue=b, number=1).prepared_by is None
    r = c.post(url, {"action": "withdraw", "number": "1"}, **EN)
    assert r.status_code == 400 and "not prepared" in r.content.decode()
    r = c.post(url, {"action": "pay", "number": "x"}, **EN)
    assert r.status_code == 400 and "Choose a payment" in r.content.decode()
    assert BondPayment.objects.filter(issue=b, paid_on__isnull=False).count() == 0
