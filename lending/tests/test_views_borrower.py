"""The borrower's pages: catalogue, writing an application with the schedule preview, bad input,
submitting, withdrawing, documents, and the list of applications."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agents.choices import Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from lending import services
from lending.choices import ApplicationStatus, RepaymentMethod
from lending.models import Application, ApplicationDocument
from lending.schedules import build_schedule
from lending.tests.factories import make_product
from lending.tests.view_helpers import by_testid, en_fixture, text  # noqa: F401 (fixture `en`)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a statement\n"


def _apply_url(product):
    return reverse("lending:application-create", args=[product.pk])


def _post_application(client, product, **overrides):
    data = {"amount": "120000", "periods": "12", "annual_rate": "", "purpose": "采购原材料"}
    data.update(overrides)
    return client.post(_apply_url(product), data)


# --- catalogue ----------------------------------------------------------------------------------

def test_catalogue_shows_the_products_of_the_lenders_serving_the_cluster(world, en):
    bank_product = make_product(world, "bank", name="银行经营贷")
    fc_product = make_product(world, "finance", name="集群周转贷")
    pool_product = make_product(world, "bank", name="资金池融资", borrower_kind="finance_company")
    closed = make_product(world, "bank", name="已关闭产品", is_active=False)
    outsider = AgentFactory(kind="institution", name="外地银行")  # not in the firm's cluster
    manager = MembershipFactory(agent=outsider, role=Role.INST_MANAGER, user=UserFactory()).user
    services.product_create(lender=outsider, user=manager, name="外地贷款", min_amount="1000", max_amount="10000",
                            min_periods=1, max_periods=12, method=RepaymentMethod.EQUAL_INSTALMENT,
                            rate_min="0.05", rate_max="0.10")

    page = text(en("enterprise").get(reverse("lending:catalogue")))
    assert bank_product.name in page and fc_product.name in page
    assert pool_product.name not in page and closed.name not in page and "外地贷款" not in page

    # the finance company borrows for its pool: it sees the pool product of its cluster's bank
    page = text(en("finance").get(reverse("lending:catalogue")))
    assert pool_product.name in page and bank_product.name not in page


def test_a_product_outside_the_catalogue_cannot_be_applied_for(world, en):
    pool_product = make_product(world, "bank", borrower_kind="finance_company")
    assert en("enterprise").get(_apply_url(pool_product)).status_code == 404
    assert _post_application(en("enterprise"), pool_product).status_code == 404
    assert not Application.objects.exists()


# --- the schedule preview -------------------------------------------------------------------------

def test_preview_shows_exactly_the_numbers_of_build_schedule(world, en):
    product = make_product(world, "bank", rate_min="0.06", rate_max="0.12")
    response = en("enterprise").get(reverse("lending:schedule-preview", args=[product.pk]),
                                    {"amount": "5000", "periods": "18", "annual_rate": "12"}, HTTP_HX_REQUEST="true")
    expected = build_schedule(principal=Decimal("5000"), annual_rate=Decimal("0.12"), periods=18,
                              method=RepaymentMethod.EQUAL_INSTALMENT, start=timezone.localdate())
    rows = by_testid(response, "schedule-row")
    assert len(rows) == 18
    for row, instalment in zip(rows, expected, strict=True):
        assert row.split() == [str(instalment.period), instalment.due_date.isoformat(),
                               f"¥{instalment.principal:,.2f}", f"¥{instalment.interest:,.2f}",
                               f"¥{instalment.total:,.2f}", f"¥{instalment.balance:,.2f}"]
    assert by_testid(response, "schedule-total-interest") == ["¥488.41"]  # the reference vector
    assert by_testid(response, "first-payment") == ["¥304.91"]


def test_preview_explains_what_stops_it(world, en):
    product = make_product(world, "bank", min_amount="1000", max_amount="50000", max_periods=24, rate_max="0.12")
    url = reverse("lending:schedule-preview", args=[product.pk])
    cases = {
        ("-5", "12"): "cannot be negative",
        ("NaN", "12"): "is not an amount",
        ("900000", "12"): "This product lends from 1,000.00 to 50,000.00 yuan.",
        ("10000", "0"): "at least one period",
        ("10000", "36"): "This product's term is 1 to 24 periods.",
    }
    for (amount, periods), message in cases.items():
        errors = by_testid(en("enterprise").get(url, {"amount": amount, "periods": periods}), "preview-errors")
        assert errors and message in errors[0], (amount, periods, errors)
    rate = by_testid(en("enterprise").get(url, {"amount": "10000", "periods": "12", "annual_rate": "30"}),
                  "preview-errors")
    assert "between 0% and 12%" in rate[0]
    assert "Enter the amount and the term" in text(en("enterprise").get(url))


# --- writing, submitting, withdrawing --------------------------------------------------------

def test_firm_writes_a_draft_sees_the_schedule_then_submits(world, en):
    product = make_product(world, "bank", rate_min="0.05", rate_max="0.12")
    client = en("enterprise")
    page = client.get(_apply_url(product))
    assert page.status_code == 200 and "Repayment schedule (preview)" in text(page)

    response = client.post(_apply_url(product), {
        "amount": "12,000.50", "periods": "12", "annual_rate": "6.5", "purpose": "采购原材料",
        "document_title": "", "document": SimpleUploadedFile("报表.pdf", PDF, content_type="application/pdf")})
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lending:application-detail",
                                                                           args=[application.pk])
    assert application.status == ApplicationStatus.DRAFT
    assert application.amount == Decimal("12000.50") and application.annual_rate == Decimal("0.065")
    assert application.documents.get().title == "报表.pdf"

    # the lender does not see a draft
    assert en("institution").get(reverse("lending:application-detail", args=[application.pk])).status_code == 404
    assert "12,000.50" not in text(en("institution").get(reverse("lending:queue")))

    detail = client.get(response["Location"])
    schedule = build_schedule(principal=Decimal("12000.50"), annual_rate=Decimal("0.065"), periods=12,
                              method=product.method, start=timezone.localdate())
    assert len(by_testid(detail, "schedule-row")) == 12
    assert by_testid(detail, "first-payment") == [f"¥{schedule.first_payment:,.2f}"]
    assert by_testid(detail, "submit-application")

    response = client.post(response["Location"], {"action": "submit"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.submitted_by == world.users["enterprise"]
    assert "12,000.50" in text(en("institution").get(reverse("lending:queue")))
    # no second submission, no edit after submission
    assert not by_testid(client.get(response["Location"]), "submit-application")
    assert client.get(reverse("lending:application-edit", args=[application.pk])).status_code == 404


@pytest.mark.parametrize(("field", "value", "message"), [
    ("amount", "-100", "The amount cannot be negative."),
    ("amount", "0", "The amount must be greater than zero."),
    ("amount", "abc", "“abc” is not an amount."),
    ("amount", "NaN", "“NaN” is not an amount."),
    ("amount", "Infinity", "is not an amount."),
    ("amount", "99999999999999", "The amount is too large"),
    ("amount", "100.005", "Amounts have at most two decimals (fen)."),
    ("amount", "6000000", "This product lends from 1,000.00 to 5,000,000.00 yuan."),
    ("periods", "0", "The term must be at least one period."),
    ("periods", "1.5", "The term must be a whole number of periods."),
    ("periods", "", "This field is required."),
    ("periods", "361", "The term is too long"),
    ("annual_rate", "30", "This product's annual rate is between 0% and 24%."),
    ("annual_rate", "500", "An annual rate above 100% is not plausible"),
    ("annual_rate", "-1", "The interest rate cannot be negative."),
    ("annual_rate", "NaN", "is not an interest rate."),
    ("purpose", "", "This field is required."),
])
def test_bad_input_on_the_application_form_is_explained_and_saves_nothing(world, en, field, value, message):
    product = make_product(world, "bank")
    response = _post_application(en("enterprise"), product, **{field: value})
    assert response.status_code == 200
    errors = by_testid(response, f"error-{field}")
    assert errors and message in errors[0], errors
    assert not Application.objects.exists()


def test_a_renamed_executable_is_refused_as_a_document(world, en):
    product = make_product(world, "bank")
    response = _post_application(en("enterprise"), product, document=SimpleUploadedFile(
        "报表.pdf", b"MZ\x90\x00binary", content_type="application/pdf"))
    assert "does not match its extension" in by_testid(response, "error-document")[0]
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()


def test_documents_are_added_on_the_page_and_downloaded_by_both_parties(world, en):
    product = make_product(world, "bank")
    application = services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                              amount="10000", periods=6, purpose="设备", submit=True)
    url = reverse("lending:application-detail", args=[application.pk])
    response = en("enterprise").post(url, {"action": "document", "title": "营业执照",
                                           "file": SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    document = application.documents.get()
    download = reverse("lending:application-document", args=[document.pk])
    assert en("institution").get(download).status_code == 200
    assert b"".join(en("enterprise").get(download).streaming_content) == PDF
    assert en("investor").get(download).status_code == 404
    # a title is required
    response = en("enterprise").post(url, {"action": "document", "title": "",
                                           "file": SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf")})
    assert by_testid(response, "error-title") and application.documents.count() == 1


def test_editing_a_draft_checks_the_product_again(world, en):
    product = make_product(world, "bank", max_amount="50000")
    application = services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                              amount="10000", periods=6, purpose="设备")
    url = reverse("lending:application-edit", args=[application.pk])
    assert en("enterprise").get(url).status_code == 200
    response = en("enterprise").post(url, {"amount": "60000", "periods": "6", "annual_rate": "", "purpose": "设备"})
    assert "This product lends from" in by_testid(response, "error-amount")[0]
    response = en("enterprise").post(url, {"amount": "20000", "periods": "9", "annual_rate": "", "purpose": "设备"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.amount, application.periods) == (Decimal("20000.00"), 9)
    assert en("institution").get(url).status_code == 404


def test_withdrawing_an_application(world, en):
    application = services.application_create(product=make_product(world, "bank"), applicant=world.firm,
                                              user=world.users["enterprise"], amount="10000", periods=6,
                                              purpose="设备", submit=True)
    url = reverse("lending:application-detail", args=[application.pk])
    assert by_testid(en("enterprise").get(url), "withdraw-application")
    en("enterprise").post(url, {"action": "withdraw"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    # a second withdrawal is refused with the engine's message, nothing changes
    response = en("enterprise").post(url, {"action": "withdraw"})
    assert "cannot be done to an application that is “Withdrawn”" in by_testid(response, "action-error")[0]


def test_an_unknown_action_is_a_bad_request(world, en):
    application = services.application_create(product=make_product(world, "bank"), applicant=world.firm,
                                              user=world.users["enterprise"], amount="10000", periods=6,
                                              purpose="设备")
    url = reverse("lending:application-detail", args=[application.pk])
    assert en("enterprise").post(url, {"action": "approve-myself"}).status_code == 400


def test_my_applications_runs_a_fixed_number_of_queries(world, en, django_assert_max_num_queries):
    product = make_product(world, "bank")
    client = en("enterprise")
    client.get(reverse("lending:my-applications"))  # warm up the session
    for n in range(30):
        services.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                    amount=f"{10000 + n}", periods=6, purpose="设备", submit=n % 2 == 0)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("lending:my-applications"), {"tab": "all"})
    assert len(by_testid(response, "application-row")) == 25  # one page
