"""Lending's capabilities, declared in the core registry (``agents.capabilities``) from
``LendingConfig.ready()``.

Maker-checker (DESIGN.md §5, recorded in docs/decisions.md):

* the **reviewer** (analyst / loan officer, or a manager) and the **approver** (a manager) of an
  application are two different people;
* **disbursement** is its own capability and must be done by someone other than the approver
  (typically the analyst or officer who prepared the file);
* a private investor lends as a natural person with one role, so for investor lenders the
  second-person rule cannot apply and is waived (the investor decides alone).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from agents.capabilities import capability_declare
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
RECORD_SHAREHOLDING = "record_shareholding"  # record shareholdings and seconded managers (related parties)

_BORROWER = (Role.ENTERPRISE_OWNER, Role.ENTERPRISE_FINANCE, Role.FC_ANALYST, Role.FC_MANAGER)
_LENDER_STAFF = (Role.FC_ANALYST, Role.FC_MANAGER, Role.INST_OFFICER, Role.INST_MANAGER, Role.INVESTOR)
_LENDER_MANAGERS = (Role.FC_MANAGER, Role.INST_MANAGER, Role.INVESTOR)

DECLARATIONS = {
    APPLY: (_BORROWER, _("Only the borrower's owner or finance staff may do this.")),
    REPAY: (_BORROWER, _("Only the borrower's staff may pay this loan.")),
    REVIEW: (_LENDER_STAFF, _("Only the lender's analysts, officers or managers may review applications.")),
    APPROVE: (_LENDER_MANAGERS, _("Only a manager of the lender may approve or reject applications.")),
    DISBURSE: (_LENDER_STAFF, _("You may not disburse loans of this lender.")),
    RECORD_REPAYMENT: (_LENDER_STAFF, _("Only the lender's staff may record repayments received.")),
    WRITE_OFF: (_LENDER_MANAGERS, _("Only a manager of the lender may write a loan off.")),
    CLASSIFY: (_LENDER_MANAGERS, _("Only a manager of the lender may classify its loans.")),
    MANAGE_PRODUCTS: (_LENDER_MANAGERS, _("Only a manager of the lender may manage its products.")),
    RECORD_SHAREHOLDING: ((Role.FC_ANALYST, Role.FC_MANAGER, Role.INST_OFFICER, Role.INST_MANAGER),
                          _("Only the finance company's staff or an institution's officers may record "
                            "shareholdings.")),
}


def declare() -> None:
    for code, (roles, message) in DECLARATIONS.items():
        capability_declare(code, roles=roles, message=message)
