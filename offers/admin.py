"""Staff edit the taxonomy here; listings are read-mostly (use the site's pages to moderate)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import AuditedAdminMixin
from offers.models import (
    ExpiryReminder,
    Interest,
    Listing,
    ListingEvent,
    Report,
    ScreeningTerm,
    Service,
    ServiceFamily,
)


class ServiceInline(admin.TabularInline[Service, ServiceFamily]):
    model = Service
    extra = 0
    fields = [
        "name",
        "slug",
        "office",
        "by_upper",
        "by_lower",
        "by_unitary",
        "by_ni_district",
        "ro_line",
        "lgsl_code",
        "position",
    ]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ServiceFamily)
class ServiceFamilyAdmin(AuditedAdminMixin, admin.ModelAdmin[ServiceFamily]):
    list_display = ["name", "office", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(AuditedAdminMixin, admin.ModelAdmin[Service]):
    list_display = [
        "name",
        "family",
        "office",
        "by_upper",
        "by_lower",
        "by_unitary",
        "by_ni_district",
        "ro_line",
        "lgsl_code",
    ]
    list_editable = ["by_upper", "by_lower", "by_unitary", "by_ni_district", "ro_line", "lgsl_code"]
    list_filter = ["family", "office", "by_upper", "by_lower", "by_unitary", "by_ni_district"]
    search_fields = ["name", "slug", "lgsl_code"]
    prepopulated_fields = {"slug": ["name"]}


class ListingEventInline(admin.TabularInline[ListingEvent, Listing]):
    model = ListingEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "from_status", "to_status", "reason", "changes"]
    readonly_fields = (
        "created_at",
        "action",
        "actor",
        "from_status",
        "to_status",
        "reason",
        "changes",
    )

    def has_add_permission(self, request: HttpRequest, obj: Listing | None = None) -> bool:
        return False


@admin.register(Listing)
class ListingAdmin(AuditedAdminMixin, admin.ModelAdmin[Listing]):
    """Read-only: state changes must go through offers.services so history is kept."""

    list_display = ["title", "kind", "authority", "service", "status", "published_at", "expires_at"]
    list_filter = ["status", "kind", "visibility", "is_demo", "service__family"]
    search_fields = ["title", "summary", "authority__name"]
    list_select_related = ["authority", "service"]
    raw_id_fields = ["authority", "created_by"]
    filter_horizontal = ["named_partners"]
    inlines = [ListingEventInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(admin.ModelAdmin[ExpiryReminder]):
    list_display = ["listing", "expires_at", "sent_at"]
    raw_id_fields = ["listing"]


@admin.register(ScreeningTerm)
class ScreeningTermAdmin(AuditedAdminMixin, admin.ModelAdmin[ScreeningTerm]):
    """The words that flag a listing for the moderator's attention (offers.moderation.screening)."""

    audit_name = "screened_word"

    list_display = ["term", "note", "is_active", "created_at"]
    list_editable = ["is_active"]
    search_fields = ["term", "note"]


@admin.register(Report)
class ReportAdmin(AuditedAdminMixin, admin.ModelAdmin[Report]):
    """Read-only: reports are dealt with on the moderation pages."""

    list_display = ["listing", "reporter", "status", "created_at", "resolved_by", "resolved_at"]
    list_filter = ["status"]
    list_select_related = ["listing", "reporter", "resolved_by"]
    raw_id_fields = ["listing", "reporter", "resolved_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Interest)
class InterestAdmin(AuditedAdminMixin, admin.ModelAdmin[Interest]):
    list_display = ["listing", "sender", "sender_authority", "status", "created_at", "notified_at"]
    list_filter = ["status"]
    list_select_related = ["listing", "sender", "sender_authority"]
    raw_id_fields = ["listing", "sender", "sender_authority"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
