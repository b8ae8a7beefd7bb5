"""Accounts, journal entries and postings of the ledger; alerts of the reconciliation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.money import MONEY_FIELD
from agents.restrict import NOTHING, RestrictedManager, Viewer

from ..choices import AccountPurpose, AccountType, AlertKind, Currency, EntryKind


class Account(models.Model):
    """An account of one agent for one purpose (cash, loans receivable, interest income, …),
    typed asset/liability/equity/income/expense, in CNY. Per-loan purposes (a lender's loans
    receivable, a borrower's borrowings) have one account per loan, so each loan's balance is
    its own account. ``balance`` is a cache of the sum of the account's postings, updated in the
    same transaction as each posting; ``ledger_check`` proves it."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="ledger_accounts",
                              verbose_name=_("agent"))
    purpose = models.CharField(_("purpose"), max_length=24, choices=AccountPurpose.choices)
    type = models.CharField(_("type"), max_length=10, choices=AccountType.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="accounts", verbose_name=_("loan"))
    balance = models.DecimalField(_("balance"), default=0, **MONEY_FIELD,
                                  help_text=_("Sum of the postings (debit positive, credit negative)."))
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["agent_id", "purpose", "loan_id"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["agent", "purpose", "currency"], condition=Q(loan__isnull=True),
                                    name="ledger_account_agent_purpose_unique"),
            models.UniqueConstraint(fields=["agent", "purpose", "loan"], condition=Q(loan__isnull=False),
                                    name="ledger_account_agent_purpose_loan_unique"),
        ]

    def __str__(self) -> str:
        suffix = f" · {self.loan_id}" if self.loan_id else ""
        return f"{self.agent_id}:{self.get_purpose_display()}{suffix}"

    @property
    def natural_balance(self):
        """The balance as an accountant reads it: positive for a normal debit balance of assets and
        expenses, and for a normal credit balance of liabilities, equity and income."""
        if self.type in (AccountType.ASSET, AccountType.EXPENSE):
            return self.balance
        return -self.balance

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(agent_id__in=viewer.agent_ids) if action == "view" else NOTHING


class JournalEntry(models.Model):
    """A balanced, append-only journal entry: two or more postings summing to exactly zero.
    ``idempotency_key`` is unique; ``fingerprint`` (SHA-256 of the request payload) tells a
    retry of the same request (answered with this entry) from a different request that reuses
    the key (refused). Corrections are reversing entries (``reverses``). On PostgreSQL database
    triggers reject an unbalanced entry at commit and any UPDATE or DELETE."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    effective_date = models.DateField(_("business date"))
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reference = models.CharField(
        _("reference"), max_length=80, blank=True, db_default="", default="", db_index=True,
        help_text=_("What the entry belongs to outside loans, e.g. “pool.deposit:12”, for drill-down."))
    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="journal_entries", verbose_name=_("loan"))
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("posted by"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.effective_date}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("journal entries are append-only; post a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("journal entries are append-only; post a reversing entry instead")

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        if action != "view":
            return NOTHING
        return Q(pk__in=Posting.objects.filter(account__agent_id__in=viewer.agent_ids).values("entry_id"))


class Posting(models.Model):
    """One line of a journal entry: ``amount`` on ``account``, debit positive, credit negative,
    never zero. Append-only like its entry."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings",
                              verbose_name=_("journal entry"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings",
                                verbose_name=_("account"))
    amount = models.DecimalField(_("amount"), **MONEY_FIELD, help_text=_("Debit positive, credit negative."))

    objects = RestrictedManager()

    class Meta:
        ordering = ["entry_id", "id"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("postings are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("postings are append-only")

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return Q(account__agent_id__in=viewer.agent_ids) if action == "view" else NOTHING


class LedgerAlert(models.Model):
    """A failed reconciliation found by ``ledger_check`` (an unbalanced entry, a ledger that
    does not sum to zero, a cached balance that differs from its postings, a loan whose
    balance differs from its accounts). Platform staff resolve it; only superusers see it."""

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    message = models.TextField(_("message"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ledger alert")
        verbose_name_plural = _("ledger alerts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return NOTHING
