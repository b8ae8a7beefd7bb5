from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import Agent, Cluster, ClusterMembership, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agent)
class AgentAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "region", "credit_code", "size_class", "status"]
    list_filter = ["kind", "status", "size_class"]
    search_fields = ["name", "credit_code"]
    inlines = [MembershipInline]
    readonly_fields = ["group", "created_at", "approved_at", "approved_by"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agent", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "agent__name"]
    autocomplete_fields = ["user", "agent"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "agent", "role", "status", "expires_at"]
    list_filter = ["status"]
    readonly_fields = ["token"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "core_industry", "finance_company", "founded_on")
    search_fields = ("name", "region")


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(admin.ModelAdmin):
    list_display = ("agent", "cluster", "member_no", "joined_on", "left_on", "status")
    list_filter = ("status", "cluster")
    search_fields = ("agent__name", "member_no")
