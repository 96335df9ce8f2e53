"""Digest records for staff: runs are followed on /listings/digests/runs/."""

from typing import Any

from django.contrib import admin

from .models import DigestDelivery, DigestPreference, DigestRun, SavedSearch


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin[DigestRun]):
    list_display = ["__str__", "window_end", "due", "batches", "started_at"]
    list_filter = ["frequency"]
    readonly_fields = ["frequency", "period_start", "window_end", "due", "batches", "started_at"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin[DigestDelivery]):
    list_display = ["run", "user", "status", "attempts", "sent_at"]
    list_filter = ["status", "run__frequency"]
    list_select_related = ["run", "user"]
    raw_id_fields = ["run", "user"]
    search_fields = ["user__email"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # the send state machine owns these rows


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin[DigestPreference]):
    list_display = ["user", "frequency", "follow_council", "kinds", "distance", "radius_km"]
    list_filter = ["frequency", "follow_council", "distance"]
    raw_id_fields = ["user"]
    search_fields = ["user__email"]


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin[SavedSearch]):
    list_display = ["name", "user", "querystring", "created_at"]
    raw_id_fields = ["user"]
    search_fields = ["user__email", "name"]
