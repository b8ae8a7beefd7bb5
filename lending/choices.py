"""Choices of lending and the ledger (DESIGN.md §7 glossary: the Chinese names stay beside the English)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class RepaymentMethod(models.TextChoices):
    EQUAL_INSTALMENT = "equal_instalment", _("等额本息 Equal instalments")
    EQUAL_PRINCIPAL = "equal_principal", _("等额本金 Equal principal")
    INTEREST_ONLY = "interest_only", _("先息后本 Interest-only, principal at maturity")
    BULLET = "bullet", _("一次性还本付息 Bullet (principal and interest at maturity)")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


# months between two due dates, and periods in a year (rate per period = annual / periods)
MONTHS_PER_PERIOD = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3}
PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4}


class InstalmentMultiple(models.TextChoices):
    """How an instalment is rounded: to the fen by default, or to whole yuan as lenders often do."""

    FEN = "0.01", _("To the fen (0.01 yuan)")
    YUAN = "1", _("Multiples of 1 yuan")
    TEN = "10", _("Multiples of 10 yuan")
    HUNDRED = "100", _("Multiples of 100 yuan")


INSTALMENT_MULTIPLES = tuple(Decimal(v) for v in InstalmentMultiple.values)


class BorrowerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Member firms")
    FINANCE_COMPANY = "finance_company", _("The cluster finance company (funding of the pool)")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CONTRACTED = "contracted", _("Contracted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReviewRecommendation(models.TextChoices):
    APPROVE = "approve", _("Recommend approval")
    REJECT = "reject", _("Recommend rejection")


class LoanStatus(models.TextChoices):
    CONTRACTED = "contracted", _("Contracted, awaiting disbursement")
    ACTIVE = "active", _("Being repaid")
    CLOSED = "closed", _("Repaid and closed")
    WRITTEN_OFF = "written_off", _("Written off")


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", _("Not yet due")
    OVERDUE = "overdue", _("Overdue")
    PAID = "paid", _("Paid")
    SUPERSEDED = "superseded", _("Replaced by a recomputed schedule")


class RepaymentKind(models.TextChoices):
    PARTIAL = "partial", _("Partial (less than what is due)")
    REGULAR = "regular", _("Regular")
    EARLY = "early", _("Early payment of the next instalment")
    PREPAYMENT = "prepayment", _("Prepayment (schedule recomputed)")
    FULL = "full", _("Full settlement")


class RepaymentChannel(models.TextChoices):
    PLATFORM = "platform", _("Paid through the platform")
    LENDER = "lender", _("Recorded by the lender")
    SYSTEM = "system", _("System (import or batch)")


class DelinquencyBucket(models.TextChoices):
    """Days-past-due buckets (逾期天数分段)."""

    CURRENT = "current", _("Current (not overdue)")
    DPD_1_30 = "1-30", _("1–30 days past due")
    DPD_31_60 = "31-60", _("31–60 days past due")
    DPD_61_90 = "61-90", _("61–90 days past due")
    DPD_91_180 = "91-180", _("91–180 days past due")
    DPD_181_360 = "181-360", _("181–360 days past due")
    DPD_OVER_360 = ">360", _("More than 360 days past due")


# (upper bound of days past due, bucket); the last bucket has no upper bound.
BUCKET_BOUNDS = (
    (0, DelinquencyBucket.CURRENT),
    (30, DelinquencyBucket.DPD_1_30),
    (60, DelinquencyBucket.DPD_31_60),
    (90, DelinquencyBucket.DPD_61_90),
    (180, DelinquencyBucket.DPD_91_180),
    (360, DelinquencyBucket.DPD_181_360),
    (None, DelinquencyBucket.DPD_OVER_360),
)


class LoanClass(models.TextChoices):
    """五级分类 — the five-category loan classification."""

    NORMAL = "normal", _("正常 Normal")
    SPECIAL_MENTION = "special_mention", _("关注 Special mention")
    SUBSTANDARD = "substandard", _("次级 Substandard")
    DOUBTFUL = "doubtful", _("可疑 Doubtful")
    LOSS = "loss", _("损失 Loss")


# Days past due → class, following the overdue floors of the 2023 CBIRC/PBoC rules on the risk
# classification of financial assets (商业银行金融资产风险分类办法): overdue at all → at least
# special mention; more than 90 days → substandard; more than 270 → doubtful; more than 360 → loss.
CLASS_BOUNDS = (
    (0, LoanClass.NORMAL),
    (90, LoanClass.SPECIAL_MENTION),
    (270, LoanClass.SUBSTANDARD),
    (360, LoanClass.DOUBTFUL),
    (None, LoanClass.LOSS),
)
NON_PERFORMING_CLASSES = (LoanClass.SUBSTANDARD, LoanClass.DOUBTFUL, LoanClass.LOSS)


def bucket_for(dpd: int) -> str:
    for bound, bucket in BUCKET_BOUNDS:
        if bound is None or dpd <= bound:
            return bucket
    raise AssertionError("unreachable")


def class_rank(loan_class: str) -> int:
    """The risk order of the five categories (normal 0 … loss 4; blank −1)."""
    return LoanClass.values.index(loan_class) if loan_class else -1


def class_for(dpd: int, judged: str = "") -> str:
    """The class by days past due, or the lender's judged class when that is worse."""
    for bound, loan_class in CLASS_BOUNDS:
        if bound is None or dpd <= bound:
            return judged if class_rank(judged) > class_rank(loan_class) else loan_class
    raise AssertionError("unreachable")


