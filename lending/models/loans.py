"""Loans, their instalments, repayments and the history of delinquency buckets."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import cluster_members_q, government_prefixes_q
from agents.money import MONEY_FIELD, ZERO
from agents.restrict import NOTHING, RestrictedManager, Viewer

from ..choices import (
    DelinquencyBucket,
    Frequency,
    InstalmentMultiple,
    InstalmentStatus,
    LoanClass,
    LoanStatus,
    RepaymentChannel,
    RepaymentKind,
    RepaymentMethod,
)
from .products import RATE_FIELD


def loan_visible_q(viewer: Viewer, prefix: str = "") -> Q:
    """Loans a viewer may see, as a ``Q`` on a model reaching the loan through ``prefix``:
    its lender and borrower, the finance company of the borrower's cluster (it rates its members
    on their repayment record) and the government of the borrower's region (supervision)."""
    q = Q(**{f"{prefix}lender_id__in": viewer.agent_ids}) | Q(**{f"{prefix}borrower_id__in": viewer.agent_ids})
    fc_ids = viewer.ids_of("finance_company")
    if fc_ids:
        q |= cluster_members_q(finance_company=fc_ids, field=f"{prefix}borrower_id")
    q |= government_prefixes_q(viewer, f"{prefix}borrower__region_code")
    return q


