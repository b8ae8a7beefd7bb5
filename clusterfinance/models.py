"""Models of module 3, one package per capability. Each package keeps its models in its own
``models`` module; they are imported here so that Django registers them with this app.
Add one line per package (rating, pool, guarantees, sanctions, disclosure, schemes)."""

from .allocation.models import AllocationRun  # noqa: F401
from .disclosure.models import DisclosureCursor  # noqa: F401
from .guarantees.models import (  # noqa: F401
    ClaimRecovery,
    Contribution,
    FirmCapacity,
    FirmGuarantee,
    FundGuarantee,
    GuaranteeClaim,
    GuaranteeFund,
)
from .pool.models import FundSource, PoolPolicy, SourceMovement  # noqa: F401
from .rating.models import Rating, ScorecardVersion  # noqa: F401
from .sanctions.models import SanctionApplication, SanctionRule, SanctionRuleVersion  # noqa: F401
from .schemes.collective_bond.models import (  # noqa: F401
    BondDefault,
    BondIssue,
    BondPayment,
    BondRecovery,
    BondShare,
    BondSubscription,
)
from .schemes.group_loans.models import (  # noqa: F401
    GroupLoan,
    GroupMember,
    GroupPolicy,
    JointLiabilityCall,
    LoanGroup,
)
from .schemes.rotating_fund.models import FundMember, FundRound, LossShare, RotatingFund  # noqa: F401
