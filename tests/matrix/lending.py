"""Permission matrix rows for lending URLs."""

EXPECTED: dict = {}

# --- the lending admin (engine) -------------------------------------------------------
# Lending's admin pages are read-only (the ledger is append-only; loans change only through the
# services), so adding and deleting answer 403 to the superuser instead of the usual 200 / 302.
from tests.matrix import Case, statuses  # noqa: E402

_READ_ONLY_ADMIN = ("account", "application", "bucketmove", "journalentry", "ledgeralert", "loan", "product",
                    "repayment")
for _model in _READ_ONLY_ADMIN:
    EXPECTED[f"admin:lending_{_model}_add"] = Case(statuses(302, superuser=403))
    EXPECTED[f"admin:lending_{_model}_delete"] = Case(statuses(302, superuser=403))


# --- the lending pages (pages) --------------------------------------------------------
# Objects are built through the engine's services (lending/tests/factories.py): a product of the
# bank for member firms, a submitted application of the firm, a loan of the bank to the firm.
from tests.matrix import only  # noqa: E402

_BORROWERS = only("enterprise", "finance")  # member firms; the finance company borrowing for its pool
_LENDERS = only("finance", "institution", "investor")
_LOAN_VIEWERS = only("enterprise", "finance", "government", "institution", "superuser")  # + cluster FC, region gov
_LOAN_PARTIES = only("enterprise", "institution")  # borrower pays, lender records a payment
_APPLICATION_PARTIES = only("enterprise", "institution", "superuser")


def _bank_product(world):
    from lending.tests.factories import make_product

    return {"pk": make_product(world, "bank").pk}


def _application(world, *, submit=True):
    from lending import services
    from lending.tests.factories import make_product

    application = services.application_create(
        product=make_product(world, "bank"), applicant=world.firm, user=world.users["enterprise"], amount="10000",
        periods=12, purpose="采购原材料", submit=submit)
    return application


def _submitted(world):
    return {"pk": _application(world).pk}


def _draft(world):
    return {"pk": _application(world, submit=False).pk}


def _document(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lending import services

    document = services.application_document_add(
        application=_application(world), user=world.users["enterprise"], title="财务报表",
        file=SimpleUploadedFile("statement.pdf", b"%PDF-1.4\n% statement\n", content_type="application/pdf"))
    return {"pk": document.pk}


def _loan(world):
    from lending.tests.factories import make_loan

    return {"pk": make_loan(world, lender="bank").pk}


def _repayment(world):
    from datetime import date

    from lending.tests.factories import make_loan, pay

    loan = make_loan(world, lender="bank")
    return {"pk": pay(world, loan, "500.00", date(2026, 2, 15)).pk}


EXPECTED.update({
    # borrower
    "lending:catalogue": Case(_BORROWERS),
    "lending:application-create": Case(only("enterprise"), kwargs=_bank_product),
    "lending:schedule-preview": Case(only("enterprise"), kwargs=_bank_product, query="?amount=10000&periods=12"),
    "lending:my-applications": Case(_BORROWERS),
    "lending:application-detail": Case(_APPLICATION_PARTIES, kwargs=_submitted),
    "lending:application-edit": Case(only("enterprise"), kwargs=_draft),
    "lending:application-document": Case(_APPLICATION_PARTIES, kwargs=_document),
    "lending:my-loans": Case(_BORROWERS),
    # one loan
    "lending:loan-detail": Case(_LOAN_VIEWERS, kwargs=_loan),
    "lending:loan-repay": Case(_LOAN_PARTIES, kwargs=_loan),
    "lending:loan-quote": Case(_LOAN_PARTIES, kwargs=_loan, query="?paid_on=2026-03-01"),
    "lending:loan-postings": Case(only("enterprise", "institution", "superuser"), kwargs=_loan),
    "lending:loan-write-off": Case(only("institution"), kwargs=_loan),  # a manager of the lender
    "lending:loan-classify": Case(only("institution"), kwargs=_loan),  # a manager of the lender
    "lending:repayment-detail": Case(_LOAN_VIEWERS, kwargs=_repayment),
    # lender
    "lending:lender-products": Case(_LENDERS),
    "lending:product-create": Case(_LENDERS),  # the matrix's lender users are managers
    "lending:product-edit": Case(only("institution"), kwargs=_bank_product),
    "lending:queue": Case(_LENDERS),
    "lending:loan-book": Case(_LENDERS, query="?status=active&loan_class=special_mention"),
    "lending:portfolio": Case(_LENDERS),
    # government
    "lending:region-book": Case(only("government")),
})
