from django.contrib import admin

from .models import Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    """Read-only view of what detection found (it rebuilds these rows itself)."""

    list_display = ["key", "kind", "service", "score", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["key"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
