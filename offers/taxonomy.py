"""Staff edit the service taxonomy on their own pages (offers.taxonomy_views).

A data migration loads the taxonomy; staff correct names, descriptions and
which tiers deliver a service, and add services. Each write is audited with the
changed fields (core.audit), bumps the listings generation (the browse page and
search show service names) and, when a name changes, recomputes the stored
search vectors of the listings that carry it, in the same transaction.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils.text import slugify

from core.audit import audit_record, model_snapshot, snapshot_diff
from councils.models import User
from offers.browse.search import search_vectors_refresh
from offers.changes import listings_changed
from offers.models import Service, ServiceFamily

SERVICE_FIELDS = (
    "family",
    "name",
    "description",
    "office",
    "by_upper",
    "by_lower",
    "by_unitary",
    "by_ni_district",
    "ro_line",
    "lgsl_code",
)


def taxonomy_for_staff() -> QuerySet[ServiceFamily]:
    """Every family with its services and how many listings each has: two queries."""
    services = Service.objects.annotate(listing_count=Count("listings")).order_by(
        "position", "name"
    )
    return ServiceFamily.objects.prefetch_related(Prefetch("services", queryset=services))


@transaction.atomic
def service_save(*, service: Service, values: dict[str, Any], by: User) -> Service:
    """Create (service.pk is None) or change a service, audited with the fields that changed."""
    creating = service.pk is None
    before = {} if creating else model_snapshot(service, SERVICE_FIELDS)
    old_name = service.name
    for name, value in values.items():
        if name not in SERVICE_FIELDS:
            raise ValueError(f"Not editable: {name}")
        setattr(service, name, value)
    if creating:
        service.slug = slugify(service.name)[:120]
        if Service.objects.filter(slug=service.slug).exists():
            raise ValidationError({"name": "A service with this name already exists"})
    service.full_clean()
    service.save()
    after = model_snapshot(service, SERVICE_FIELDS)
    changed_before, changed_after = snapshot_diff(before, after)
    if not creating and not changed_after:
        return service
    audit_record(
        actor=by,
        action="service.add" if creating else "service.change",
        target=service,
        before=changed_before,
        after=changed_after,
    )
    if not creating and old_name != service.name:
        search_vectors_refresh()
    listings_changed()
    return service
