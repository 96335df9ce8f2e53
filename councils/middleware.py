"""Staff act only with a second factor: no staff page opens before MFA is set up.

Signing in already asks for the TOTP code of anyone who has one (allauth), and
the admin's own login form is replaced by allauth's (marketplace/urls.py), so
no password-only route into a staff session is left. This middleware closes
the other gap: a staff account that has no authenticator yet. Until it has
one, every request is sent to the authenticator set-up page, except the few
pages needed to set one up or to leave.
"""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

# URL names a staff person without an authenticator may still open.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "account_reauthenticate",
        "account_login",
        "healthz",
    }
)
SETUP_MESSAGE = (
    "Site staff must set up an authenticator app before using the service. "
    "Scan the QR code with your authenticator app and enter the code it shows."
)


def staff_needs_mfa(user: object) -> bool:
    """True for a signed-in staff account with no authenticator app."""
    if not settings.STAFF_MFA_REQUIRED:
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if not (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if staff_needs_mfa(request.user) and not self._exempt(request):
            messages.warning(request, SETUP_MESSAGE)
            setup = reverse("mfa_activate_totp")
            return HttpResponseRedirect(setup)
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 shows nothing private
        return match.url_name in MFA_SETUP_URL_NAMES
