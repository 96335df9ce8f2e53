"""Values every page template needs: service name and the viewer's council."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict[str, Any]:
    from councils.selectors import membership_current

    user = getattr(request, "user", None)
    # Lazy: only the header reads it, so fragments rendered on their own
    # (offers/browse/_content.html) cost no query.
    membership = SimpleLazyObject(
        lambda: (
            membership_current(user=user) if user is not None and user.is_authenticated else None
        )
    )
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SERVICE_CONTACT_EMAIL": settings.SERVICE_CONTACT_EMAIL,
        "current_membership": membership,
    }
