"""Lending's facts for the centre's feedback loop (DESIGN.md §1): every disbursement, repayment
and write-off writes an event in the same transaction (the outbox), so followers are notified,
the finance company's disclosure and the government see it, and ratings re-score the borrower
(``rescore.requested``, registered in ``LendingConfig.ready``)."""

from __future__ import annotations

from agents.models import Agent
from infocenter.services.events import event_emit

DISBURSED, REPAID, WRITTEN_OFF = "loan.disbursed", "loan.repayment", "loan.written_off"
RESCORE_KINDS = (DISBURSED, REPAID, WRITTEN_OFF)


def _agent(pk: int) -> Agent:
    # Only the id is needed for the foreign key: no query on the repayment hot path.
    agent = Agent(pk=pk)
    agent._state.adding = False
    return agent


def loan_event(kind: str, *, loan, user=None, payload: dict, kick: bool = True):
    return event_emit(
        kind=kind, subject_agent=_agent(loan.borrower_id), actor=user, actor_agent=_agent(loan.lender_id),
        payload={"loan_id": loan.pk, "contract_no": loan.contract_no, "lender_id": loan.lender_id,
                 "borrower_id": loan.borrower_id, **payload},
        agent_ids=[loan.borrower_id], kick=kick,
    )
