"""The rotating mutual credit fund: the order by each rule (the lot's seed reproducible), the
repay-before-next gate, a default covered by the defaulter's fee first and the rest shared to the
fen, the ledger balanced, refusals with nothing posted, the business records, the pages'
permissions and query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, ClusterMembershipFactory, MembershipFactory, UserFactory
from clusterfinance.schemes.rotating_fund import selectors, services
from clusterfinance.schemes.rotating_fund.models import FundMemberStatus, LossShare, OrderRule, RoundStatus
from clusterfinance.schemes.rotating_fund.reconcile import fund_mismatches
from infocenter.choices import Category, Visibility
from infocenter.models import Event, Publication
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry

DAY = date(2026, 3, 2)


def _firm(world, name, pd=None, grade=""):
    firm = AgentFactory(kind=AgentKind.ENTERPRISE, name=name)
    firm.current_pd, firm.current_grade = pd, grade
    firm.save(update_fields=["current_pd", "current_grade"])
    ClusterMembershipFactory(cluster=world.cluster, agent=firm)
    return firm


@pytest.fixture
def staff(world):
    return world.users["finance"]


@pytest.fixture
def firms(world):
    return [_firm(world, f"第{i}家企业", pd=pd, grade=g) for i, (pd, g) in
            enumerate([(Decimal("0.05"), "BB"), (Decimal("0.01"), "A"), (None, ""), (Decimal("0.02"), "BBB")], start=1)]


def make_fund(world, staff, firms, *, rule=OrderRule.RATING, seed=None, fee="1000", bids=None, advance="3000"):
    fund = services.fund_create(user=staff, finance_company=world.finance_company, name="五金互助基金", rule=rule,
                                fee=fee, advance_amount=advance, term_days=90, rate="0.0365", seed=seed)
    for i, firm in enumerate(firms):
        services.member_admit(user=staff, fund=fund, firm=firm, on=DAY, bid_rate=bids[i] if bids else None)
    return fund


def assert_ledger_ok():
    report = ledger_verify()
    assert report.ledger_total == 0 and not report.unbalanced_entries and not report.balance_mismatches
    assert report.subledgers["rotating_funds"]["problems"] == []


def balance(agent, purpose) -> Decimal:
    acc = Account.objects.filter(agent=agent, purpose=purpose).first()
    return acc.balance if acc else Decimal("0.00")


def test_order_by_rating_best_first_unrated_last(world, staff, firms):
    fund = make_fund(world, staff, firms)
    order = services.order_fix(user=staff, fund=fund)
    assert [m.firm.name for m in order] == ["第2家企业", "第4家企业", "第1家企业", "第3家企业"]
    assert [m.position for m in fund.members.order_by("position")] == [1, 2, 3, 4]


def test_order_by_bid_highest_first(world, staff, firms):
    fund = make_fund(world, staff, firms, rule=OrderRule.BID, bids=["0.06", "0.08", "0.06", "0.10"])
    order = services.order_fix(user=staff, fund=fund)
    assert [m.firm.name for m in order] == ["第4家企业", "第2家企业", "第1家企业", "第3家企业"]
    rnd = services.round_draw(user=staff, fund=fund, on=DAY)
    assert rnd.rate == Decimal("0.1000")  # the winner pays its own bid
    assert rnd.interest == Decimal("73.97")  # 3000 × 10 % × 90 / 365 = 73.972…


def test_lot_is_reproducible_from_its_seed(world, staff, firms):
    import random

    fund = make_fund(world, staff, firms, rule=OrderRule.LOT, seed=20261202)
    order = [m.firm_id for m in services.order_fix(user=staff, fund=fund)]
    expected = [f.pk for f in firms]  # admitted in this order, so sorted by member pk the same
    random.Random(20261202).shuffle(expected)
    assert order == expected
    # the same seed, drawn again (another fund, same admissions), gives the same order
    again = services.order_compute(fund, list(fund.members.select_related("firm")))
    assert [m.firm_id for m in again] == order
    other_orders = {tuple(m.firm_id for m in services.order_compute(
        type(fund)(rule=OrderRule.LOT, seed=s), list(fund.members.select_related("firm")))) for s in range(20)}
    assert len(other_orders) > 1  # the seed matters


def test_lot_needs_a_seed_and_bad_input_is_refused(world, staff):
    with pytest.raises(ValidationError) as exc:
        services.fund_create(user=staff, finance_company=world.finance_company, name="x", rule=OrderRule.LOT,
                             fee="1", advance_amount="1", term_days=30, rate="0.01", seed="")
    assert "seed" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.fund_create(user=staff, finance_company=world.finance_company, name="", rule="coin",
                             fee="1.001", advance_amount="-3", term_days="a", rate="2", seed=None)
    assert set(exc.value.message_dict) >= {"name", "rule", "fee", "advance_amount", "term_days", "rate"}


def test_fee_on_the_ledger_and_repay_before_next(world, staff, firms):
    fund = make_fund(world, staff, firms)
    assert selectors.fund_capital(fund) == Decimal("4000.00")
    assert balance(world.finance_company, P.DEPOSITS) == Decimal("-4000.00")
    services.order_fix(user=staff, fund=fund)
    first = services.round_draw(user=staff, fund=fund, on=DAY)
    assert first.member.firm.name == "第2家企业"
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.round_draw(user=staff, fund=fund, on=DAY)
    assert "第2家企业" in exc.value.messages[0] and "repay" in exc.value.messages[0]
    assert JournalEntry.objects.count() == entries  # nothing posted
    services.round_repay(user=staff, fund=fund, rnd=first, on=date(2026, 5, 31))
    assert selectors.fund_capital(fund) == Decimal("4000.00") + first.interest
    assert selectors.fund_outstanding(fund) == 0
    second = services.round_draw(user=staff, fund=fund, on=date(2026, 6, 1))
    assert (second.number, second.member.firm.name) == (2, "第4家企业")
    with pytest.raises(ValidationError):  # settled rounds are settled once
        services.round_repay(user=staff, fund=fund, rnd=first, on=date(2026, 6, 1))
    assert fund_mismatches() == []
    assert_ledger_ok()


def test_short_capital_refused_with_nothing_posted(world, staff, firms):
    fund = make_fund(world, staff, firms, fee="100")  # capital 400 < advance 3000
    services.order_fix(user=staff, fund=fund)
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.round_draw(user=staff, fund=fund, on=DAY)
    assert "free capital" in exc.value.messages[0]
    assert JournalEntry.objects.count() == entries and not fund.rounds.exists()


def test_default_fee_first_then_shared_to_the_fen(world, staff, firms):
    # fees 1000 each, advance 3500.01: the defaulter's 1000 first, 2500.01 over the three others
    fund = make_fund(world, staff, firms, advance="3500.01")
    services.order_fix(user=staff, fund=fund)
    rnd = services.round_draw(user=staff, fund=fund, on=DAY)
    with pytest.raises(ValidationError):  # not before its due date
        services.round_default(user=staff, fund=fund, rnd=rnd, on=rnd.due_on)
    services.round_default(user=staff, fund=fund, rnd=rnd, on=date(2026, 7, 1))
    rnd.refresh_from_db()
    assert (rnd.status, rnd.loss_from_fee, rnd.loss_shared) == (RoundStatus.DEFAULTED, Decimal("1000.00"),
                                                                 Decimal("2500.01"))
    shares = list(LossShare.objects.filter(round=rnd).order_by("member__position").values_list("amount", flat=True))
    assert shares == [Decimal("833.34"), Decimal("833.34"), Decimal("833.33")]
    assert sum(shares) == rnd.loss_shared
    rnd.member.refresh_from_db()
    assert rnd.member.status == FundMemberStatus.DEFAULTED
    assert selectors.fund_capital(fund) == Decimal("4000.00") - Decimal("3500.01")
    assert selectors.fund_outstanding(fund) == 0
    # the others' stakes reduced by their shares, the defaulter's fee consumed against its debt
    defaulter = rnd.member.firm
    assert balance(defaulter, P.PLACEMENTS) == 0
    assert balance(defaulter, P.CREDIT_LINES_DRAWN) == Decimal("-2500.01")  # still owed: what its fee did not cover
    assert balance(firms[3], P.WRITE_OFF) == Decimal("833.34")  # second in the order
    assert balance(firms[3], P.PLACEMENTS) == Decimal("166.66")
    assert fund_mismatches() == []
    assert_ledger_ok()
    # the defaulter lost its turn: out of the rotation, the others follow in their order
    page = selectors.fund_page(fund)
    assert defaulter.pk not in [m.firm_id for m in page["upcoming"]]
    assert [m.firm.name for m in page["upcoming"]] == ["第4家企业", "第1家企业", "第3家企业"]
    # the fund's capital is now short of an advance: refused rather than lending money it lacks
    with pytest.raises(ValidationError):
        services.round_draw(user=staff, fund=fund, on=date(2026, 7, 2))


def test_split_pro_rata_exact_to_the_fen():
    shares = services.split_pro_rata(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert shares == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    shares = services.split_pro_rata(Decimal("10.00"), [Decimal("500"), Decimal("300"), Decimal("200")])
    assert shares == [Decimal("5.00"), Decimal("3.00"), Decimal("2.00")]
    shares = services.split_pro_rata(Decimal("0.05"), [Decimal("3"), Decimal("1"), Decimal("1")])
    assert shares == [Decimal("0.03"), Decimal("0.01"), Decimal("0.01")] and sum(shares) == Decimal("0.05")


def test_rounds_disclosed_to_members_and_fed_into_the_loop(world, staff, firms):
    fund = make_fund(world, staff, firms)
    services.order_fix(user=staff, fund=fund)
    rnd = services.round_draw(user=staff, fund=fund, on=DAY)
    services.round_repay(user=staff, fund=fund, rnd=rnd, on=date(2026, 5, 1))
    records = Publication.objects.filter(category=Category.BUSINESS_RECORD, subject=rnd.member.firm)
    assert sorted(r.data["result"] for r in records) == ["drawn", "repaid"]
    assert {r.visibility for r in records} == {Visibility.MEMBERS}
    assert Event.objects.filter(kind="business.recorded", subject_agent=rnd.member.firm).count() == 2


def test_only_staff_act_and_only_cluster_firms_join(world, firms):
    with pytest.raises(PermissionDenied):
        services.fund_create(user=world.users["enterprise"], finance_company=world.finance_company, name="x",
                             rule=OrderRule.RATING, fee="1", advance_amount="1", term_days=30, rate="0.01")
    fund = make_fund(world, world.users["finance"], firms[:2])
    outsider = AgentFactory(kind=AgentKind.ENTERPRISE, name="外地企业")
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError):
        services.member_admit(user=world.users["finance"], fund=fund, firm=outsider, on=DAY)
    with pytest.raises(ValidationError):
        services.member_admit(user=world.users["finance"], fund=fund, firm=firms[0], on=DAY)
    assert JournalEntry.objects.count() == entries


def _grow(world, staff, n):
    firms = [_firm(world, f"企业{i}", pd=Decimal("0.01") * (i + 1)) for i in range(n)]
    fund = make_fund(world, staff, firms, fee="5000", advance="1000")
    services.order_fix(user=staff, fund=fund)
    for i in range(n - 1):
        last = fund.rounds.order_by("-number").first()
        rnd = services.round_draw(user=staff, fund=fund, on=last.settled_on if last else DAY)
        if i == 1:
            services.round_default(user=staff, fund=fund, rnd=rnd, on=rnd.due_on + timedelta(days=1))
        else:
            services.round_repay(user=staff, fund=fund, rnd=rnd, on=rnd.due_on)
    return fund, firms


@pytest.mark.parametrize("role", ["finance", "enterprise"])
def test_detail_page_fixed_queries(world, staff, client, role):
    counts = []
    for n in (3, 6):
        fund, firms = _grow(world, staff, n)
        user = staff
        if role == "enterprise":
            user = MembershipFactory(agent=firms[0], role=Role.ENTERPRISE_OWNER,
                                     user=UserFactory(email=f"m{n}@example.cn")).user
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("clusterfinance:rotating-detail", args=[fund.pk]))
        assert response.status_code == 200
        assert firms[0].name in response.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_pages_hide_other_funds_and_post_actions(world, staff, firms, client):
    fund = make_fund(world, staff, firms[:3])
    client.force_login(world.users["enterprise"])  # world.firm is not a member
    assert client.get(reverse("clusterfinance:rotating-detail", args=[fund.pk])).status_code == 404
    client.force_login(staff)
    url = reverse("clusterfinance:rotating-detail", args=[fund.pk])
    assert client.post(url, {"action": "order"}).status_code == 302
    response = client.post(url, {"action": "draw", "on": "2026-03-02"})
    assert response.status_code == 302 and fund.rounds.count() == 1
    response = client.post(url, {"action": "draw", "on": "2026-03-03"}, follow=True)
    assert "repay" in response.content.decode() or "还款" in response.content.decode()
    assert fund.rounds.count() == 1
    rnd = fund.rounds.get()
    client.post(url, {"action": "repay", "round": rnd.pk, "on": "not a date"})
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.DRAWN
    client.post(url, {"action": "repay", "round": rnd.pk, "on": "2026-04-01"})
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.REPAID
    response = client.post(reverse("clusterfinance:rotating-funds"), {"name": "二号基金", "rule": "lot", "seed": "7",
                                                                     "fee": "100", "advance_amount": "200",
                                                                     "term_days": "30", "rate": "0.04"})
    assert response.status_code == 302
    response = client.post(reverse("clusterfinance:rotating-funds"), {"name": "", "rule": "lot"})
    assert response.status_code == 400
