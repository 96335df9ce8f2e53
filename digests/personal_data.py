"""Digests' part of a person's own data: their saved alerts, digest preference and
the digest emails sent to them.

councils sends `personal_data_requested` (it cannot import digests) and this
module answers it, as offers.personal_data does for listings. DigestsConfig.ready()
imports it, which connects the receiver. On account deletion there is nothing to
do here: saved alerts, the preference and deliveries go with the user row (CASCADE).
"""

from typing import Any

from django.dispatch import receiver

from councils.models import User
from councils.personal_data import personal_data_requested

from .models import DigestDelivery, DigestPreference, SavedSearch


def _digest_preference(user: User) -> dict[str, Any] | None:
    preference = DigestPreference.objects.filter(user=user).prefetch_related("services").first()
    if preference is None:
        return None
    return {
        "frequency": preference.get_frequency_display(),
        "follow_your_council": preference.follow_council,
        "kinds": preference.get_kinds_display(),
        "services": sorted(service.name for service in preference.services.all()),
        "distance": preference.get_distance_display(),
        "radius_km": preference.radius_km,
        "unsubscribed_at": preference.unsubscribed_at,
        "updated_at": preference.updated_at,
    }


def digests_personal_data(*, user: User) -> dict[str, Any]:
    """The person's saved alerts, digest preference and the digests sent to them."""
    deliveries = DigestDelivery.objects.filter(user=user).select_related("run").order_by("pk")
    return {
        "saved_alerts": [
            {
                "id": alert.pk,
                "name": alert.name,
                "search": alert.querystring,
                "created_at": alert.created_at,
            }
            for alert in SavedSearch.objects.filter(user=user).order_by("pk")
        ],
        "digest_preference": _digest_preference(user),
        "digest_emails": [
            {
                "frequency": delivery.run.get_frequency_display(),
                "period_start": delivery.run.period_start,
                "status": delivery.get_status_display(),
                "sent_at": delivery.sent_at,
            }
            for delivery in deliveries
        ],
    }


@receiver(personal_data_requested, dispatch_uid="digests-personal-data")
def _personal_data_section(sender: Any, *, user: User, **kwargs: Any) -> dict[str, Any]:
    return digests_personal_data(user=user)
