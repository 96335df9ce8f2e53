"""Join a council as soon as an email address is verified (allauth's signal)."""

from typing import Any

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from .services import membership_join_by_domain


@receiver(email_confirmed)
def join_by_verified_domain(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    membership_join_by_domain(user=email_address.user, email=email_address.email)