def class_sql(dpd_column: str, judged_column: str) -> str:
    """``class_for`` as a SQL expression (for the set-based nightly run)."""
    by_dpd = case_sql(dpd_column, CLASS_BOUNDS)

    def rank(expr: str) -> str:
        whens = " ".join(f"WHEN '{value}' THEN {n}" for n, value in enumerate(LoanClass.values))
        return f"(CASE {expr} {whens} ELSE -1 END)"

    return f"(CASE WHEN {rank(judged_column)} > {rank(by_dpd)} THEN {judged_column} ELSE {by_dpd} END)"


def case_sql(column: str, bounds) -> str:
    """The same mapping as a SQL CASE expression (for the set-based nightly run)."""
    parts = [f"WHEN {column} <= {bound} THEN '{value}'" for bound, value in bounds if bound is not None]
    return f"CASE {' '.join(parts)} ELSE '{bounds[-1][1]}' END"


# --- ledger ----------------------------------------------------------------------------------


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class AccountPurpose(models.TextChoices):
    CASH = "cash", _("Cash and settlement")
    LOANS_RECEIVABLE = "loans_receivable", _("Loans receivable")
    INTEREST_RECEIVABLE = "interest_receivable", _("Interest receivable")
    INTEREST_INCOME = "interest_income", _("Interest income")
    PENALTY_INCOME = "penalty_income", _("Penalty interest income")
    FEE_INCOME = "fee_income", _("Fee income")
    RECOVERY_INCOME = "recovery_income", _("Recoveries of written-off loans")
    BORROWINGS = "borrowings", _("Borrowings")
    DEPOSITS = "deposits", _("Deposits")
    GUARANTEE_FUND = "guarantee_fund", _("Guarantee fund")
    SUBSIDY_INCOME = "subsidy_income", _("Interest subsidy received")
    SUBSIDY_EXPENSE = "subsidy_expense", _("Interest subsidy paid")
    WRITE_OFF = "write_off", _("Loan write-offs")
    INTEREST_EXPENSE = "interest_expense", _("Interest expense")
    PENALTY_EXPENSE = "penalty_expense", _("Penalty interest expense")
    FEE_EXPENSE = "fee_expense", _("Fee expense")
    CAPITAL = "capital", _("Capital")
    PLACEMENTS = "placements", _("Funds placed with others")
    CREDIT_LINES_DRAWN = "credit_lines_drawn", _("Credit lines drawn")
    CREDIT_LINES_EXTENDED = "credit_lines_extended", _("Credit lines extended")
    NOTES_ISSUED = "notes_issued", _("Notes issued")
    NOTES_HELD = "notes_held", _("Notes held")
    PROGRAMME_FUNDS = "programme_funds", _("Government funds held")
    # a defaulter's repayment to the mutual guarantee fund of what it paid the lender on its behalf
    GUARANTEE_REIMBURSED = "guarantee_reimbursed", _("Guarantee claims reimbursed")


