"""A person deletes their own account (UK GDPR right to erasure).

What stays and what goes, in one transaction:
- their listings stay with their council; where they were the contact, the
  contact passes to the council (offers.personal_data);
- messages they sent (expressions of interest, reports) stay with whoever
  received them, without the person's name or address;
- their memberships, saved alerts, digest preference and deliveries, allauth
  email addresses and authenticators go with the user row (CASCADE); their
  sessions are deleted here, since no foreign key reaches them.

offers imports councils, never the reverse, so offers does its part as a
receiver of `account_deleting`, sent inside the transaction: if any part
fails, nothing is deleted.
"""

import re
from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import AuthorityProfile, User
from .personal_data import email_matches, person_email_addresses

# Sent with `user=` and `emails=` (every address of theirs, lower-cased) just
# before the user row is deleted, inside account_delete's transaction.
account_deleting = Signal()

STAFF_REFUSAL = (
    "Ask another member of staff to delete your account. Site staff cannot delete their "
    "own account here."
)
# What stays in place of a deleted person's details in text kept after them.
REDACTED_NAME = "[name removed]"
REDACTED_EMAIL = "[email address removed]"


class AccountDeleteRefused(Exception):
    """This account cannot delete itself here (site staff)."""


def account_can_delete_itself(*, user: User) -> bool:
    """Staff are refused: the admin keeps a log of their actions, and another member of
    staff should check nothing is left half-done before the account goes."""
    return not (user.is_staff or user.is_superuser)


def person_redact(text: str, *, full_name: str, emails: Iterable[str]) -> str:
    """`text` with the person's email addresses and full name taken out, any case.

    Best effort for free text that stays after they go (a message's signature):
    a first name on its own, or a misspelling, is not found.
    """
    for email in emails:
        text = re.sub(re.escape(email), REDACTED_EMAIL, text, flags=re.IGNORECASE)
    name = " ".join(full_name.split())
    if name:
        pattern = r"\b" + r"\s+".join(re.escape(part) for part in name.split()) + r"\b"
        text = re.sub(pattern, REDACTED_NAME, text, flags=re.IGNORECASE)
    return text


def _profile_contacts_remove(*, emails: set[str]) -> None:
    """A council's published contact that is this person is blanked (the phone number,
    often a team's, stays)."""
    AuthorityProfile.objects.filter(email_matches(field="contact_email", emails=emails)).update(
        contact_name="", contact_email="", updated_at=timezone.now()
    )


def _sessions_delete(*, user_id: int) -> None:
    """Sign the person out everywhere. Sessions are not linked to users by a key, so
    the live ones are decoded; deleting an account is rare and the table holds only
    unexpired sessions. Cookie-based sessions cannot be listed; they stop working
    anyway once the user row is gone."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return
    model = store_class.get_model_class()
    decoder = store_class()
    theirs = [
        session.session_key
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if decoder.decode(session.session_data).get(SESSION_KEY) == str(user_id)
    ]
    for session_key in theirs:
        store_class(session_key).delete()  # the database row and any cached copy


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete `user` and everything that is only theirs; keep what others rely on.

    Raises AccountDeleteRefused for site staff.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not account_can_delete_itself(user=locked):
        raise AccountDeleteRefused(STAFF_REFUSAL)
    emails = person_email_addresses(user=locked)
    account_deleting.send(sender=User, user=locked, emails=emails)
    _profile_contacts_remove(emails=emails)
    _sessions_delete(user_id=locked.pk)
    locked.delete()
