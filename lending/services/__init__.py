"""Writes of lending (DESIGN.md §4.1): keyword-only, ``@transaction.atomic``, raw input parsed
strictly; bad input raises ``ValidationError`` (keyed by field where a form can show it) and
changes nothing; a forbidden action raises ``PermissionDenied``. The full list with signatures
is in docs/lending.md ("For developers")."""

from ..ledger.services import IdempotencyConflict, capital_contribute, entry_reverse
from .applications import (
                           application_contract,
                           application_create,
                           application_decide,
                           application_document_add,
                           application_review,
                           application_review_start,
                           application_submit,
                           application_update,
                           application_withdraw,
                           validate_terms,
)
from .delinquency import DelinquencyReport, delinquency_run, loan_refresh_delinquency
from .loans import loan_classify, loan_disburse, loan_write_off
from .products import product_create, product_update
from .repayments import loan_payoff_quote, repayment_record

__all__ = [
    "DelinquencyReport", "IdempotencyConflict", "application_contract", "application_create", "application_decide",
    "application_document_add", "application_review", "application_review_start", "application_submit",
    "application_update", "application_withdraw", "capital_contribute", "delinquency_run", "entry_reverse",
    "loan_classify", "loan_disburse", "loan_payoff_quote", "loan_refresh_delinquency", "loan_write_off", "product_create",
    "product_update", "repayment_record", "validate_terms",
]
