"""The member firms' own actions from the portal (ask to join, bid, repay their advance) and the
closing of a fund (interest paid out by the fund's rule, fees less losses returned, the fund's
balance exactly zero), to the fen, with every refusal changing nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from clusterfinance.schemes.rotating_fund import selectors, services, services_close, services_firm
from clusterfinance.schemes.rotating_fund.models import (
    FundStatus,
    InterestRule,
    JoinRequest,
    JoinStatus,
    OrderRule,
    RotatingFund,
    RoundStatus,
)
from clusterfinance.schemes.rotating_fund.reconcile import fund_mismatches
from clusterfinance.schemes.rotating_fund.tests.test_rotating_fund import DAY, _firm, assert_ledger_ok, balance
from infocenter.choices import Category, Visibility
from infocenter.models import Event, Publication
from lending.choices import AccountPurpose as P
from lending.ledger.models import JournalEntry, Posting

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def staff(world):
    return world.users["finance"]


@pytest.fixture
def owners(world):
    """Four firms of the cluster, each with an owner who logs in."""
    firms = [_firm(world, f"第{i}家企业") for i in range(1, 5)]
    users = [MembershipFactory(agent=f, role=Role.ENTERPRISE_OWNER, user=UserFactory(email=f"owner{i}@example.cn")).user
             for i, f in enumerate(firms, start=1)]
    return firms, users


def bid_fund(world, staff, *, interest_rule=InterestRule.FEE, **kw):
    values = {"fee": "1000", "advance_amount": "1500", "term_days": 100, "rate": "0.0365"} | kw
    return services.fund_create(user=staff, finance_company=world.finance_company, name="五金标会", rule=OrderRule.BID,
                                interest_rule=interest_rule, **values)


def close(world, fund, *, on):
    """Maker-checker: the analyst prepares the close, the manager approves it."""
    services_close.fund_close_prepare(user=world.users["finance_analyst"], fund=fund)
    return services_close.fund_close(user=world.users["finance"], fund=fund, on=on)


def fund_postings(fund, agent, purpose) -> Decimal:
    return Posting.objects.filter(account__agent=agent, account__purpose=purpose,
                                  entry__reference=f"rotating_fund:{fund.pk}").aggregate(s=Sum("amount"))["s"] \
        or Decimal("0.00")


# --- asking to join --------------------------------------------------------------------------------

def test_firm_asks_to_join_and_the_staff_admit_it(world, staff, owners, client):
    firms, users = owners
    fund = bid_fund(world, staff)
    client.force_login(users[0])
    mine = client.get(reverse("clusterfinance:rotating-mine"), **EN).content.decode()
    assert reverse("clusterfinance:rotating-join", args=[fund.pk]) in mine  # the open fund is offered
    entries = JournalEntry.objects.count()
    url = reverse("clusterfinance:rotating-join", args=[fund.pk])
    response = client.post(url, {"bid_rate": "two per cent"}, **EN)
    assert response.status_code == 400 and not JoinRequest.objects.exists()
    assert client.post(url, {"bid_rate": "0.0730"}).status_code == 302
    request = JoinRequest.objects.get()
    assert (request.firm, request.status, request.bid_rate) == (firms[0], JoinStatus.PENDING, Decimal("0.0730"))
    assert client.post(url, {"bid_rate": "0.0750"}).status_code == 302  # asking again changes the bid
    request.refresh_from_db()
    assert request.bid_rate == Decimal("0.0750") and JoinRequest.objects.count() == 1
    assert JournalEntry.objects.count() == entries  # no money moves on asking
    page = client.get(reverse("clusterfinance:rotating-detail", args=[fund.pk]))
    assert page.status_code == 404  # not a member yet

    client.force_login(staff)
    detail = reverse("clusterfinance:rotating-detail", args=[fund.pk])
    assert "第1家企业" in client.get(detail).content.decode()
    client.post(detail, {"action": "admit_request", "request": request.pk, "on": "2026-03-02"})
    request.refresh_from_db()
    member = fund.members.get()
    assert request.status == JoinStatus.ADMITTED and request.decided_by == staff
    assert (member.firm, member.bid_rate, member.fee_paid) == (firms[0], Decimal("0.0750"), Decimal("1000.00"))
    assert balance(firms[0], P.PLACEMENTS) == Decimal("1000.00")
    assert selectors.fund_capital(fund) == Decimal("1000.00")
    # the firm now sees the fund's page, and the open fund is no longer offered
    client.force_login(users[0])
    assert client.get(detail).status_code == 200
    assert url not in client.get(reverse("clusterfinance:rotating-mine")).content.decode()
    assert client.get(url).status_code == 404


def test_join_refusals_change_nothing(world, staff, owners, client):
    firms, users = owners
    fund = bid_fund(world, staff)
    entries = JournalEntry.objects.count()
    outsider = AgentFactory(kind=AgentKind.ENTERPRISE, name="外地企业")
    outsider_user = MembershipFactory(agent=outsider, role=Role.ENTERPRISE_OWNER,
                                      user=UserFactory(email="out@example.cn")).user
    with pytest.raises(ValidationError):
        services_firm.join_ask(user=outsider_user, fund=fund, firm=outsider, bid_rate="0.05")
    with pytest.raises(PermissionDenied):  # the finance company's staff do not act for a firm
        services_firm.join_ask(user=staff, fund=fund, firm=firms[0], bid_rate="0.05")
    with pytest.raises(ValidationError) as exc:  # under the bid rule a bid is needed
        services_firm.join_ask(user=users[0], fund=fund, firm=firms[0], bid_rate="")
    assert "bid_rate" in exc.value.message_dict
    clerk = MembershipFactory(agent=firms[1], role=Role.FC_ANALYST, user=UserFactory(email="x@example.cn")).user
    with pytest.raises(PermissionDenied):
        services_firm.join_ask(user=clerk, fund=fund, firm=firms[1], bid_rate="0.05")
    # an outsider's portal does not even show the fund
    client.force_login(outsider_user)
    assert client.get(reverse("clusterfinance:rotating-join", args=[fund.pk])).status_code == 404
    for firm in firms[:2]:
        services.member_admit(user=staff, fund=fund, firm=firm, on=DAY, bid_rate="0.05")
    with pytest.raises(ValidationError):  # a member already
        services_firm.join_ask(user=users[0], fund=fund, firm=firms[0], bid_rate="0.05")
    services_firm.join_ask(user=users[2], fund=fund, firm=firms[2], bid_rate="0.05")
    services.order_fix(user=staff, fund=fund)
    assert JoinRequest.objects.get().status == JoinStatus.DECLINED  # the order fixed before an answer
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services_firm.join_ask(user=users[3], fund=fund, firm=firms[3], bid_rate="0.05")
    assert "fixed" in exc.value.messages[0]
    assert JournalEntry.objects.count() == entries and fund.members.count() == 2


def test_staff_decline_a_request_with_its_reason(world, staff, owners, client):
    firms, users = owners
    fund = bid_fund(world, staff)
    request = services_firm.join_ask(user=users[0], fund=fund, firm=firms[0], bid_rate="0.06")
    client.force_login(staff)
    detail = reverse("clusterfinance:rotating-detail", args=[fund.pk])
    client.post(detail, {"action": "decline_request", "request": request.pk, "reason": "评级待更新"})
    request.refresh_from_db()
    assert (request.status, request.reason) == (JoinStatus.DECLINED, "评级待更新")
    assert not fund.members.exists() and not JournalEntry.objects.filter(reference=f"rotating_fund:{fund.pk}").exists()
    response = client.post(detail, {"action": "admit_request", "request": request.pk, "on": "2026-03-02"},
                           follow=True, **EN)
    assert "not waiting" in response.content.decode() and not fund.members.exists()
    client.force_login(users[0])
    page = client.get(reverse("clusterfinance:rotating-join", args=[fund.pk]), **EN).content.decode()
    assert "评级待更新" in page  # the firm sees why, and may ask again
    services_firm.join_ask(user=users[0], fund=fund, firm=firms[0], bid_rate="0.07")
    request.refresh_from_db()
    assert (request.status, request.reason) == (JoinStatus.PENDING, "")


# --- bids -------------------------------------------------------------------------------------------

def test_member_changes_its_bid_until_the_order_is_fixed(world, staff, owners, client):
    firms, users = owners
    fund = bid_fund(world, staff)
    for firm, bid in zip(firms[:3], ("0.05", "0.06", "0.07"), strict=True):
        services.member_admit(user=staff, fund=fund, firm=firm, on=DAY, bid_rate=bid)
    client.force_login(users[0])
    detail = reverse("clusterfinance:rotating-detail", args=[fund.pk])
    assert 'data-testid="bid"' in client.get(detail).content.decode()
    client.post(detail, {"action": "bid", "bid_rate": "0.0800"})
    assert fund.members.get(firm=firms[0]).bid_rate == Decimal("0.0800")
    response = client.post(detail, {"action": "bid", "bid_rate": "-1"}, follow=True, **EN)
    assert fund.members.get(firm=firms[0]).bid_rate == Decimal("0.0800")
    assert "alert-danger" in response.content.decode() or "alert-error" in response.content.decode()
    order = services.order_fix(user=staff, fund=fund)
    assert order[0].firm == firms[0]  # its raised bid put it first
    response = client.post(detail, {"action": "bid", "bid_rate": "0.0100"}, follow=True, **EN)
    assert "bids can no longer change" in response.content.decode()
    assert fund.members.get(firm=firms[0]).bid_rate == Decimal("0.0800")
    with pytest.raises(ValidationError):  # not a member
        services_firm.bid_change(user=users[3], fund=fund, firm=firms[3], bid_rate="0.09")
    rating_fund = services.fund_create(user=staff, finance_company=world.finance_company, name="评级基金",
                                       rule=OrderRule.RATING, fee="10", advance_amount="10", term_days=30,
                                       rate="0.04")
    services.member_admit(user=staff, fund=rating_fund, firm=firms[0], on=DAY)
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services_firm.bid_change(user=users[0], fund=rating_fund, firm=firms[0], bid_rate="0.09")
    assert "not decided by bid" in exc.value.messages[0]


# --- a member repays from its portal ----------------------------------------------------------------

def _rotating(world, staff, firms, bids=("0.0500", "0.0730", "0.0401", "0.0600"), **kw):
    fund = bid_fund(world, staff, **kw)
    for firm, bid in zip(firms, bids, strict=True):
        services.member_admit(user=staff, fund=fund, firm=firm, on=DAY, bid_rate=bid)
    services.order_fix(user=staff, fund=fund)
    return fund


def _legs(entry):
    return sorted((p.account.agent_id, p.account.purpose, p.amount) for p in entry.postings.select_related("account"))


def test_member_repays_its_own_advance_as_the_staff_would(world, staff, owners, client):
    firms, users = owners
    fund = _rotating(world, staff, firms)
    rnd = services.round_draw(user=staff, fund=fund, on=DAY)
    assert rnd.member.firm == firms[1] and rnd.interest == Decimal("30.00")  # 1500 × 7.3 % × 100 / 365
    detail = reverse("clusterfinance:rotating-detail", args=[fund.pk])
    entries = JournalEntry.objects.count()
    # another member may not repay it; the firm itself must give exactly advance + interest
    client.force_login(users[0])
    assert 'data-testid="repay"' not in client.get(detail).content.decode()
    response = client.post(detail, {"action": "repay", "round": rnd.pk, "amount": "1530.00"}, follow=True, **EN)
    assert "not your firm" in response.content.decode()
    client.force_login(users[1])
    page = client.get(detail).content.decode()
    assert 'data-testid="repay"' in page and 'value="1530.00"' in page
    for bad in ("1529.99", "1530.001", "abc", "", "-1530"):
        response = client.post(detail, {"action": "repay", "round": rnd.pk, "amount": bad}, follow=True, **EN)
        assert response.status_code == 200
    assert "Repay exactly ¥1,530.00" in client.post(detail, {"action": "repay", "round": rnd.pk,
                                                              "amount": "1529.99"}, follow=True, **EN).content.decode()
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.DRAWN and JournalEntry.objects.count() == entries  # nothing posted
    client.post(detail, {"action": "repay", "round": rnd.pk, "amount": "1530.00"})
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.REPAID and JournalEntry.objects.count() == entries + 1
    cash_before = balance(firms[1], P.CASH)
    assert cash_before == Decimal("1500.00") - Decimal("1530.00") - Decimal("1000.00")  # drew, repaid, fee
    # the same legs as the staff's action on another fund
    other = _rotating(world, staff, [_firm(world, f"对照{i}") for i in range(4)])
    twin = services.round_draw(user=staff, fund=other, on=DAY)
    services.round_repay(user=staff, fund=other, rnd=twin, on=rnd.settled_on)
    twin.refresh_from_db()
    mine = [(purpose, amount) for _agent, purpose, amount in _legs(rnd.repay_entry)]
    theirs = [(purpose, amount) for _agent, purpose, amount in _legs(twin.repay_entry)]
    assert sorted(mine) == sorted(theirs)
    record = Publication.objects.get(category=Category.BUSINESS_RECORD, subject=firms[1], data__result="repaid")
    assert record.data["interest"] == "30.00"
    # repaid once only; the next in line may now draw
    with pytest.raises(ValidationError):
        services_firm.member_repay(user=users[1], fund=fund, firm=firms[1], rnd=rnd, amount="1530.00")
    assert services.round_draw(user=staff, fund=fund, on=rnd.settled_on).member.firm == firms[3]
    assert fund_mismatches() == []
    assert_ledger_ok()


# --- closing --------------------------------------------------------------------------------------

def _run_to_the_end(world, staff, firms, users, **kw):
    """Bids 5 %, 7.3 %, 4.01 %, 6 %: the order firm 2, 4, 1, 3. Firm 2 repays 1530.00 (interest
    30.00), firm 4 defaults (its fee 1000 first, 500 shared 166.67 / 166.67 / 166.66), firm 1
    repays 20.55 of interest and firm 3 16.48, the last from its portal: interest 67.03."""
    fund = _rotating(world, staff, firms, **kw)
    r1 = services.round_draw(user=staff, fund=fund, on=date(2026, 3, 2))
    services.round_repay(user=staff, fund=fund, rnd=r1, on=date(2026, 6, 10))
    r2 = services.round_draw(user=staff, fund=fund, on=date(2026, 6, 10))
    services.round_default(user=staff, fund=fund, rnd=r2, on=date(2026, 9, 30))
    r3 = services.round_draw(user=staff, fund=fund, on=date(2026, 9, 30))
    services.round_repay(user=staff, fund=fund, rnd=r3, on=date(2027, 1, 7))
    r4 = services.round_draw(user=staff, fund=fund, on=date(2027, 1, 7))
    services_firm.member_repay(user=users[2], fund=fund, firm=firms[2], rnd=r4, amount="1516.48", on="2027-04-10")
    assert [r.interest for r in fund.rounds.order_by("number")] == [Decimal("30.00"), Decimal("24.66"),
                                                                     Decimal("20.55"), Decimal("16.48")]
    assert selectors.fund_capital(fund) == Decimal("4000.00") + Decimal("67.03") - Decimal("1500.00")
    return fund


def test_close_pays_interest_by_fee_returns_fees_and_ends_at_zero(world, staff, owners, client):
    firms, users = owners
    fund = _run_to_the_end(world, staff, firms, users)
    cash = {f.pk: balance(f, P.CASH) for f in firms}
    close(world, fund, on="2027-04-15")
    fund.refresh_from_db()
    assert fund.status == FundStatus.CLOSED and fund.closed_on == date(2027, 4, 15)
    members = {m.firm_id: m for m in fund.members.all()}
    # 67.03 over firms 2, 1, 3 (the defaulter has none), equal fees: 22.34 each, the fen left to
    # the earliest place (firm 2)
    assert [members[f.pk].interest_share for f in firms] == [Decimal("22.34"), Decimal("22.35"), Decimal("22.34"),
                                                             Decimal("0.00")]
    assert [members[f.pk].fee_returned for f in firms] == [Decimal("833.33"), Decimal("833.33"), Decimal("833.34"),
                                                           Decimal("0.00")]
    got = [balance(f, P.CASH) - cash[f.pk] for f in firms]
    assert got == [Decimal("855.67"), Decimal("855.68"), Decimal("855.68"), Decimal("0.00")]
    assert sum(got) == Decimal("2567.03")
    assert [balance(f, P.INTEREST_INCOME) for f in firms] == [Decimal("-22.34"), Decimal("-22.35"),
                                                              Decimal("-22.34"), Decimal("0.00")]
    # the fund's balance on the ledger is exactly zero: the finance company's accounts over its
    # entries, and every member's stake
    fc = world.finance_company
    for purpose in (P.DEPOSITS, P.PLACEMENTS, P.CASH):
        assert fund_postings(fund, fc, purpose) == 0
    for firm in firms:
        assert fund_postings(fund, firm, P.PLACEMENTS) == 0
    assert selectors.fund_capital(fund) == 0 and selectors.fund_outstanding(fund) == 0
    assert fund_mismatches() == []
    assert_ledger_ok()
    # disclosed to the members: an interest record for each sharer, a closing record for each member
    interest = Publication.objects.filter(category=Category.BUSINESS_RECORD, data__kind="rotating_fund_interest")
    closing = Publication.objects.filter(category=Category.BUSINESS_RECORD, data__kind="rotating_fund_close")
    assert sorted(Decimal(p.data["amount"]) for p in interest) == [Decimal("22.34"), Decimal("22.34"),
                                                                    Decimal("22.35")]
    assert closing.count() == 4 and {p.visibility for p in closing} == {Visibility.MEMBERS}
    assert closing.get(subject=firms[3]).data["loss_borne"] == "1000.00"
    assert Event.objects.filter(kind="business.recorded", subject_agent=firms[1]).count() == 4  # draw, repay, interest, close
    # the closing statement on the fund's page, for a member
    client.force_login(users[0])
    page = client.get(reverse("clusterfinance:rotating-detail", args=[fund.pk]), **EN).content.decode()
    assert 'data-testid="statement"' in page and "¥855.67" in page and "¥2,567.03" in page
    assert 'data-testid="repay"' not in page and 'data-testid="bid"' not in page


def test_close_by_stake_gives_the_fen_to_the_largest_stake(world, staff, owners):
    firms, users = owners
    fund = _run_to_the_end(world, staff, firms, users, interest_rule=InterestRule.STAKE)
    close(world, fund, on="2027-04-15")
    members = {m.firm_id: m for m in fund.members.all()}
    # weights 833.33 / 833.33 / 833.34 (firm 1, 2, 3): the fen left goes to firm 3's larger stake
    assert [members[f.pk].interest_share for f in firms] == [Decimal("22.34"), Decimal("22.34"), Decimal("22.35"),
                                                             Decimal("0.00")]
    assert fund_postings(fund, world.finance_company, P.DEPOSITS) == 0
    assert_ledger_ok()


def test_close_refused_while_an_advance_is_out_and_a_closed_fund_refuses_everything(world, staff, owners, client):
    firms, users = owners
    fund = _rotating(world, staff, firms)
    rnd = services.round_draw(user=staff, fund=fund, on=DAY)
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services_close.fund_close_prepare(user=staff, fund=fund)
    assert "has not repaid" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        services_close.fund_close(user=users[0], fund=fund, on="2026-12-01")
    assert JournalEntry.objects.count() == entries and RotatingFund.objects.get(pk=fund.pk).status == "rotating"
    services.round_repay(user=staff, fund=fund, rnd=rnd, on=date(2026, 6, 1))
    client.force_login(staff)
    detail = reverse("clusterfinance:rotating-detail", args=[fund.pk])
    response = client.post(detail, {"action": "close", "on": "2026-06-02"}, follow=True, **EN)
    assert "Prepare the close first" in response.content.decode()  # not prepared
    client.post(detail, {"action": "close_prepare"})
    fund.refresh_from_db()
    assert fund.close_prepared_by == staff
    response = client.post(detail, {"action": "close", "on": "2026-06-02"}, follow=True, **EN)
    assert "maker-checker" in response.content.decode()  # the preparer may not approve
    assert JournalEntry.objects.count() == entries + 1  # the repayment only
    client.force_login(world.users["finance_analyst"])
    page = client.get(detail, **EN).content.decode()
    assert 'data-testid="preview"' in page and "¥1,007.50" in page  # the approver sees what it pays
    with pytest.raises(ValidationError):  # not dated before the last settlement
        services_close.fund_close(user=world.users["finance_analyst"], fund=fund, on="2026-05-31")
    client.post(detail, {"action": "close", "on": "2026-06-02"})
    fund.refresh_from_db()
    assert fund.status == FundStatus.CLOSED
    # the two members that had no turn get their fee back; the interest 30.00 over all four
    assert sorted(m.fee_returned + m.interest_share for m in fund.members.all()) == [Decimal("1007.50")] * 4
    entries = JournalEntry.objects.count()
    refusals = [
        lambda: services.member_admit(user=staff, fund=fund, firm=_firm(world, "新企业"), on=DAY),
        lambda: services.order_fix(user=staff, fund=fund),
        lambda: services.round_draw(user=staff, fund=fund, on="2026-06-03"),
        lambda: services.round_repay(user=staff, fund=fund, rnd=rnd, on="2026-06-03"),
        lambda: services.round_default(user=staff, fund=fund, rnd=rnd, on="2026-12-03"),
        lambda: services_close.fund_close(user=staff, fund=fund, on="2026-06-03"),
        lambda: services_close.fund_close_prepare(user=staff, fund=fund),
        lambda: services_firm.join_ask(user=users[0], fund=fund, firm=firms[0], bid_rate="0.05"),
        lambda: services_firm.bid_change(user=users[0], fund=fund, firm=firms[0], bid_rate="0.05"),
        lambda: services_firm.member_repay(user=users[1], fund=fund, firm=firms[1], rnd=rnd, amount="1530.00"),
    ]
    for refuse in refusals:
        with pytest.raises(ValidationError) as exc, translation.override("en"):
            refuse()
        assert "closed" in exc.value.messages[0]
    response = client.post(detail, {"action": "draw", "on": "2026-06-03"}, follow=True, **EN)
    assert "is closed: it takes no further action" in response.content.decode()
    assert 'data-testid="close"' not in response.content.decode()
    assert JournalEntry.objects.count() == entries
    assert_ledger_ok()


# --- fixed number of queries -----------------------------------------------------------------------

def test_firm_pages_and_closed_fund_page_fixed_queries(world, staff, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    firm_user = world.users["enterprise"]
    counts = {"mine": [], "join": [], "closed": []}
    for n in (2, 5):
        firms = [_firm(world, f"规模{n}企业{i}") for i in range(n)]
        open_funds = [bid_fund(world, staff) for _ in range(n)]
        for fund in open_funds:
            services_firm.join_ask(user=firm_user, fund=fund, firm=world.firm, bid_rate="0.05")
        closed = _rotating(world, staff, firms, bids=[f"0.0{5 + i}" for i in range(n)], fee="5000")
        while True:
            last = closed.rounds.order_by("-number").first()
            try:
                rnd = services.round_draw(user=staff, fund=closed, on=last.settled_on if last else DAY)
            except ValidationError:
                break
            services.round_repay(user=staff, fund=closed, rnd=rnd, on=rnd.due_on)
        close(world, closed, on=closed.rounds.order_by("-number").first().settled_on)
        client.force_login(firm_user)
        for key, url in (("mine", reverse("clusterfinance:rotating-mine")),
                         ("join", reverse("clusterfinance:rotating-join", args=[open_funds[0].pk]))):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts[key].append(len(ctx.captured_queries))
        client.force_login(staff)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("clusterfinance:rotating-detail", args=[closed.pk]))
        assert response.status_code == 200 and 'data-testid="statement"' in response.content.decode()
        counts["closed"].append(len(ctx.captured_queries))
    assert all(a == b for a, b in counts.values()), counts


def test_a_prepared_close_is_withdrawn_or_undone_by_a_draw(world, staff, owners):
    firms, _users = owners
    fund = _rotating(world, staff, firms)
    analyst = world.users["finance_analyst"]
    services_close.fund_close_prepare(user=analyst, fund=fund)
    with pytest.raises(ValidationError):  # prepared once
        services_close.fund_close_prepare(user=staff, fund=fund)
    services_close.fund_close_withdraw(user=staff, fund=fund)
    fund.refresh_from_db()
    assert fund.close_prepared_by is None
    services_close.fund_close_prepare(user=analyst, fund=fund)
    rnd = services.round_draw(user=staff, fund=fund, on=DAY)  # the fund moved on: the preparation lapses
    services.round_repay(user=staff, fund=fund, rnd=rnd, on=rnd.due_on)
    fund.refresh_from_db()
    assert fund.close_prepared_by is None
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError):
        services_close.fund_close(user=staff, fund=fund, on=rnd.due_on)
    assert JournalEntry.objects.count() == entries and fund.status == FundStatus.ROTATING


def test_the_interest_rule_is_chosen_when_the_fund_is_opened(world, staff, client):
    client.force_login(staff)
    url = reverse("clusterfinance:rotating-funds")
    base = {"name": "三号基金", "rule": "rating", "fee": "100", "advance_amount": "200", "term_days": "30",
            "rate": "0.04"}
    response = client.post(url, base | {"interest_rule": "lottery"}, **EN)
    assert response.status_code == 400 and "how the interest is shared" in response.content.decode()
    assert not RotatingFund.objects.exists()
    assert client.post(url, base | {"interest_rule": "stake"}).status_code == 302
    assert RotatingFund.objects.get().interest_rule == InterestRule.STAKE
