"""Admin of the centre: read-mostly views for support (changes go through the services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    AccessLog,
    Alert,
    Consent,
    ConsentCategory,
    Event,
    EventDelivery,
    Notification,
    Publication,
    Report,
    Subscription,
)


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "subject", "category", "version", "is_current", "status", "visibility", "published_at"]
    list_filter = ["module", "status", "visibility", "is_current"]
    search_fields = ["title", "subject__name", "key"]
    raw_id_fields = ["subject", "publisher", "author", "previous"]
    readonly_fields = ["lineage", "version", "previous", "module"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "reporter", "subject", "report_type", "status", "created_at"]
    list_filter = ["status", "report_type", "category"]
    search_fields = ["title", "reporter__name", "subject__name"]
    raw_id_fields = ["reporter", "subject", "author", "decided_by", "decided_by_agent", "replied_by"]


class ConsentCategoryInline(admin.TabularInline):
    model = ConsentCategory
    extra = 0


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["grantor", "grantee", "all_categories", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["all_categories"]
    search_fields = ["grantor__name", "grantee__name"]
    raw_id_fields = ["grantor", "grantee", "granted_by", "revoked_by"]
    inlines = [ConsentCategoryInline]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "viewer_agent", "subject", "basis", "publication"]
    list_filter = ["basis"]
    raw_id_fields = ["user", "viewer_agent", "subject", "publication", "consent"]


class EventDeliveryInline(admin.TabularInline):
    model = EventDelivery
    extra = 0
    readonly_fields = ["handler", "delivered_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The outbox. Parked events (attempts at the limit, not dispatched) show their last error;
    "Retry" resets the attempts so the dispatcher picks them up again."""

    list_display = ["pk", "kind", "subject_agent", "created_at", "dispatched_at", "attempts"]
    list_filter = ["kind", ("dispatched_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["subject_agent", "actor", "actor_agent"]
    readonly_fields = ["created_at", "dispatched_at", "lease_until", "attempts", "last_error"]
    inlines = [EventDeliveryInline]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected events"))
    def retry(self, request, queryset):
        # a retried request is no longer coalesced (another unclaimed one may hold its key)
        queryset.filter(dispatched_at__isnull=True).update(attempts=0, lease_until=None, coalesce_key=None)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "target", "module", "agent", "category", "email"]
    raw_id_fields = ["user", "agent"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "created_at", "read_at", "emailed_at"]
    raw_id_fields = ["user", "event"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["government", "subject", "kind", "created_at", "acknowledged_at"]
    raw_id_fields = ["government", "subject", "event", "report", "acknowledged_by"]
