from django.contrib import admin
from django.http import HttpRequest

from .models import Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin[Suggestion]):
    """Read-only view of what detection found (it rebuilds these rows itself)."""

    list_display = ["key", "kind", "service", "score", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Suggestion | None = None) -> bool:
        return False
