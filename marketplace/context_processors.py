"""Values every page template needs: service name and the viewer's council."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from councils.selectors import membership_current

    membership = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        membership = membership_current(user=user)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SERVICE_CONTACT_EMAIL": settings.SERVICE_CONTACT_EMAIL,
        "current_membership": membership,
    }
