"""Writes for matching: what an organisation says a service costs it."""

from django.db import transaction

from core.audit import audit_record
from councils.models import Authority, User
from matching.models import ServiceCost
from offers.models import Service


@transaction.atomic
def service_cost_record(
    *, authority: Authority, service: Service, annual_cost_gbp: int, financial_year: str, by: User
) -> ServiceCost:
    """Record (or correct) one service's annual cost for an organisation; safe to
    call twice (one row per organisation and service). Site staff acting for an
    organisation are audited, as every staff action is."""
    existing = (
        ServiceCost.objects.select_for_update().filter(authority=authority, service=service).first()
    )
    before = (
        {"annual_cost_gbp": existing.annual_cost_gbp, "financial_year": existing.financial_year}
        if existing
        else None
    )
    cost, _created = ServiceCost.objects.update_or_create(
        authority=authority,
        service=service,
        defaults={
            "annual_cost_gbp": annual_cost_gbp,
            "financial_year": financial_year,
            "recorded_by": by,
        },
    )
    if by.is_staff:
        audit_record(
            actor=by,
            action="service_cost.record",
            target=cost,
            before=before,
            after={"annual_cost_gbp": annual_cost_gbp, "financial_year": financial_year},
        )
    return cost
