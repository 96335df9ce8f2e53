"""The signed-in person, typed as our User model.

django-stubs types `request.user` as `AbstractBaseUser | AnonymousUser`. Views
behind `login_required` know it is a `councils.User`; views open to everyone
pass it on to selectors that check `is_authenticated` themselves (an
AnonymousUser answers False and has no memberships). One typed accessor
instead of a `type: ignore` or a stripped-under-`-O` assert in every view.
"""

from typing import cast

from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import User


def acting_user(request: HttpRequest) -> User:
    return cast(User, request.user)


STAFF_ONLY_MESSAGE = (
    "Only site staff who sign in with an authenticator app can use this page. "
    "If you moderate this service, set up an authenticator app on your account first."
)


def staff_with_mfa(user: object) -> bool:
    """Staff who sign in with a second factor: the people who may run moderator tools.

    Checked on every staff page whether or not STAFF_MFA_REQUIRED forces the
    set-up (councils.middleware): a staff password alone never manages the
    lists that decide who joins a council or what is flagged.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    has_totp: bool = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return has_totp


def require_staff_with_mfa(request: HttpRequest) -> User:
    """The signed-in moderator, or PermissionDenied with a message that says who may."""
    user = acting_user(request)
    if not staff_with_mfa(user):
        raise PermissionDenied(STAFF_ONLY_MESSAGE)
    return user
