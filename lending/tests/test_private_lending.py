"""The government's caps on loans from private investors: per firm, per natural-person borrower,
per lender; a refusal says which cap and what is left, and nothing is written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agents.choices import AgentKind, Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from lending.ledger.models import JournalEntry
from lending.models import Loan, PrivateLendingCaps
from lending.services.private_lending import private_lending_headroom, private_loan_make

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 2)


def _investor(name):
    agent = AgentFactory(kind=AgentKind.INVESTOR, name=name, credit_code="", industry_code="", size_class="")
    user = MembershipFactory(agent=agent, role=Role.INVESTOR, user=UserFactory()).user
    return agent, user


def _lend(lender, user, borrower, amount, key):
    return private_loan_make(user=user, lender=lender, borrower=borrower, amount=amount, annual_rate="0.08",
                             periods=12, method="equal_instalment", frequency="monthly", on=ON, idempotency_key=key)


def _nothing_more(loans, entries):
    assert Loan.objects.count() == loans and JournalEntry.objects.count() == entries


def test_a_loan_is_a_real_lending_loan_with_schedule_and_ledger(world):
    loan = _lend(world.investor, world.users["investor"], world.firm, "100000.00", "k1")
    assert loan.status == "active" and loan.lender == world.investor and loan.principal == Decimal("100000.00")
    assert loan.instalments.count() == 12
    assert JournalEntry.objects.filter(loan=loan).count() == 1
    # a retry with the same key is the same loan
    assert _lend(world.investor, world.users["investor"], world.firm, "100000.00", "k1").pk == loan.pk


def test_per_firm_cap_counts_every_investor(world):
    PrivateLendingCaps.objects.create(government=world.gov, per_lender=Decimal("900000"))
    others = [_investor(f"投资者X{i}") for i in range(2)]
    _lend(*others[0], world.firm, "600000.00", "a")
    _lend(*others[1], world.firm, "300000.00", "b")
    loans, entries = Loan.objects.count(), JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        _lend(world.investor, world.users["investor"], world.firm, "100000.01", "c")
    assert exc.value.error_dict["amount"][0].code == "cap_firm"
    assert "1,000,000" in exc.value.messages[0] and "100,000.00" in exc.value.messages[0]
    _nothing_more(loans, entries)
    _lend(world.investor, world.users["investor"], world.firm, "100000.00", "d")  # exactly to the cap


def test_natural_person_borrower_cap(world):
    world.other_firm.credit_code = "92330602MA2B3C4D5E"
    world.other_firm.save()
    _lend(world.investor, world.users["investor"], world.other_firm, "150000.00", "a")
    loans, entries = Loan.objects.count(), JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        _lend(world.investor, world.users["investor"], world.other_firm, "50000.01", "b")
    assert exc.value.error_dict["amount"][0].code == "cap_natural_person"
    assert "200,000" in exc.value.messages[0]
    _nothing_more(loans, entries)


def test_per_lender_cap_set_by_the_government(world):
    PrivateLendingCaps.objects.create(government=world.gov, per_lender=Decimal("120000"))
    _lend(world.investor, world.users["investor"], world.firm, "100000.00", "a")
    loans, entries = Loan.objects.count(), JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        _lend(world.investor, world.users["investor"], world.other_firm, "20000.01", "b")
    assert exc.value.error_dict["amount"][0].code == "cap_lender"
    assert "120,000" in exc.value.messages[0] and "20,000.00" in exc.value.messages[0]
    _nothing_more(loans, entries)
    room = private_lending_headroom(lender=world.investor, borrower=world.other_firm)
    assert room.lender_left == Decimal("20000.00") and room.borrower_left == Decimal("1000000.00")


def test_bad_input_changes_nothing(world):
    for amount in ("", "-5", "abc", "1.001"):
        with pytest.raises(ValidationError):
            _lend(world.investor, world.users["investor"], world.firm, amount, f"bad{amount}")
    _nothing_more(0, 0)
