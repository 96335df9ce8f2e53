"""Join an organisation as soon as an email address is verified (allauth's signal).

An invitation to that address wins over a registered email domain: an admin
chose this person for this organisation. Each service is safe to call twice,
and neither joins anyone who already has an open membership.
"""

from typing import Any

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from .services import invitation_accept_for_email, membership_join_by_domain


@receiver(email_confirmed)
def join_by_verified_domain(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    if invitation_accept_for_email(user=email_address.user, email=email_address.email) is None:
        membership_join_by_domain(user=email_address.user, email=email_address.email)
