"""Staff edit the service taxonomy on their own pages (offers.taxonomy_views).

A data migration loads the taxonomy; staff correct names, descriptions,
which council tiers and which other kinds of body deliver a service, add
services, and add or rename service families. Each write is audited with the
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
from offers.models import BODY_KINDS, Service, ServiceFamily

SERVICE_FIELDS = (
    "family",
    "name",
    "description",
    "office",
    "by_upper",
    "by_lower",
    "by_unitary",
    "by_ni_district",
    "body_kinds",
    "ro_line",
    "lgsl_code",
)

FAMILY_FIELDS = ("name", "office", "position")

# Authority.Kind value -> its place in the form's checkboxes.
_KIND_ORDER = {kind: index for index, (kind, _label) in enumerate(BODY_KINDS)}


def _kinds_in_order(kinds: list[str]) -> list[str]:
    """The kinds once each, in the checkboxes' order: the list is a set to its readers
    (authority_delivers asks `in`), so order must not show up as a change in the audit."""
    return sorted(set(kinds), key=lambda kind: _KIND_ORDER.get(kind, len(_KIND_ORDER)))


def _service_snapshot(service: Service) -> dict[str, Any]:
    snapshot = model_snapshot(service, SERVICE_FIELDS)
    snapshot["body_kinds"] = _kinds_in_order(snapshot["body_kinds"])
    return snapshot


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
    before = {} if creating else _service_snapshot(service)
    old_name = service.name
    for name, value in values.items():
        if name not in SERVICE_FIELDS:
            raise ValueError(f"Not editable: {name}")
        setattr(service, name, _kinds_in_order(value) if name == "body_kinds" else value)
    if creating:
        service.slug = slugify(service.name)[:120]
        if Service.objects.filter(slug=service.slug).exists():
            raise ValidationError({"name": "A service with this name already exists"})
    service.full_clean()
    service.save()
    after = _service_snapshot(service)
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


@transaction.atomic
def family_save(*, family: ServiceFamily, values: dict[str, Any], by: User) -> ServiceFamily:
    """Create (family.pk is None) or change a service family, audited like service_save.

    The slug is made once, from the first name, and kept on a rename: it is in
    the API's URLs and filters, which should not break because a name was
    corrected. A family's office can change only while it has no services,
    because each service carries the same office (browse filters on the
    service's) and changing one without the other would split them.
    """
    creating = family.pk is None
    before = {} if creating else model_snapshot(family, FAMILY_FIELDS)
    old_name, old_office = family.name, family.office
    for name, value in values.items():
        if name not in FAMILY_FIELDS:
            raise ValueError(f"Not editable: {name}")
        setattr(family, name, value)
    if creating:
        family.slug = slugify(family.name)[:100]
        if ServiceFamily.objects.filter(slug=family.slug).exists():
            raise ValidationError({"name": "A service family with this name already exists"})
    elif family.office != old_office and family.services.exists():
        raise ValidationError(
            {"office": "A family's office can only change while it has no services"}
        )
    family.full_clean()
    family.save()
    after = model_snapshot(family, FAMILY_FIELDS)
    changed_before, changed_after = snapshot_diff(before, after)
    if not creating and not changed_after:
        return family
    audit_record(
        actor=by,
        action="service_family.add" if creating else "service_family.change",
        target=family,
        before=changed_before,
        after=changed_after,
    )
    if not creating and old_name != family.name:
        search_vectors_refresh()  # the family's name is in every listing's search document
    listings_changed()
    return family
