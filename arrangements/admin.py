"""Staff see and correct the register here (audited); decisions on recorded and
disputed arrangements go through /arrangements/moderation/."""

from django.contrib import admin

from core.admin import AuditedAdminMixin

from .models import ArrangementPartner, SharedArrangement


class PartnerInline(admin.TabularInline[ArrangementPartner, SharedArrangement]):
    model = ArrangementPartner
    extra = 0
    autocomplete_fields = ["authority"]
    readonly_fields = ["answered_by", "answered_at"]


@admin.register(SharedArrangement)
class SharedArrangementAdmin(AuditedAdminMixin, admin.ModelAdmin[SharedArrangement]):
    """The register: public-source rows feed matching's "experienced partner" signal too."""

    list_display = ["name", "service", "delivery_model", "status", "origin", "is_active"]
    list_filter = ["status", "origin", "is_active", "service__family"]
    search_fields = ["name", "members__name"]
    autocomplete_fields = ["members", "lead"]
    filter_horizontal = ["services"]
    list_select_related = ["service"]
    inlines = [PartnerInline]
