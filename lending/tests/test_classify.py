"""The lender's judgement on a loan's five-category class: worse than its days past due only,
kept by the nightly run and by repayments, withdrawn by the lender, recorded and told to the
centre; and the page where a manager records it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from infocenter.models import Event
from lending import services
from lending.choices import LoanClass, LoanStatus
from lending.models import BucketMove
from lending.tests.factories import make_loan, pay
from lending.tests.view_helpers import by_testid, en_fixture, loan_started  # noqa: F401

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)


@pytest.fixture
def loan(world):
    return make_loan(world, amount="12000.00", periods=12, rate="0.12", start=START)


def classify(world, loan, loan_class, reason="企业已停产，仅靠担保人代付", user="finance"):
    return services.loan_classify(loan=loan, user=world.users[user], loan_class=loan_class, reason=reason)


def test_a_current_loan_judged_substandard_is_classified_so_with_history_and_event(world, loan):
    loan = classify(world, loan, LoanClass.SUBSTANDARD)
    loan.refresh_from_db()
    assert (loan.loan_class, loan.judged_class, loan.dpd) == (LoanClass.SUBSTANDARD, LoanClass.SUBSTANDARD, 0)
    assert loan.judged_by == world.users["finance"] and loan.judged_reason.startswith("企业已停产")
    move = BucketMove.objects.get(loan=loan)
    assert (move.from_class, move.to_class, move.from_bucket, move.to_bucket) == (
        LoanClass.NORMAL, LoanClass.SUBSTANDARD, "current", "current")
    event = Event.objects.get(kind="loan.delinquency_changed")
    assert event.subject_agent == world.firm and event.payload["judgement"] is True
    assert (event.payload["from_class"], event.payload["to_class"]) == ("normal", "substandard")


def test_the_nightly_run_and_repayments_keep_the_worse_of_judgement_and_days(world, loan):
    classify(world, loan, LoanClass.DOUBTFUL)
    services.delinquency_run(as_of=date(2026, 3, 20))  # 33 days late: special mention by days alone
    loan.refresh_from_db()
    assert (loan.dpd, loan.loan_class) == (33, LoanClass.DOUBTFUL)
    pay(world, loan, loan.instalments.get(period=1).total_unpaid, date(2026, 3, 20))
    loan.refresh_from_db()
    assert loan.loan_class == LoanClass.DOUBTFUL  # paying does not undo the lender's judgement
    # withdrawn: back to the days past due alone
    classify(world, loan, "", reason="企业复产，订单恢复")
    loan.refresh_from_db()
    assert (loan.judged_class, loan.loan_class) == ("", LoanClass.SPECIAL_MENTION)
    assert list(BucketMove.objects.filter(loan=loan).values_list("to_class", flat=True).order_by("pk"))[-1] == \
        LoanClass.SPECIAL_MENTION


def test_days_past_due_worse_than_the_judgement_win(world, loan):
    classify(world, loan, LoanClass.SPECIAL_MENTION)
    services.delinquency_run(as_of=date(2026, 6, 20))  # the first instalment is 126 days late
    loan.refresh_from_db()
    assert loan.loan_class == LoanClass.SUBSTANDARD


@pytest.mark.parametrize(("loan_class", "reason", "field", "message"), [
    (LoanClass.NORMAL, "理由", "loan_class", "a judgement can only classify it worse"),
    ("excellent", "理由", "loan_class", "Choose a class from the list."),
    (LoanClass.LOSS, "   ", "reason", "Record the reasons for the classification."),
])
def test_bad_classifications_are_explained_and_change_nothing(world, loan, loan_class, reason, field, message):
    with pytest.raises(ValidationError) as refused:
        classify(world, loan, loan_class, reason=reason)
    assert message in " ".join(refused.value.message_dict[field])
    loan.refresh_from_db()
    assert (loan.loan_class, loan.judged_class) == (LoanClass.NORMAL, "")
    assert not BucketMove.objects.exists() and not Event.objects.filter(kind="loan.delinquency_changed").exists()


def test_only_a_manager_of_the_lender_classifies(world, loan):
    for user in ("finance_analyst", "enterprise", "institution"):
        with pytest.raises(PermissionDenied):
            classify(world, loan, LoanClass.LOSS, user=user)
    loan.refresh_from_db()
    assert loan.loan_class == LoanClass.NORMAL


def test_a_closed_loan_cannot_be_classified(world, loan):
    loan.status = LoanStatus.CLOSED
    loan.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="Only an active loan"):
        classify(world, loan, LoanClass.LOSS)


def test_the_manager_classifies_on_the_page_and_the_officer_sees_no_button(world, en, client):
    loan = loan_started(world, 1, amount="30000.00")
    detail = reverse("lending:loan-detail", args=[loan.pk])
    assert by_testid(en("institution").get(detail), "classify")
    client.force_login(world.users["institution_officer"])
    assert not by_testid(client.get(detail), "classify")
    url = reverse("lending:loan-classify", args=[loan.pk])
    assert client.get(url).status_code == 404

    response = en("institution").post(url, {"loan_class": "normal", "reason": "观察"})
    assert "a judgement can only classify it worse" in by_testid(response, "error-loan_class")[0]
    response = en("institution").post(url, {"loan_class": "doubtful", "reason": ""})
    assert "This field is required." in by_testid(response, "error-reason")[0]
    loan.refresh_from_db()
    assert loan.loan_class == LoanClass.NORMAL

    response = en("institution").post(url, {"loan_class": "doubtful", "reason": "法院已受理对该企业的破产申请"})
    assert response.status_code == 302
    page = en("institution").get(detail)
    assert "Doubtful" in by_testid(page, "loan-class")[0]
    assert "法院已受理" in by_testid(page, "judgement")[0]
    # the borrower sees the class but not the lender's reasons
    assert not by_testid(en("enterprise").get(detail), "judgement")
    assert loan.principal_outstanding == Decimal("30000.00")
