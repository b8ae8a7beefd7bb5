"""The reward and penalty rules, as data and pure functions.

A rule looks at one loan's facts (``LoanFacts``, no database) and returns the ``Sanction`` it
calls for, or None. ``RULES`` is the rule book applied today; a caller may pass its own (the
configurable rules of a later release plug in here). Each sanction has a ``code`` that is unique
per loan: it becomes the publication's key, so a sanction is published once however often the
rules run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from agents.money import quantize
from lending.choices import LoanClass, LoanStatus

REWARD, PENALTY = "reward", "penalty"
# More than this many days past due is a penalty (non-performing by days past due).
PENALTY_DPD = 90
PENALTY_CLASSES = (LoanClass.DOUBTFUL, LoanClass.LOSS)


@dataclass(frozen=True)
class LoanFacts:
    """What the rules may know about a loan."""

    loan_id: int
    contract_no: str
    borrower_name: str
    status: str
    dpd: int
    loan_class: str
    principal_outstanding: Decimal
    paid_late: bool  # some instalment was paid in full after its due date

    @classmethod
    def of(cls, loan) -> LoanFacts:
        """From a loan read by ``lending.selectors.loans_to_disclose`` (borrower and ``paid_late``)."""
        return cls(loan_id=loan.pk, contract_no=loan.contract_no, borrower_name=loan.borrower.name,
                   status=loan.status, dpd=loan.dpd, loan_class=loan.loan_class,
                   principal_outstanding=loan.principal_outstanding, paid_late=bool(loan.paid_late))


@dataclass(frozen=True)
class Sanction:
    """A reward or a penalty a rule calls for: its kind, its code (unique per loan), the title
    and body of its publication, and its structured data."""

    kind: str
    code: str
    title: str
    body: str
    data: dict = field(default_factory=dict)

    def key(self, loan_id: int) -> str:
        return f"loan-{loan_id}-{self.code}"


Rule = Callable[[LoanFacts], Sanction | None]


def _money(value) -> str:
    return f"{quantize(Decimal(value)):,}"


def reward_repaid_on_time(loan: LoanFacts) -> Sanction | None:
    """A loan repaid in full with every instalment on time is rewarded."""
    if loan.status != LoanStatus.CLOSED or loan.paid_late:
        return None
    return Sanction(kind=REWARD, code="reward", title=_("Reward: loan repaid in full and on time"),
                    body=_("%(firm)s repaid loan %(no)s in full, every instalment on time.")
                    % {"firm": loan.borrower_name, "no": loan.contract_no},
                    data={"loan_id": loan.loan_id, "sanction": REWARD})


def penalty_non_performing(loan: LoanFacts) -> Sanction | None:
    """A loan more than 90 days past due, classified doubtful or loss, or written off is penalised
    (a write-off is its own penalty, after a 90-days one)."""
    written_off = loan.status == LoanStatus.WRITTEN_OFF
    if not (written_off or loan.dpd > PENALTY_DPD or loan.loan_class in PENALTY_CLASSES):
        return None
    return Sanction(kind=PENALTY, code="penalty-write-off" if written_off else "penalty-npl",
                    title=(_("Penalty: loan written off") if written_off else _("Penalty: more than 90 days overdue")),
                    body=_("%(firm)s: loan %(no)s, %(dpd)s days past due, outstanding %(out)s yuan.")
                    % {"firm": loan.borrower_name, "no": loan.contract_no, "dpd": loan.dpd,
                       "out": _money(loan.principal_outstanding)},
                    data={"loan_id": loan.loan_id, "sanction": PENALTY, "dpd": loan.dpd})


RULES: tuple[Rule, ...] = (reward_repaid_on_time, penalty_non_performing)


def sanctions_for(loan: LoanFacts, rules: Iterable[Rule] = RULES) -> list[Sanction]:
    """The sanctions the rules call for on one loan, in rule order."""
    return [s for s in (rule(loan) for rule in rules) if s is not None]
