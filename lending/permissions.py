"""Who may do what in lending: capabilities granted by a membership role of the agent involved.

Maker-checker (DESIGN.md §5, recorded in docs/decisions.md, Issue 3):

* the **reviewer** (analyst / loan officer, or a manager) and the **approver** (a manager) of an
  application are two different people;
* **disbursement** is its own capability and must be done by someone other than the approver
  (typically the analyst or officer who prepared the file);
* a private investor lends as a natural person with one role, so for investor lenders the
  second-person rule cannot apply and is waived (the investor decides alone).

Platform superusers are not exempt: they run the platform, they do not lend or borrow.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from agents.choices import Role

APPLY = "apply"                      # prepare, submit, withdraw applications; accept the contract
REPAY = "repay"                      # pay an instalment through the platform (borrower side)
REVIEW = "review"                    # take an application into review and recommend
APPROVE = "approve"                  # approve or reject (with reasons)
DISBURSE = "disburse"                # pay the loan out (posts to the ledger)
RECORD_REPAYMENT = "record_repayment"  # record a payment received by the lender
WRITE_OFF = "write_off"              # write a non-performing loan off
CLASSIFY = "classify"                # classify a loan worse than its days past due (judgement)
MANAGE_PRODUCTS = "manage_products"  # create and change products

CAPABILITIES = {
    Role.ENTERPRISE_OWNER: {APPLY, REPAY},
    Role.ENTERPRISE_FINANCE: {APPLY, REPAY},
    Role.FC_ANALYST: {REVIEW, DISBURSE, RECORD_REPAYMENT, APPLY, REPAY},
    Role.FC_MANAGER: {REVIEW, APPROVE, DISBURSE, RECORD_REPAYMENT, WRITE_OFF, CLASSIFY, MANAGE_PRODUCTS, APPLY, REPAY},
    Role.INST_OFFICER: {REVIEW, DISBURSE, RECORD_REPAYMENT},
    Role.INST_MANAGER: {REVIEW, APPROVE, DISBURSE, RECORD_REPAYMENT, WRITE_OFF, CLASSIFY, MANAGE_PRODUCTS},
    Role.INVESTOR: {REVIEW, APPROVE, DISBURSE, RECORD_REPAYMENT, WRITE_OFF, CLASSIFY, MANAGE_PRODUCTS},
}

MESSAGES = {
    APPLY: _("Only the borrower's owner or finance staff may do this."),
    REPAY: _("Only the borrower's staff may pay this loan."),
    REVIEW: _("Only the lender's analysts, officers or managers may review applications."),
    APPROVE: _("Only a manager of the lender may approve or reject applications."),
    DISBURSE: _("You may not disburse loans of this lender."),
    RECORD_REPAYMENT: _("Only the lender's staff may record repayments received."),
    WRITE_OFF: _("Only a manager of the lender may write a loan off."),
    CLASSIFY: _("Only a manager of the lender may classify its loans."),
    MANAGE_PRODUCTS: _("Only a manager of the lender may manage its products."),
}


def capabilities_of(user, agent) -> set[str]:
    """The capabilities ``user`` holds for ``agent`` through active memberships (empty for anyone
    else, including superusers). Use it to decide which buttons a page shows."""
    if user is None or not getattr(user, "is_authenticated", False) or agent is None:
        return set()
    from agents.models import Membership

    roles = Membership.objects.filter(user=user, agent=agent, is_active=True, agent__status="active") \
        .values_list("role", flat=True)
    result: set[str] = set()
    for role in roles:
        result |= CAPABILITIES.get(role, set())
    return result


def capabilities_by_agent(user, agent_ids) -> dict[int, set[str]]:
    """``{agent_id: capabilities}`` for several agents in one query."""
    result: dict[int, set[str]] = {agent_id: set() for agent_id in agent_ids}
    if user is None or not getattr(user, "is_authenticated", False):
        return result
    from agents.models import Membership

    rows = Membership.objects.filter(user=user, agent_id__in=list(agent_ids), is_active=True,
                                     agent__status="active").values_list("agent_id", "role")
    for agent_id, role in rows:
        result[agent_id] |= CAPABILITIES.get(role, set())
    return result


def can(user, agent, capability: str) -> bool:
    return capability in capabilities_of(user, agent)


def require(user, agent, capability: str) -> None:
    if not can(user, agent, capability):
        raise PermissionDenied(MESSAGES[capability])


def four_eyes_waived(lender) -> bool:
    """The second-person rule applies to organisations; an individual investor decides alone."""
    return lender.kind == "investor"
