"""Staff edit the taxonomy here; listings are read-mostly (use the site's pages to moderate)."""

from django.contrib import admin

from .models import ExpiryReminder, Listing, ListingEvent, Service, ServiceFamily


class ServiceInline(admin.TabularInline):
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
class ServiceFamilyAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
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


class ListingEventInline(admin.TabularInline):
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

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    """Read-only: state changes must go through offers.services so history is kept."""

    list_display = ["title", "kind", "authority", "service", "status", "published_at", "expires_at"]
    list_filter = ["status", "kind", "visibility", "is_demo", "service__family"]
    search_fields = ["title", "summary", "authority__name"]
    list_select_related = ["authority", "service"]
    raw_id_fields = ["authority", "created_by"]
    filter_horizontal = ["named_partners"]
    inlines = [ListingEventInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(admin.ModelAdmin):
    list_display = ["listing", "expires_at", "sent_at"]
    raw_id_fields = ["listing"]