class Loan(models.Model):
    """A loan contract between a lender (finance company, institution or investor) and a borrower
    (a member firm, or the finance company funding its pool), with the terms copied from the
    approved application. Disbursement posts to the ledger and creates the instalments;
    ``principal_outstanding`` is the principal the borrower still owes (cached, reconciled with
    the ledger by ``ledger_check``); ``dpd``/``bucket``/``loan_class`` are set by the nightly
    delinquency run."""

    contract_no = models.CharField(_("contract number"), max_length=40, unique=True)
    application = models.OneToOneField("lending.Application", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="loan", verbose_name=_("application"))
    product = models.ForeignKey("lending.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="loans", verbose_name=_("product"))
    lender = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="loans_given",
                               verbose_name=_("lender"))
    borrower = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="loans_taken",
                                 verbose_name=_("borrower"))
    principal = models.DecimalField(_("principal"), **MONEY_FIELD)
    annual_rate = models.DecimalField(_("annual rate"), **RATE_FIELD)
    penalty_rate = models.DecimalField(_("penalty annual rate"), **RATE_FIELD)
    periods = models.PositiveSmallIntegerField(_("term (periods)"))
    method = models.CharField(_("repayment method"), max_length=20, choices=RepaymentMethod.choices)
    frequency = models.CharField(_("repayment frequency"), max_length=10, choices=Frequency.choices)
    instalment_multiple = models.CharField(_("instalment rounding"), max_length=5,
                                           choices=InstalmentMultiple.choices, default=InstalmentMultiple.FEN)
    fee = models.DecimalField(_("upfront fee"), default=0, **MONEY_FIELD)
    status = models.CharField(_("status"), max_length=12, choices=LoanStatus.choices,
                              default=LoanStatus.CONTRACTED, db_index=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    maturity_date = models.DateField(_("maturity"), null=True, blank=True)
    principal_outstanding = models.DecimalField(_("outstanding principal"), default=0, **MONEY_FIELD)
    dpd = models.PositiveIntegerField(_("days past due"), default=0)
    bucket = models.CharField(_("delinquency bucket"), max_length=8, choices=DelinquencyBucket.choices,
                              default=DelinquencyBucket.CURRENT)
    loan_class = models.CharField(_("classification"), max_length=16, choices=LoanClass.choices,
                                  default=LoanClass.NORMAL)
    delinquency_as_of = models.DateField(_("delinquency as of"), null=True, blank=True)
    # The lender's judgement (贷款风险分类 is not by days past due alone): the loan is classified at
    # least this badly whatever its days past due; blank = by days past due only.
    judged_class = models.CharField(_("classified by judgement as at least"), max_length=16,
                                    choices=LoanClass.choices, blank=True)
    judged_reason = models.TextField(_("reasons for the classification"), blank=True)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("classified by"))
    judged_on = models.DateField(_("classified on"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    disbursed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("disbursed by"))
    disbursement_key = models.CharField(_("disbursement idempotency key"), max_length=200, blank=True)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    written_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("written off by"))
    written_off_amount = models.DecimalField(_("principal written off"), default=0, **MONEY_FIELD)
    write_off_reason = models.TextField(_("reason for the write-off"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-disbursed_on", "-id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [
            models.Index(fields=["lender", "status"], name="lending_loan_lender_status"),
            models.Index(fields=["borrower", "status"], name="lending_loan_borrower_status"),
            # a lender's loans being repaid, ids in the index (the pool's inflow projection joins
            # them to their open instalments without reading the loans table)
            models.Index(fields=["lender"], include=["id"], condition=Q(status="active"),
                         name="lending_loan_active_lender"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(principal_outstanding__gte=0), name="lending_loan_outstanding_gte_0"),
            models.CheckConstraint(condition=Q(principal_outstanding__lte=F("principal")),
                                   name="lending_loan_outstanding_lte_principal"),
        ]

    def __str__(self) -> str:
        return self.contract_no

    @property
    def instalment_multiple_decimal(self) -> Decimal:
        return Decimal(self.instalment_multiple)

    @property
    def is_npl(self) -> bool:
        return self.loan_class in (LoanClass.SUBSTANDARD, LoanClass.DOUBTFUL, LoanClass.LOSS)

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        if action == "view":
            return loan_visible_q(viewer)
        if action == "repay":  # the borrower pays, or the lender records a payment
            return Q(lender_id__in=viewer.agent_ids) | Q(borrower_id__in=viewer.agent_ids)
        if action == "change":
            return Q(lender_id__in=viewer.agent_ids)
        return NOTHING


class Instalment(models.Model):
    """One instalment of a loan's schedule: what is due on ``due_date`` and what has been paid,
    plus penalty interest (罚息) accrued on the unpaid amount after the due date (kept here,
    recognised in the ledger when collected). A prepayment marks the future instalments
    ``superseded`` and adds the recomputed ones."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="instalments")
    period = models.PositiveSmallIntegerField(_("instalment no."))
    period_start = models.DateField(_("period starts"))
    due_date = models.DateField(_("due date"))
    accrual_periods = models.PositiveSmallIntegerField(_("interest periods covered"), default=1)
    principal_due = models.DecimalField(_("principal due"), **MONEY_FIELD)
    interest_due = models.DecimalField(_("interest due"), **MONEY_FIELD)
    principal_paid = models.DecimalField(_("principal paid"), default=0, **MONEY_FIELD)
    interest_paid = models.DecimalField(_("interest paid"), default=0, **MONEY_FIELD)
    penalty_accrued = models.DecimalField(_("penalty interest accrued"), default=0, **MONEY_FIELD)
    penalty_paid = models.DecimalField(_("penalty interest paid"), default=0, **MONEY_FIELD)
    penalty_through = models.DateField(_("penalty accrued through"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InstalmentStatus.choices,
                              default=InstalmentStatus.PENDING)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)
    schedule_version = models.PositiveSmallIntegerField(_("schedule version"), default=1)

    objects = RestrictedManager()

    class Meta:
        ordering = ["loan_id", "due_date", "period"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["loan", "period"], condition=~Q(status="superseded"),
                                    name="lending_instalment_loan_period_unique"),
            models.CheckConstraint(condition=Q(principal_paid__lte=F("principal_due"))
                                   & Q(interest_paid__lte=F("interest_due"))
                                   & Q(penalty_paid__lte=F("penalty_accrued")),
                                   name="lending_instalment_not_overpaid"),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="lending_inst_status_due"),
            models.Index(fields=["loan", "status"], name="lending_inst_loan_status"),
            # the open instalments by due date with what the inflow projection sums (an index-only
            # scan of the months ahead; PostgreSQL — SQLite keeps the partial index on due_date)
            models.Index(fields=["due_date"], include=["loan", "principal_due", "principal_paid", "interest_due",
                                                       "interest_paid"],
                         condition=Q(status__in=["pending", "overdue"]), name="lending_inst_open_due_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.period} {self.due_date}"

    @property
    def principal_unpaid(self):
        return self.principal_due - self.principal_paid

    @property
    def interest_unpaid(self):
        return self.interest_due - self.interest_paid

    @property
    def penalty_unpaid(self):
        return self.penalty_accrued - self.penalty_paid

    @property
    def total_due(self):
        return self.principal_due + self.interest_due + self.penalty_accrued

    @property
    def total_unpaid(self):
        return self.principal_unpaid + self.interest_unpaid + self.penalty_unpaid

    @property
    def is_settled(self) -> bool:
        return self.total_unpaid == ZERO

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return loan_visible_q(viewer, "loan__") if action == "view" else NOTHING


class Repayment(models.Model):
    """A repayment received on a loan, with its allocation (penalty → interest → principal,
    oldest instalment first) and the journal entry that posted it. ``idempotency_key`` is
    unique: a retry with the same key and the same payload returns this repayment, a different
    payload under the same key is refused."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY_FIELD)
    paid_on = models.DateField(_("paid on"))
    kind = models.CharField(_("kind"), max_length=12, choices=RepaymentKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=RepaymentChannel.choices)
    penalty_amount = models.DecimalField(_("to penalty interest"), default=0, **MONEY_FIELD)
    interest_amount = models.DecimalField(_("to interest"), default=0, **MONEY_FIELD)
    principal_amount = models.DecimalField(_("to principal"), default=0, **MONEY_FIELD)
    prepaid_principal = models.DecimalField(_("of which prepaid principal"), default=0, **MONEY_FIELD)
    entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, related_name="repayment")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        # amount == penalty + interest + principal is checked by the service and ledger_check
        # (a CHECK on sums would compare floating point on SQLite).

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount} {self.paid_on}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return loan_visible_q(viewer, "loan__") if action == "view" else NOTHING


