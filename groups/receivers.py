"""Recompute a service's suggestions when one of its listings goes live or stops being live.

offers cannot import groups (layers), so groups listens: every state change is a
ListingEvent written in the changing transaction. Recomputing there (under a
per-service lock, groups.services) keeps the suggestions consistent with what is
live at commit, and a failed publish rolls them back with it.
"""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from groups.models import Suggestion
from groups.services import groups_recompute
from offers.models import ListingEvent

# Events after which a listing is, or is no longer, live (or its limits changed).
_LIVE_CHANGES = {
    ListingEvent.Action.PUBLISHED,
    ListingEvent.Action.WITHDRAWN,
    ListingEvent.Action.EXPIRED,
    ListingEvent.Action.RENEWED,
    ListingEvent.Action.CHANGES_ACCEPTED,
    ListingEvent.Action.CHANGES_REVERTED,
}


@receiver(post_save, sender=ListingEvent, dispatch_uid="groups-listing-event")
def listing_event_saved(sender: type, instance: ListingEvent, created: bool, **_: Any) -> None:
    if not created or instance.action not in _LIVE_CHANGES:
        return
    listing = instance.listing
    if listing.is_synthetic:
        return
    services = {listing.service_id}
    # A suggestion may hold it under a service it no longer has (an accepted edit).
    services.update(
        Suggestion.objects.filter(members__listing_id=listing.pk).values_list(
            "service_id", flat=True
        )
    )
    for service_pk in sorted(services):
        groups_recompute(service_pk=service_pk, listing_pk=listing.pk)
