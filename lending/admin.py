"""Admin of lending: products and applications editable by platform staff only through the
services (so read-only here); the ledger is append-only and therefore strictly read-only."""

from django.contrib import admin

from .models import (
    Account,
    Application,
    BucketMove,
    Instalment,
    JournalEntry,
    LedgerAlert,
    Loan,
    Posting,
    Product,
    Repayment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "lender", "method", "frequency", "rate_min", "rate_max", "is_active")
    list_filter = ("method", "frequency", "is_active")
    list_select_related = ("lender",)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "applicant", "lender", "amount", "periods", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("applicant", "lender")


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0
    can_delete = False
    fields = ("period", "due_date", "principal_due", "interest_due", "principal_paid", "interest_paid",
              "penalty_accrued", "penalty_paid", "status")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("contract_no", "lender", "borrower", "principal", "principal_outstanding", "status", "dpd",
                    "loan_class")
    list_filter = ("status", "bucket", "loan_class")
    list_select_related = ("lender", "borrower")
    search_fields = ("contract_no",)
    inlines = [InstalmentInline]


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "loan", "amount", "paid_on", "kind", "channel")
    list_select_related = ("loan",)


@admin.register(BucketMove)
class BucketMoveAdmin(ReadOnlyAdmin):
    list_display = ("loan", "moved_on", "dpd", "from_bucket", "to_bucket", "from_class", "to_class")
    list_select_related = ("loan",)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("pk", "agent", "purpose", "type", "loan", "balance")
    list_filter = ("purpose", "type")
    list_select_related = ("agent", "loan")


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    fields = ("account", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "effective_date", "idempotency_key", "loan", "created_at")
    list_filter = ("kind",)
    inlines = [PostingInline]


@admin.register(LedgerAlert)
class LedgerAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "message", "resolved_at")
    list_filter = ("kind",)
