"""The ledger entries of the loan lifecycle (both sides: the lender's and the borrower's books).

Disbursement of P with fee F:
    lender   loans receivable (loan)  +P      cash  -(P-F)     fee income   -F
    borrower cash                     +(P-F)  fee expense  +F  borrowings (loan) -P
Repayment of T = penalty + interest + principal:
    lender   cash +T   loans receivable (loan) -principal   interest income -interest   penalty income -penalty
    borrower cash -T   borrowings (loan) +principal   interest expense +interest   penalty expense +penalty
    (after a write-off the lender's principal goes to recoveries of written-off loans instead)
Write-off of the outstanding principal O (the lender's decision; the borrower still owes it):
    lender   write-offs +O   loans receivable (loan) -O
"""

from __future__ import annotations

from decimal import Decimal

from ..choices import AccountPurpose as P
from ..choices import EntryKind, LoanStatus
from ..ledger.services import account_spec, accounts_get, entry_post


def post(*, loan, kind: str, key: str, payload: dict, effective_date, lines: list[tuple], user=None, memo: str = ""):
    """``lines`` are ``(agent_id, purpose, loan_id_or_None, amount)``."""
    specs = [account_spec(agent_id, purpose, loan_id) for agent_id, purpose, loan_id, _amount in lines]
    accounts = accounts_get(specs)
    return entry_post(idempotency_key=key, kind=kind, effective_date=effective_date, payload=payload, loan=loan,
                      user=user, memo=memo or loan.contract_no,
                      lines=[(accounts[spec], amount) for spec, (*_rest, amount) in zip(specs, lines, strict=True)])


def disbursement_lines(loan) -> list[tuple]:
    L, B, pk, principal, fee = loan.lender_id, loan.borrower_id, loan.pk, loan.principal, loan.fee
    return [
        (L, P.LOANS_RECEIVABLE, pk, principal), (L, P.CASH, None, -(principal - fee)), (L, P.FEE_INCOME, None, -fee),
        (B, P.CASH, None, principal - fee), (B, P.FEE_EXPENSE, None, fee), (B, P.BORROWINGS, pk, -principal),
    ]


def repayment_lines(loan, *, penalty: Decimal, interest: Decimal, principal: Decimal) -> list[tuple]:
    L, B, pk = loan.lender_id, loan.borrower_id, loan.pk
    total = penalty + interest + principal
    principal_account = ((L, P.RECOVERY_INCOME, None) if loan.status == LoanStatus.WRITTEN_OFF
                         else (L, P.LOANS_RECEIVABLE, pk))
    return [
        (L, P.CASH, None, total), (*principal_account, -principal), (L, P.INTEREST_INCOME, None, -interest),
        (L, P.PENALTY_INCOME, None, -penalty),
        (B, P.CASH, None, -total), (B, P.BORROWINGS, pk, principal), (B, P.INTEREST_EXPENSE, None, interest),
        (B, P.PENALTY_EXPENSE, None, penalty),
    ]


def repayment_accounts_open(loan) -> None:
    """Open, at disbursement, every account the loan's repayments will post to, so that the
    repayment hot path never creates accounts under contention."""
    accounts_get([account_spec(a, p, lo) for a, p, lo, _amount in
                  repayment_lines(loan, penalty=Decimal(0), interest=Decimal(0), principal=Decimal(0))])


def write_off_lines(loan, amount: Decimal) -> list[tuple]:
    return [(loan.lender_id, P.WRITE_OFF, None, amount), (loan.lender_id, P.LOANS_RECEIVABLE, loan.pk, -amount)]


__all__ = ["EntryKind", "disbursement_lines", "post", "repayment_accounts_open", "repayment_lines", "write_off_lines"]
