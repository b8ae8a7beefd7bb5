"""Lending's facts for the centre's feedback loop (DESIGN.md §1): every disbursement, repayment,
write-off and nightly change of delinquency bucket or class writes an event in the same
transaction (the outbox), so followers are notified,
the finance company's disclosure and the government see it, and ratings re-score the borrower
(``rescore.requested``: the kinds below are declared ``rescores_subject``)."""

from __future__ import annotations

from infocenter.event_kinds import event_kind_declare
from infocenter.services.events import event_insert, event_row

from .ledger.events import LEDGER_ALERT_RAISED  # noqa: F401  (declared by the ledger, which knows no loan)

# Every loan fact re-scores the borrower (the feedback loop): declared here, when the centre
# imports this module in its ready() (it imports every app's ``events``), so the centre's
# trigger list is complete before any event is dispatched.
DISBURSED = event_kind_declare("loan.disbursed", owner="lending", rescores_subject=True, bulk=True)
REPAID = event_kind_declare("loan.repaid", owner="lending", rescores_subject=True, bulk=True)
WRITTEN_OFF = event_kind_declare("loan.written_off", owner="lending", rescores_subject=True)
# the nightly run moved the loan to another delinquency bucket or five-category class
# (written set-based by ``services.delinquency``, with the same payload keys as ``loan_event_row``)
DELINQUENCY_CHANGED = event_kind_declare("loan.delinquency_changed", owner="lending", rescores_subject=True, bulk=True)


def loan_event_row(kind: str, *, loan, user=None, payload: dict) -> dict:
    """The event row of a loan fact (column values; see ``infocenter.services.events.event_row``)."""
    return event_row(
        kind=kind, subject_agent_id=loan.borrower_id, actor_id=getattr(user, "pk", None),
        actor_agent_id=loan.lender_id, agent_ids=[loan.borrower_id],
        payload={"loan_id": loan.pk, "contract_no": loan.contract_no, "lender_id": loan.lender_id,
                 "borrower_id": loan.borrower_id, **payload},
    )


def loan_event(kind: str, *, loan, user=None, payload: dict, kick: bool = True):
    """Write the event of a loan fact in the caller's transaction (the outbox)."""
    return event_insert(loan_event_row(kind, loan=loan, user=user, payload=payload), kick=kick)
