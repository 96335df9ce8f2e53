"""Staff edit the savings assumption and the recorded arrangements here (audited)."""

from typing import Any

from django.contrib import admin

from core.admin import AuditedAdminMixin

from .models import SavingsAssumption, SharedArrangement


@admin.register(SavingsAssumption)
class SavingsAssumptionAdmin(AuditedAdminMixin, admin.ModelAdmin[SavingsAssumption]):
    """One row: the rate range behind every savings estimate (a policy assumption)."""

    list_display = ["low_percent", "high_percent", "source", "updated_at"]

    def has_add_permission(self, request: Any) -> bool:
        return not SavingsAssumption.objects.exists()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SharedArrangement)
class SharedArrangementAdmin(AuditedAdminMixin, admin.ModelAdmin[SharedArrangement]):
    """Recorded arrangements feed the "experienced partner" signal in matching."""

    list_display = ["name", "service", "delivery_model", "is_active", "started_year"]
    list_filter = ["is_active", "service__family"]
    search_fields = ["name", "members__name"]
    autocomplete_fields = ["members"]
    list_select_related = ["service"]
