"""Suitability, the refusals (above level, expired assessment, caps) with nothing posted, note
subscriptions on the ledger to the fen, cooling-off cancellation, business records."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clusterfinance.pool.models import FundSource, SourceMovement
from infocenter.models import Publication
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry
from lending.models import Loan, PrivateLendingCaps
from portals.investors.models import Holding, InvestorProfile
from portals.investors.questionnaire import QUESTIONS, may_buy, score
from portals.investors.services import holding_cancel, invest, suitability_assess

from .factories import open_offers

pytestmark = pytest.mark.django_db
LOWEST = {q.code: min(q.answers, key=lambda a: a.score).code for q in QUESTIONS}
HIGHEST = {q.code: max(q.answers, key=lambda a: a.score).code for q in QUESTIONS}


def _counts():
    return (JournalEntry.objects.count(), Holding.objects.count(), Loan.objects.count(), FundSource.objects.count(),
            Publication.objects.count())


def _balance(agent, purpose):
    account = Account.objects.filter(agent=agent, purpose=purpose, loan__isnull=True).first()
    return account.balance if account else Decimal("0.00")


# --- suitability ------------------------------------------------------------------------------

def test_scores_and_levels():
    assert score(LOWEST).total == 5 and score(LOWEST).level == "C1"
    assert score(HIGHEST).total == 50 and score(HIGHEST).level == "C5"
    # the level boundaries: 16 → C2, 25 → C3, 34 → C4, 43 → C5 (built from answers, not asserted on a constant)
    answers = dict(HIGHEST)
    answers.update(age="over_65", income="lt_100k", share="gt_50")  # 50 - 4 - 6 - 6 = 34
    assert score(answers).total == 34 and score(answers).level == "C4"
    answers["experience"] = "2_5"  # 32
    assert score(answers).level == "C3"
    # no loss at all: C1 whatever the total
    capped = score({**HIGHEST, "loss": "none"})
    assert capped.total == 43 and capped.level == "C1" and capped.capped_by.code == "loss"
    with pytest.raises(ValueError):
        score({k: v for k, v in HIGHEST.items() if k != "goal"})
    assert may_buy("C3", "R3") and not may_buy("C3", "R4") and not may_buy("", "R1")


def test_assessment_sets_the_level_for_a_year(world):
    a = suitability_assess(user=world.users["investor"], investor=world.investor, answers=LOWEST,
                           on=datetime.date(2026, 11, 1))
    profile = InvestorProfile.objects.get(agent=world.investor)
    assert a.level == profile.suitability == "C1" and a.total == 5
    assert profile.is_current(datetime.date(2027, 10, 31)) and not profile.is_current(datetime.date(2027, 11, 1))
    with pytest.raises(ValidationError) as exc:
        suitability_assess(user=world.users["investor"], investor=world.investor, answers={"age": "25_50"})
    assert "income" in exc.value.error_dict


def test_refused_above_level_nothing_posted(world):
    note, loan, deposit = open_offers(world)
    suitability_assess(user=world.users["investor"], investor=world.investor, answers=LOWEST)  # C1
    before = _counts()
    for offer in (note, loan):
        with pytest.raises(ValidationError) as exc:
            invest(user=world.users["investor"], investor=world.investor, opportunity=offer, amount="10000",
                   idempotency_key=f"above-{offer.pk}")
        assert exc.value.code == "above_level" and "C1" in exc.value.messages[0]
    assert _counts() == before
    # R1 is within C1
    invest(user=world.users["investor"], investor=world.investor, opportunity=deposit, amount="10000",
           idempotency_key="dep")


def test_expired_assessment_must_be_retaken(world):
    note, _loan, _deposit = open_offers(world)
    InvestorProfile.objects.filter(agent=world.investor).update(assessed_on=timezone.localdate()
                                                                - datetime.timedelta(days=365))
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="10000",
               idempotency_key="old")
    assert exc.value.code == "suitability_expired"
    assert _counts() == before


# --- notes on the ledger -----------------------------------------------------------------------

def test_note_subscription_on_the_ledger_to_the_fen(world):
    note, _loan, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="12345.67",
                     idempotency_key="n1")
    assert holding.status == "cooling_off" and holding.fund_source.outstanding == Decimal("12345.67")
    assert holding.fund_source.counterparty == world.investor and holding.fund_source.kind == "note"
    assert _balance(world.investor, "notes_held") == Decimal("12345.67")
    assert _balance(world.investor, "cash") == Decimal("-12345.67")
    assert _balance(world.finance_company, "cash") == Decimal("12345.67")
    assert _balance(world.finance_company, "notes_issued") == Decimal("-12345.67")
    assert ledger_verify().ok
    # the same request again: the same holding, no second entry
    entries = JournalEntry.objects.count()
    assert invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="12345.67",
                  idempotency_key="n1").pk == holding.pk
    assert JournalEntry.objects.count() == entries
    record = Publication.objects.get(category="business_record", key=f"investor-holding:{holding.pk}")
    assert record.data["link"] == "3" and record.data["amount"] == "12345.67" and record.data["kind"] == "note"


def test_cooling_off_cancel_returns_the_money(world):
    note, _loan, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="5000.01",
                     idempotency_key="n1")
    holding_cancel(user=world.users["investor"], holding=holding, idempotency_key="c1")
    holding.refresh_from_db()
    assert holding.status == "cancelled"
    assert _balance(world.investor, "notes_held") == Decimal("0.00")
    assert _balance(world.investor, "cash") == Decimal("0.00")
    assert _balance(world.finance_company, "cash") == Decimal("0.00")
    assert SourceMovement.objects.filter(source=holding.fund_source, kind="out").get().amount == Decimal("5000.01")
    assert holding.fund_source.__class__.objects.get(pk=holding.fund_source_id).status == "closed"
    assert ledger_verify().ok


def test_no_cancel_after_the_cooling_off_period(world):
    note, _loan, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount="5000",
                     idempotency_key="n1")
    Holding.objects.filter(pk=holding.pk).update(cooling_off_until=timezone.now() - datetime.timedelta(minutes=1))
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        holding_cancel(user=world.users["investor"], holding=holding, idempotency_key="c1")
    assert exc.value.code == "cooling_off_over"
    assert JournalEntry.objects.count() == entries


# --- direct loans and deposits ------------------------------------------------------------------

def test_direct_loan_is_a_lending_loan_with_a_business_record(world):
    _note, loan_offer, _deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=loan_offer,
                     amount="50000", idempotency_key="l1")
    loan = holding.loan
    assert loan.lender == world.investor and loan.borrower == world.firm and loan.status == "active"
    assert loan.instalments.count() == 12 and holding.status == "active" and holding.risk_level == "R3"
    record = Publication.objects.get(category="business_record", key=f"investor-holding:{holding.pk}")
    assert record.data["link"] == "b" and record.data["kind"] == "investor_loan" and record.subject == world.firm


@pytest.mark.parametrize("cap", ["per_firm", "natural_person", "per_lender"])
def test_every_cap_refused_through_the_portal_nothing_posted(world, cap):
    _note, loan_offer, _deposit = open_offers(world)
    loan_offer.size = Decimal("5000000")
    loan_offer.save()
    PrivateLendingCaps.objects.create(government=world.gov, per_firm=Decimal("300000"),
                                      per_natural_person=Decimal("100000"), per_lender=Decimal("200000"))
    InvestorProfile.objects.filter(agent=world.investor).update(suitability="C5")
    if cap == "natural_person":
        world.firm.credit_code = "92330784MA2B3C4D5E"
        world.firm.save()
    amount = {"per_firm": "300000.01", "natural_person": "100000.01", "per_lender": "200000.01"}[cap]
    if cap == "per_firm":
        PrivateLendingCaps.objects.filter(government=world.gov).update(per_lender=Decimal("400000"))
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        invest(user=world.users["investor"], investor=world.investor, opportunity=loan_offer, amount=amount,
               idempotency_key=f"cap-{cap}")
    code = {"per_firm": "cap_firm", "natural_person": "cap_natural_person", "per_lender": "cap_lender"}[cap]
    assert exc.value.error_dict["amount"][0].code == code
    assert _counts() == before


def test_deposit_is_a_flow_on_the_ledger(world):
    _note, _loan, deposit = open_offers(world)
    holding = invest(user=world.users["investor"], investor=world.investor, opportunity=deposit, amount="20000.50",
                     idempotency_key="d1")
    assert _balance(world.investor, "placements") == Decimal("20000.50")
    assert _balance(world.bank, "deposits") == Decimal("-20000.50")
    assert holding.entry is not None and ledger_verify().ok
    record = Publication.objects.get(category="business_record", key=f"investor-holding:{holding.pk}")
    assert record.data["link"] == "c" and record.subject == world.bank


def test_bad_amounts_refused_nothing_posted(world):
    note, _loan, _deposit = open_offers(world)
    before = _counts()
    for amount in ("", "abc", "-1", "999.99", "2000000.01", "1.001"):
        with pytest.raises(ValidationError):
            invest(user=world.users["investor"], investor=world.investor, opportunity=note, amount=amount,
                   idempotency_key=f"bad-{amount}")
    assert _counts() == before
