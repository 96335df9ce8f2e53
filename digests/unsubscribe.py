"""Signed one-click unsubscribe tokens for digest emails (no sign-in needed).

The token names the user and the purpose, signed with SECRET_KEY under a salt
of its own, so a token made for anything else (or edited by hand) is refused.
Tokens do not expire: an unsubscribe link in an old email must still work.
"""

from django.core import signing

_SALT = "digests.services.unsubscribe"
_PURPOSE = "digest"


def unsubscribe_token(*, user_id: int) -> str:
    return signing.dumps({"u": user_id, "p": _PURPOSE}, salt=_SALT, compress=False)


def unsubscribe_user_id(*, token: str) -> int | None:
    """The user id a token was made for, or None if it is tampered with or malformed."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != _PURPOSE:
        return None
    user_id = data.get("u")
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None