ACCOUNT_TYPE_OF = {
    AccountPurpose.CASH: AccountType.ASSET,
    AccountPurpose.LOANS_RECEIVABLE: AccountType.ASSET,
    AccountPurpose.INTEREST_RECEIVABLE: AccountType.ASSET,
    AccountPurpose.INTEREST_INCOME: AccountType.INCOME,
    AccountPurpose.PENALTY_INCOME: AccountType.INCOME,
    AccountPurpose.FEE_INCOME: AccountType.INCOME,
    AccountPurpose.RECOVERY_INCOME: AccountType.INCOME,
    AccountPurpose.BORROWINGS: AccountType.LIABILITY,
    AccountPurpose.DEPOSITS: AccountType.LIABILITY,
    AccountPurpose.GUARANTEE_FUND: AccountType.LIABILITY,
    AccountPurpose.SUBSIDY_INCOME: AccountType.INCOME,
    AccountPurpose.SUBSIDY_EXPENSE: AccountType.EXPENSE,
    AccountPurpose.WRITE_OFF: AccountType.EXPENSE,
    AccountPurpose.INTEREST_EXPENSE: AccountType.EXPENSE,
    AccountPurpose.PENALTY_EXPENSE: AccountType.EXPENSE,
    AccountPurpose.FEE_EXPENSE: AccountType.EXPENSE,
    AccountPurpose.CAPITAL: AccountType.EQUITY,
    AccountPurpose.PLACEMENTS: AccountType.ASSET,
    AccountPurpose.CREDIT_LINES_DRAWN: AccountType.LIABILITY,
    AccountPurpose.CREDIT_LINES_EXTENDED: AccountType.ASSET,
    AccountPurpose.NOTES_ISSUED: AccountType.LIABILITY,
    AccountPurpose.NOTES_HELD: AccountType.ASSET,
    AccountPurpose.PROGRAMME_FUNDS: AccountType.LIABILITY,
    AccountPurpose.GUARANTEE_REIMBURSED: AccountType.EXPENSE,
}
# Purposes whose accounts exist once per loan (the loan's own receivable / borrowing).
PER_LOAN_PURPOSES = (AccountPurpose.LOANS_RECEIVABLE, AccountPurpose.BORROWINGS)


class Currency(models.TextChoices):
    CNY = "CNY", _("Renminbi (CNY)")


class EntryKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")
    REPAYMENT = "repayment", _("Repayment")
    WRITE_OFF = "write_off", _("Write-off")
    REVERSAL = "reversal", _("Reversal")
    OPENING = "opening", _("Opening balance / capital")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER = "transfer", _("Transfer between agents")


# Entries that only the loan services post (a transfer may not imitate them).
LOAN_ENTRY_KINDS = (EntryKind.DISBURSEMENT, EntryKind.REPAYMENT, EntryKind.WRITE_OFF)


class AlertKind(models.TextChoices):
    UNBALANCED_ENTRY = "unbalanced_entry", _("Unbalanced journal entry")
    LEDGER_NOT_ZERO = "ledger_not_zero", _("The ledger does not sum to zero")
    BALANCE_MISMATCH = "balance_mismatch", _("Cached balance differs from its postings")
    LOAN_MISMATCH = "loan_mismatch", _("Loan balance differs from its ledger accounts")
