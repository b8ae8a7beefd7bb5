"""Models of lending and the ledger. The ledger lives in ``lending.ledger`` and shares
the ``lending`` app label."""

from lending.ledger.models import Account, JournalEntry, LedgerAlert, Posting

from .applications import Application, ApplicationDocument
from .loans import BucketMove, Instalment, Loan, Repayment, RepaymentAllocation
from .private_lending import PrivateLendingCaps
from .products import Product
from .related_parties import SecondedManager, Shareholding
from .standing import LendingHold, LendingStanding

__all__ = [
    "Account", "Application", "ApplicationDocument", "BucketMove", "Instalment", "JournalEntry", "LedgerAlert",
    "LendingHold", "LendingStanding", "Loan", "Posting", "PrivateLendingCaps", "Product", "Repayment", "RepaymentAllocation",
    "SecondedManager", "Shareholding",
]
