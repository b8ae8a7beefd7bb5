"""Reads of lending, one module per aggregate: products, applications, loans, the ledger's
accounts and the portfolio figures. Every queryset a user can reach goes through
``restrict()``; selectors never call services."""

from .accounts import account_postings, ledger_accounts
from .applications import (
    APPLICATION_QUEUE_STATUSES,
    QUEUE_OPEN,
    applications_for_applicant,
    applications_for_lender,
    awaiting_disbursement,
    queue_counts,
)
from .disclosure import (
    LOAN_FACT_KINDS,
    PlatformFigures,
    applications_to_disclose,
    cluster_disclosure_figures,
    loans_changed_since,
    loans_to_disclose,
    repayment_months,
)
from .loans import (
    book_totals,
    borrowers_of,
    disbursements_by_month,
    lenders_of_region,
    loan_for,
    loan_history,
    loan_schedule,
    loans_for_borrower,
    loans_for_lender,
    region_loans,
    with_delinquency,
)
from .portfolio import (
    BorrowerSummary,
    PortfolioFigures,
    borrower_summary,
    lender_summary,
    portfolio_by_bucket,
    portfolio_by_class,
    portfolio_figures,
    portfolio_loans,
    region_clusters,
)
from .products import lenders_serving, products_for_borrower, products_for_lender, products_offered, schedule_preview
from .repayment_behaviour import BEHAVIOUR_FIELDS, defaulted_borrowers, repayment_behaviour

__all__ = [
    # the finance company's disclosure
    "LOAN_FACT_KINDS", "PlatformFigures", "applications_to_disclose", "cluster_disclosure_figures",
    "loans_changed_since", "loans_to_disclose", "repayment_months",
    "APPLICATION_QUEUE_STATUSES", "BEHAVIOUR_FIELDS", "QUEUE_OPEN", "BorrowerSummary", "PortfolioFigures",
    "account_postings",
    "applications_for_applicant", "applications_for_lender", "defaulted_borrowers", "awaiting_disbursement", "book_totals", "borrower_summary",
    "borrowers_of", "disbursements_by_month", "ledger_accounts", "lender_summary", "lenders_of_region",
    "lenders_serving", "loan_for", "loan_history", "loan_schedule", "loans_for_borrower", "loans_for_lender",
    "portfolio_by_bucket", "portfolio_by_class", "portfolio_figures", "portfolio_loans", "products_for_borrower",
    "products_for_lender", "products_offered", "queue_counts", "region_clusters", "region_loans",
    "repayment_behaviour",    "schedule_preview", "with_delinquency",
]
