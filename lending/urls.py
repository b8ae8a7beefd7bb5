"""Lending pages, mounted at /lending/ (namespace ``lending``).

Borrowers (member firms; the finance company when it borrows for its pool): the products they
may apply for, their applications and loans, repayment. Lenders (finance company, institutions,
investors): products, the application queue, the loan book, portfolio figures. The government:
the loans in its region, read-only. Application and loan pages are shared: each user sees the
steps their capabilities allow."""

from django.urls import path

from .views import applications, borrower, lender, loans

app_name = "lending"
urlpatterns = [
    # borrower
    path("products/", borrower.CatalogueView.as_view(), name="catalogue"),
    path("products/<int:pk>/apply/", borrower.ApplicationCreateView.as_view(), name="application-create"),
    path("products/<int:pk>/preview/", borrower.SchedulePreviewView.as_view(), name="schedule-preview"),
    path("applications/", borrower.MyApplicationsView.as_view(), name="my-applications"),
    path("applications/<int:pk>/", applications.ApplicationDetailView.as_view(), name="application-detail"),
    path("applications/<int:pk>/edit/", borrower.ApplicationEditView.as_view(), name="application-edit"),
    path("documents/<int:pk>/", borrower.ApplicationDocumentView.as_view(), name="application-document"),
    path("loans/", borrower.MyLoansView.as_view(), name="my-loans"),
    # one loan (borrower, lender, supervisors)
    path("loans/<int:pk>/", loans.LoanDetailView.as_view(), name="loan-detail"),
    path("loans/<int:pk>/repay/", loans.LoanRepayView.as_view(), name="loan-repay"),
    path("loans/<int:pk>/quote/", loans.LoanQuoteView.as_view(), name="loan-quote"),
    path("loans/<int:pk>/postings/", loans.LoanPostingsView.as_view(), name="loan-postings"),
    path("loans/<int:pk>/write-off/", loans.LoanWriteOffView.as_view(), name="loan-write-off"),
    path("loans/<int:pk>/classify/", loans.LoanClassifyView.as_view(), name="loan-classify"),
    path("repayments/<int:pk>/", loans.RepaymentDetailView.as_view(), name="repayment-detail"),
    # lender
    path("lender/products/", lender.ProductListView.as_view(), name="lender-products"),
    path("lender/products/new/", lender.ProductCreateView.as_view(), name="product-create"),
    path("lender/products/<int:pk>/edit/", lender.ProductEditView.as_view(), name="product-edit"),
    path("lender/applications/", lender.QueueView.as_view(), name="queue"),
    path("lender/loans/", lender.LoanBookView.as_view(), name="loan-book"),
    path("lender/portfolio/", lender.PortfolioView.as_view(), name="portfolio"),
    # government
    path("region/", lender.RegionLoanBookView.as_view(), name="region-book"),
]
