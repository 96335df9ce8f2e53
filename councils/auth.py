"""The signed-in person, typed as our User model.

django-stubs types `request.user` as `AbstractBaseUser | AnonymousUser`. Views
behind `login_required` know it is a `councils.User`; views open to everyone
pass it on to selectors that check `is_authenticated` themselves (an
AnonymousUser answers False and has no memberships). One typed accessor
instead of a `type: ignore` or a stripped-under-`-O` assert in every view.
"""

from typing import cast

from django.http import HttpRequest

from .models import User


def acting_user(request: HttpRequest) -> User:
    return cast(User, request.user)
