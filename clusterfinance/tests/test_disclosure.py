"""Module 3 disclosure: the monthly platform disclosure's figures to the fen, its timing, its
idempotency, and the continuous disclosure of the finance company's records."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command

from agents.choices import Role
from agents.services import membership_create
from agents.tests.factories import MembershipFactory
from clusterfinance import disclosure
from infocenter.choices import Category, Visibility
from infocenter.models import Publication
from lending.services import delinquency_run
from lending.tests.factories import make_loan, pay

D = Decimal


@pytest.fixture
def book(world):
    """Loan A: finance company → firm, 12,000 at 12 % over 12 months from 15 January, two
    instalments paid on time. Loan B: bank → other firm, 24,000 at 12 % from 10 March, nothing
    paid. A bank officer also acts for the other firm (a related party)."""
    a = make_loan(world, lender="finance", amount="12000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    pay(world, a, "1066.19", date(2026, 2, 15))
    pay(world, a, "1066.19", date(2026, 3, 15))
    owner = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER).user
    b = make_loan(world, lender="bank", amount="24000.00", periods=12, rate="0.12", start=date(2026, 3, 10),
                  borrower=world.other_firm, borrower_user=owner)
    membership_create(user=world.users["institution_officer"], agent=world.other_firm, role=Role.ENTERPRISE_FINANCE)
    return a, b


def test_monthly_figures_to_the_fen(world, book):
    f = disclosure.platform_figures(cluster=world.cluster, period="2026-04")
    assert (f.cumulative_amount, f.cumulative_count) == (D("36000.00"), 2)
    assert (f.month_amount, f.month_count) == (D("0.00"), 0)
    # A: 12,000 − 946.19 − 955.65 principal repaid by the end of April
    assert (f.outstanding_amount, f.outstanding_count) == (D("34098.16"), 2)
    assert (f.borrowers, f.lenders) == (2, 2)
    assert f.top10_share == D("1.0000")
    assert f.largest_share == D("0.7039")  # 24,000 / 34,098.16
    assert (f.related_party_count, f.related_party_amount) == (1, D("24000.00"))
    # A's third instalment (due 15 April) and B's first (due 10 April) are unpaid at the end of April
    assert (f.overdue_count, f.overdue_amount) == (2, D("3198.56"))
    assert (f.overdue_90_count, f.overdue_90_amount) == (0, D("0.00"))
    assert (f.overdue_rate_amount, f.overdue_rate_count) == (D("1.0000"), D("1.0000"))
    assert f.guarantor_compensation_month == D("0.00")


def test_figures_of_an_earlier_month_ignore_later_payments(world, book):
    f = disclosure.platform_figures(cluster=world.cluster, period="2026-02")
    # only A existed; its first instalment was paid on 15 February
    assert (f.cumulative_amount, f.outstanding_amount, f.overdue_count) == (D("12000.00"), D("11053.81"), 0)


def test_monthly_disclosure_is_public_and_published_once(world, book):
    first = disclosure.monthly_disclosure_publish(cluster=world.cluster, period="2026-04")
    second = disclosure.monthly_disclosure_publish(cluster=world.cluster, period="2026-04")
    assert first.pk == second.pk
    assert Publication.objects.filter(category=Category.PLATFORM_DISCLOSURE).count() == 1
    assert first.visibility == Visibility.PUBLIC and first.data["outstanding_amount"] == "34098.16"
    assert "34,098.16" in first.body
    assert Publication.objects.restrict(AnonymousUser()).filter(pk=first.pk).exists()


@pytest.mark.parametrize(("today", "due"), [
    (date(2026, 11, 2), "2026-10"),  # Monday, first working day
    (date(2026, 11, 6), "2026-10"),  # Friday, fifth working day
    (date(2026, 11, 7), None),  # Saturday
    (date(2026, 11, 9), None),  # sixth working day: too late, already published or to be done by hand
    (date(2026, 1, 1), "2025-12"),  # across the year
])
def test_monthly_disclosure_falls_in_the_first_five_working_days(today, due):
    assert disclosure.monthly_disclosure_due(today=today) == due


def test_continuous_disclosure_of_the_finance_company_records(world, book):
    a, _b = book
    delinquency_run(as_of=date(2026, 11, 26))
    new = disclosure.records_disclose(cluster=world.cluster, today=date(2026, 11, 26))
    keys = set(Publication.objects.filter(publisher=world.finance_company).exclude(category="business_record")
               .values_list("key", flat=True))  # the loan's business record is the business module's, not a disclosure
    assert {f"application-{a.application_id}-submitted", f"application-{a.application_id}-decided",
            f"loan-{a.pk}-disbursed", f"loan-{a.pk}-repayments-2026-02", f"loan-{a.pk}-repayments-2026-03",
            f"loan-{a.pk}-penalty-npl"} <= keys
    assert new == len(keys)
    # only the finance company's own lending is disclosed as its records (the bank's loan is not)
    assert not Publication.objects.filter(key__startswith=f"loan-{_b.pk}-").exists()
    # run again: nothing new
    assert disclosure.records_disclose(cluster=world.cluster, today=date(2026, 11, 26)) == 0
    penalty = Publication.objects.get(key=f"loan-{a.pk}-penalty-npl")
    assert penalty.category == Category.SANCTION and penalty.visibility == Visibility.PUBLIC
    record = Publication.objects.get(key=f"loan-{a.pk}-repayments-2026-02")
    assert record.subject == world.firm and record.visibility == Visibility.MEMBERS
    assert not Publication.objects.restrict(AnonymousUser()).filter(pk=record.pk).exists()
    assert Publication.objects.restrict(world.users["institution"]).filter(pk=record.pk).exists()


def test_reward_for_a_loan_repaid_in_full_on_time(world):
    loan = make_loan(world, lender="finance", amount="1000.00", periods=1, rate="0.12", start=date(2026, 5, 10))
    pay(world, loan, "1010.00", date(2026, 6, 10))
    loan.refresh_from_db()
    assert loan.status == "closed"
    disclosure.records_disclose(cluster=world.cluster, today=date(2026, 11, 26))
    reward = Publication.objects.get(key=f"loan-{loan.pk}-reward")
    assert reward.category == Category.SANCTION and reward.data["sanction"] == "reward"
    assert reward.visibility == Visibility.PUBLIC


def test_disclose_command(world, book):
    out = StringIO()
    call_command("disclose", "--month", "2026-04", stdout=out)
    assert "monthly platform disclosure 2026-04" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("disclose", "--month", "2026-13")
    with pytest.raises(CommandError):
        call_command("disclose", "--month", "2099-01")
