"""Staff edit the savings rates, their evidence and the recorded arrangements here (audited)."""

from typing import Any

from django.contrib import admin

from core.admin import AuditedAdminMixin

from .models import SavingsAssumption, SavingsEvidence, ServiceCost


@admin.register(SavingsAssumption)
class SavingsAssumptionAdmin(AuditedAdminMixin, admin.ModelAdmin[SavingsAssumption]):
    """A rate range per service family, and the whole-organisation rate (policy
    assumptions, seeded from the evidence; staff change them as evidence grows)."""

    list_display = ["__str__", "scope", "family_evidence", "source", "updated_at"]
    list_filter = ["scope", "family_evidence"]
    filter_horizontal = ["evidence"]
    list_select_related = ["family"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # every family keeps a rate; change it instead


@admin.register(SavingsEvidence)
class SavingsEvidenceAdmin(AuditedAdminMixin, admin.ModelAdmin[SavingsEvidence]):
    """Reported savings of real shared services, each with its source."""

    list_display = ["partnership", "service", "family", "annual_saving_gbp", "year", "status"]
    list_filter = ["family", "status", "used_for_rate"]
    search_fields = ["partnership", "members", "service"]


@admin.register(ServiceCost)
class ServiceCostAdmin(AuditedAdminMixin, admin.ModelAdmin[ServiceCost]):
    """What organisations recorded a service costs them (their officers enter it)."""

    list_display = ["authority", "service", "annual_cost_gbp", "financial_year", "updated_at"]
    list_select_related = ["authority", "service"]
    search_fields = ["authority__name", "service__name"]
    raw_id_fields = ["authority", "recorded_by"]
