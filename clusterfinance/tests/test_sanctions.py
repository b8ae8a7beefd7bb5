"""The reward and penalty rules (pure functions over a loan's facts) and their application."""

from datetime import date
from decimal import Decimal

import pytest

from clusterfinance.sanctions.rules import (
    PENALTY,
    REWARD,
    RULES,
    LoanFacts,
    Sanction,
    penalty_non_performing,
    reward_repaid_on_time,
    sanctions_for,
)
from clusterfinance.sanctions.services import sanctions_apply
from infocenter.choices import Category, Visibility
from infocenter.models import Publication
from lending.choices import LoanClass, LoanStatus
from lending.selectors import loans_to_disclose
from lending.tests.factories import make_loan, pay


def facts(**overrides) -> LoanFacts:
    values = {"loan_id": 7, "contract_no": "FC-7", "borrower_name": "甲公司", "status": LoanStatus.ACTIVE, "dpd": 0,
              "loan_class": LoanClass.NORMAL, "principal_outstanding": Decimal("5000.00"), "paid_late": False}
    values.update(overrides)
    return LoanFacts(**values)


@pytest.mark.parametrize(("loan", "codes"), [
    (facts(), []),
    (facts(status=LoanStatus.CLOSED), ["reward"]),
    (facts(status=LoanStatus.CLOSED, paid_late=True), []),  # closed, but an instalment was late
    (facts(dpd=90), []),
    (facts(dpd=91), ["penalty-npl"]),
    (facts(loan_class=LoanClass.DOUBTFUL), ["penalty-npl"]),
    (facts(loan_class=LoanClass.SUBSTANDARD, dpd=60), []),
    (facts(status=LoanStatus.WRITTEN_OFF, dpd=200), ["penalty-write-off"]),
])
def test_the_rules(loan, codes):
    assert [s.code for s in sanctions_for(loan)] == codes


def test_a_sanction_names_the_firm_the_loan_and_its_key():
    reward = reward_repaid_on_time(facts(status=LoanStatus.CLOSED))
    assert reward.kind == REWARD and reward.key(7) == "loan-7-reward" and "甲公司" in reward.body
    penalty = penalty_non_performing(facts(dpd=120))
    assert penalty.kind == PENALTY and penalty.data == {"loan_id": 7, "sanction": "penalty", "dpd": 120}
    assert "5,000.00" in penalty.body


def test_sanctions_are_published_once_and_other_rule_books_plug_in(world):
    loan = make_loan(world, lender="finance", amount="1000.00", periods=1, rate="0.12", start=date(2026, 5, 10))
    pay(world, loan, "1010.00", date(2026, 6, 10))
    loans = list(loans_to_disclose(lender=world.finance_company))
    assert sanctions_apply(cluster=world.cluster, loans=loans) == 1
    assert sanctions_apply(cluster=world.cluster, loans=loans) == 0
    reward = Publication.objects.get(key=f"loan-{loan.pk}-reward")
    assert (reward.category, reward.visibility, reward.subject) == (Category.SANCTION, Visibility.PUBLIC, world.firm)

    def praise_every_loan(facts):
        return Sanction(kind=REWARD, code="praise", title="Praise", body=facts.contract_no)

    assert sanctions_apply(cluster=world.cluster, loans=loans, rules=(*RULES, praise_every_loan)) == 1
    assert Publication.objects.filter(key=f"loan-{loan.pk}-praise").exists()