class RepaymentAllocation(models.Model):
    """How much of a repayment went to one instalment's penalty, interest and principal."""

    repayment = models.ForeignKey(Repayment, on_delete=models.PROTECT, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    penalty = models.DecimalField(_("penalty interest"), default=0, **MONEY_FIELD)
    interest = models.DecimalField(_("interest"), default=0, **MONEY_FIELD)
    principal = models.DecimalField(_("principal"), default=0, **MONEY_FIELD)

    objects = RestrictedManager()

    class Meta:
        ordering = ["repayment_id", "instalment__due_date"]
        verbose_name = _("repayment allocation")
        verbose_name_plural = _("repayment allocations")

    def __str__(self) -> str:
        return f"{self.repayment_id} → {self.instalment_id}"

    @property
    def total(self):
        return self.penalty + self.interest + self.principal

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return loan_visible_q(viewer, "repayment__loan__") if action == "view" else NOTHING


class BucketMove(models.Model):
    """A loan moving between delinquency buckets or loan classes on a date (history)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="bucket_moves")
    moved_on = models.DateField(_("date"))
    dpd = models.PositiveIntegerField(_("days past due"))
    from_bucket = models.CharField(_("from bucket"), max_length=8, choices=DelinquencyBucket.choices)
    to_bucket = models.CharField(_("to bucket"), max_length=8, choices=DelinquencyBucket.choices)
    from_class = models.CharField(_("from class"), max_length=16, choices=LoanClass.choices)
    to_class = models.CharField(_("to class"), max_length=16, choices=LoanClass.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["loan_id", "moved_on", "id"]
        verbose_name = _("delinquency move")
        verbose_name_plural = _("delinquency moves")
        indexes = [models.Index(fields=["moved_on"], name="lending_bucketmove_date")]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_bucket} → {self.to_bucket} ({self.moved_on})"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return loan_visible_q(viewer, "loan__") if action == "view" else NOTHING
