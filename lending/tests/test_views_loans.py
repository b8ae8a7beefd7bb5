"""Loans as the borrower, the lender and the supervisors see them: my loans, the loan page with
its schedule, repaying (allocation shown, double submission posts once, bad input changes
nothing, prepayment with the payoff quote), the ledger postings, the government's read-only
book, and the summary cards on the portal homes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lending import selectors, services
from lending.choices import InstalmentStatus, LoanStatus, RepaymentChannel, RepaymentKind
from lending.ledger.models import JournalEntry, Posting
from lending.models import Repayment
from lending.tests.factories import make_product
from lending.tests.view_helpers import (  # noqa: F401 (fixture `en`)
    by_testid,
    en_fixture,
    loan_started,
    text,
)

pytestmark = pytest.mark.django_db

KEY = "3b2f4c1e-7a6d-4e8f-9b0a-1c2d3e4f5a6b"


def _repay(client, loan, amount, on=None, key=KEY):
    return client.post(reverse("lending:loan-repay", args=[loan.pk]), {
        "amount": amount, "paid_on": (on or timezone.localdate()).isoformat(), "idempotency_key": key})


# --- my loans and the loan page -----------------------------------------------------------------

def test_my_loans_lists_the_firms_loans_with_their_delinquency(world, en):
    late = loan_started(world, 3, amount="12000.00")
    services.delinquency_run()
    late.refresh_from_db()
    page = en("enterprise").get(reverse("lending:my-loans"))
    rows = by_testid(page, "loan-row")
    assert len(rows) == 1 and late.contract_no in rows[0]
    assert by_testid(page, "paid-count") == ["0/12"]
    assert str(late.dpd) in rows[0] and "Special mention" in rows[0]
    # other firms and lenders without a part in it see nothing of it
    assert en("investor").get(reverse("lending:loan-detail", args=[late.pk])).status_code == 404


def test_my_loans_runs_a_fixed_number_of_queries(world, en, django_assert_max_num_queries):
    product = make_product(world, "bank")
    for _n in range(15):
        loan_started(world, 2, product=product)
    client = en("enterprise")
    client.get(reverse("lending:my-loans"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("lending:my-loans"))
    assert len(by_testid(response, "loan-row")) == 15


def test_the_loan_page_shows_the_schedule_with_status_and_the_repay_button(world, en):
    loan = loan_started(world, 2, days=1, amount="12000.00")  # two instalments fell due before today
    services.delinquency_run()
    page = en("enterprise").get(reverse("lending:loan-detail", args=[loan.pk]))
    rows = by_testid(page, "instalment-row")
    assert len(rows) == 12
    assert "Overdue" in rows[0] and "Overdue" in rows[1] and "Not yet due" in rows[2]
    assert by_testid(page, "repay") and not by_testid(page, "record-repayment")
    quote = services.loan_payoff_quote(loan=loan, on=timezone.localdate())
    assert by_testid(page, "due-now") == [f"¥{quote['due_now']:,.2f}"]
    assert by_testid(page, "payoff") == [f"¥{quote['total']:,.2f}"]
    # the lender records payments received instead
    lender_page = en("institution").get(reverse("lending:loan-detail", args=[loan.pk]))
    assert by_testid(lender_page, "record-repayment") and not by_testid(lender_page, "repay")


def test_a_lender_without_platform_payments_sends_the_firm_to_its_counter(world, en):
    loan = loan_started(world, 1, accepts_platform_payments=False)
    page = en("enterprise").get(reverse("lending:loan-detail", args=[loan.pk]))
    assert not by_testid(page, "repay") and "pay at the lender's counter" in text(page)
    repay_page = en("enterprise").get(reverse("lending:loan-repay", args=[loan.pk]))
    assert by_testid(repay_page, "counter-only") and not by_testid(repay_page, "pay")
    response = _repay(en("enterprise"), loan, "100")
    assert "does not accept repayments through the platform" in by_testid(response, "form-error")[0]
    assert not Repayment.objects.exists()
    # the lender records the payment made at its counter
    assert _repay(en("institution"), loan, "100").status_code == 302
    assert Repayment.objects.get().channel == RepaymentChannel.LENDER


# --- repaying -----------------------------------------------------------------------------------

def test_firm_repays_what_is_due_and_sees_the_allocation(world, en):
    loan = loan_started(world, 2, days=1, amount="12000.00", rate="0.12")
    services.delinquency_run()
    client = en("enterprise")
    page = client.get(reverse("lending:loan-repay", args=[loan.pk]))
    assert page.status_code == 200 and by_testid(page, "pay")
    quote = services.loan_payoff_quote(loan=loan, on=timezone.localdate())
    assert by_testid(page, "quote-due-now") == [f"¥{quote['due_now']:,.2f}"]

    response = _repay(client, loan, f"{quote['due_now']}")
    repayment = Repayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:repayment-detail", args=[repayment.pk])
    assert repayment.kind == RepaymentKind.REGULAR and repayment.channel == RepaymentChannel.PLATFORM
    assert repayment.penalty_amount == quote["penalty"] > 0

    detail = client.get(response["Location"])
    assert by_testid(detail, "to-penalty") == [f"¥{repayment.penalty_amount:,.2f}"]
    assert by_testid(detail, "to-interest") == [f"¥{repayment.interest_amount:,.2f}"]
    assert by_testid(detail, "to-principal") == [f"¥{repayment.principal_amount:,.2f}"]
    assert by_testid(detail, "allocation-total") == [f"¥{quote['due_now']:,.2f}"]
    assert len(by_testid(detail, "allocation-row")) == 2  # the two instalments due, oldest first
    assert "Payment of" in text(detail)

    loan.refresh_from_db()
    page = client.get(reverse("lending:loan-detail", args=[loan.pk]))
    rows = by_testid(page, "instalment-row")
    assert "Paid" in rows[0] and "Paid" in rows[1] and "Not yet due" in rows[2]
    assert loan.dpd == 0 and by_testid(page, "due-now") == ["¥0.00"]


def test_a_double_submitted_repayment_posts_once(world, en):
    loan = loan_started(world, 1, amount="12000.00")
    client = en("enterprise")
    first = _repay(client, loan, "500.00")
    second = _repay(client, loan, "500.00")  # the same form again (double click, refresh, back + resubmit)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Repayment.objects.count() == 1
    assert JournalEntry.objects.filter(loan=loan, kind="repayment").count() == 1
    page = client.get(second["Location"])
    assert "This payment was already recorded; nothing was paid twice." in text(page)
    loan.refresh_from_db()
    assert loan.principal_outstanding == Decimal("12000.00") - Repayment.objects.get().principal_amount


def test_the_same_form_with_another_amount_pays_nothing_and_gets_a_new_key(world, en):
    loan = loan_started(world, 1, amount="12000.00")
    client = en("enterprise")
    _repay(client, loan, "500.00")
    response = _repay(client, loan, "300.00")
    assert "This form was already used for another payment; nothing was paid." in by_testid(response, "form-error")[0]
    assert Repayment.objects.count() == 1
    new_key = response.context["form"].data["idempotency_key"]
    assert new_key != KEY
    assert _repay(client, loan, "300.00", key=new_key).status_code == 302
    assert Repayment.objects.count() == 2


@pytest.mark.parametrize(("field", "value", "message"), [
    ("amount", "-100", "cannot be negative"),
    ("amount", "0", "must be greater than zero"),
    ("amount", "abc", "is not an amount"),
    ("amount", "NaN", "is not an amount"),
    ("amount", "1e400", "too large"),
    ("amount", "10.001", "at most two decimals"),
    ("amount", "99999999", "more than is owed on the loan"),
    ("paid_on", "2026-02-30", "is not a valid date"),
    ("paid_on", "yesterday", "is not a valid date"),
    ("paid_on", "future", "cannot be in the future"),
    ("paid_on", "before", "not yet disbursed on that date"),
])
def test_bad_repayments_are_explained_and_post_nothing(world, en, field, value, message):
    loan = loan_started(world, 2, amount="12000.00")
    if value == "future":
        value = (timezone.localdate() + timedelta(days=1)).isoformat()
    elif value == "before":
        value = (loan.disbursed_on - timedelta(days=1)).isoformat()
    data = {"amount": "100", "paid_on": timezone.localdate().isoformat(), "idempotency_key": KEY, field: value}
    response = en("enterprise").post(reverse("lending:loan-repay", args=[loan.pk]), data)
    assert response.status_code == 200
    errors = by_testid(response, f"error-{field}")
    assert errors and message in errors[0], errors
    assert not Repayment.objects.exists()
    assert not JournalEntry.objects.filter(kind="repayment").exists()


def test_full_width_digits_are_refused_and_nothing_is_paid(world, en):
    loan = loan_started(world, 1, amount="12000.00")
    response = _repay(en("enterprise"), loan, "１，０００.５０")
    assert response.status_code == 200
    assert "use half-width digits, e.g. 1,000.50" in response.content.decode()
    assert not Repayment.objects.exists()


def test_paying_the_payoff_quote_settles_the_loan(world, en):
    loan = loan_started(world, 3, amount="12000.00")
    client = en("enterprise")
    quote_page = client.get(reverse("lending:loan-quote", args=[loan.pk]),
                            {"paid_on": timezone.localdate().isoformat()}, HTTP_HX_REQUEST="true")
    quote = services.loan_payoff_quote(loan=loan, on=timezone.localdate())
    assert by_testid(quote_page, "quote-total") == [f"¥{quote['total']:,.2f}"]
    assert _repay(client, loan, f"{quote['total']}").status_code == 302
    loan.refresh_from_db()
    repayment = Repayment.objects.get()
    assert loan.status == LoanStatus.CLOSED and loan.principal_outstanding == 0
    assert repayment.kind == RepaymentKind.FULL and repayment.prepaid_principal > 0
    page = client.get(reverse("lending:loan-detail", args=[loan.pk]))
    assert not by_testid(page, "repay")
    assert all(s == InstalmentStatus.PAID for s in loan.instalments.exclude(status="superseded")
               .values_list("status", flat=True))


def test_a_partial_prepayment_shrinks_the_later_instalments(world, en):
    loan = loan_started(world, 0, amount="12000.00", rate="0.12")
    before = list(selectors.loan_schedule(loan=loan))
    response = _repay(en("enterprise"), loan, "6000.00")
    repayment = Repayment.objects.get()
    assert repayment.kind == RepaymentKind.PREPAYMENT and repayment.prepaid_principal > 0
    detail = en("enterprise").get(response["Location"])
    assert "the later instalments were recomputed" in text(detail)
    after = list(selectors.loan_schedule(loan=loan))
    assert after[-1].total_due < before[-1].total_due


def test_quote_for_a_bad_date_is_explained(world, en):
    loan = loan_started(world, 1)
    page = en("enterprise").get(reverse("lending:loan-quote", args=[loan.pk]), {"paid_on": "2026-02-30"})
    assert "is not a valid date" in text(page)


# --- postings ----------------------------------------------------------------------------------

def test_postings_show_each_party_its_own_side_of_the_ledger(world, en):
    loan = loan_started(world, 1, amount="12000.00")
    _repay(en("enterprise"), loan, "500.00")
    borrower_rows = by_testid(en("enterprise").get(reverse("lending:loan-postings", args=[loan.pk])), "posting-row")
    lender_rows = by_testid(en("institution").get(reverse("lending:loan-postings", args=[loan.pk])), "posting-row")
    assert borrower_rows and lender_rows
    assert all(world.firm.name in r for r in borrower_rows)
    assert all(world.bank.name in r for r in lender_rows)
    own = Posting.objects.filter(entry__loan=loan, account__agent=world.bank).count()
    assert len(lender_rows) == own
    assert en("government").get(reverse("lending:loan-postings", args=[loan.pk])).status_code == 404


# --- government -----------------------------------------------------------------------------------

def test_government_sees_the_regions_loans_read_only(world, en):
    loan = loan_started(world, 4, amount="50000.00")
    services.delinquency_run()
    page = en("government").get(reverse("lending:region-book"))
    rows = by_testid(page, "loan-row")
    assert len(rows) == 1 and loan.contract_no in rows[0] and world.bank.name in rows[0]
    assert by_testid(page, "figures")  # the cluster's portfolio figures
    detail = en("government").get(reverse("lending:loan-detail", args=[loan.pk]))
    assert detail.status_code == 200
    assert by_testid(detail, "loan-actions") == [""]  # no button at all
    assert en("government").post(reverse("lending:loan-repay", args=[loan.pk]), {}).status_code == 404


def test_region_book_runs_a_fixed_number_of_queries(world, en, django_assert_max_num_queries):
    product = make_product(world, "bank")
    for _n in range(10):
        loan_started(world, 2, product=product)
    client = en("government")
    client.get(reverse("lending:region-book"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("lending:region-book"))
    assert len(by_testid(response, "loan-row")) == 10


# --- summary cards on the portal homes --------------------------------------------------------

def test_portal_homes_show_the_lending_cards(world, en):
    loan = loan_started(world, 2, amount="12000.00")
    services.delinquency_run()
    make_product(world, "bank")
    services.application_create(product=loan.product, applicant=world.firm, user=world.users["enterprise"],
                                amount="5000", periods=6, purpose="周转", submit=True)
    loan.refresh_from_db()

    firm_home = en("enterprise").get(reverse("enterprises:portal"))
    assert by_testid(firm_home, "summary-outstanding") == [f"¥{loan.principal_outstanding:,.2f}"]
    overdue = by_testid(firm_home, "summary-overdue")[0]
    assert overdue != "¥0.00"
    next_due = loan.instalments.filter(status="pending").order_by("due_date").first().due_date
    assert by_testid(firm_home, "summary-next-due") == [next_due.isoformat()]

    bank_home = en("institution").get(reverse("institutions:portal"))
    assert by_testid(bank_home, "lending-card") and "New applications 1" in by_testid(bank_home, "queue-counts")[0]
    figures = selectors.portfolio_figures(lender=world.bank)
    assert by_testid(bank_home, "fig-par30") == [f"{figures.par30 * 100:.2f}%"]

    fc_home = en("finance").get(reverse("clusterfinance:members"))
    assert by_testid(fc_home, "lending-card")

    gov_home = en("government").get(reverse("government:portal"))
    assert by_testid(gov_home, "region-loans-card") and by_testid(gov_home, "region-book-link")
    assert by_testid(gov_home, "fig-outstanding") == [f"{loan.principal_outstanding / 10000:,.2f} 万元"]
