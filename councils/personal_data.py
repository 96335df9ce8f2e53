"""What we hold about one person, gathered for them to download (UK GDPR right of access).

Only the person's own records, and of anything linked to them only what is
theirs or an organisation's (a listing's title and council), never another
person's details. No secrets: no password hash, no authenticator secret or
recovery codes, no session keys.

councils sits below offers (offers imports councils, never the reverse), so
this module cannot read listings, interest, reports or digests itself. Each
app that keeps records about people answers `personal_data_requested` with a
dict of its own sections; offers.personal_data does so for offers.
"""

from collections.abc import Iterable
from typing import Any, cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from .models import AuthorityProfile, EmailDomain, Membership, User

# Sent with `user=`; each receiver returns {section name: JSON-safe data}.
personal_data_requested = Signal()


def person_email_addresses(*, user: User) -> set[str]:
    """Every address this person has given us, lower-cased (the account's and allauth's)."""
    addresses = {user.email.lower()}
    addresses.update(
        email.lower()
        for email in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    return {address for address in addresses if address}


def email_matches(*, field: str, emails: Iterable[str]) -> Q:
    """`field` equals one of `emails`, ignoring case. Matches nothing when `emails` is empty."""
    condition = Q(pk__in=[])
    for email in emails:
        condition |= Q(**{f"{field}__iexact": email})
    return condition


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "job_title": user.job_title,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_site_staff": user.is_staff,
        "is_demo_account": user.is_demo,
    }


def _two_factor(user: User) -> dict[str, Any]:
    # Only the kind and dates of each authenticator: its `data` holds the secret.
    authenticators = Authenticator.objects.filter(user=user).order_by("created_at", "pk")
    methods = [
        {
            "type": authenticator.get_type_display(),
            "created_at": authenticator.created_at,
            "last_used_at": authenticator.last_used_at,
        }
        for authenticator in authenticators
    ]
    enabled = any(
        a.type in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN) for a in authenticators
    )
    return {"enabled": enabled, "methods": methods}


def _memberships(user: User) -> list[dict[str, Any]]:
    # Who decided is left out: that is another person's data.
    memberships = (
        Membership.objects.filter(user=user).select_related("authority").order_by("created_at")
    )
    return [
        {
            "id": membership.pk,
            "council": membership.authority.name,
            "gss_code": membership.authority.gss_code,
            "role": membership.get_role_display(),
            "status": membership.get_status_display(),
            "how": membership.get_method_display(),
            "your_message": membership.request_message,
            "decided_at": membership.decided_at,
            "decision_reason": membership.decision_reason,
            "created_at": membership.created_at,
        }
        for membership in memberships
    ]


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything we hold about `user`, by section, ready for json.dumps(cls=DjangoJSONEncoder).

    A fixed number of queries however many records the person has.
    """
    data: dict[str, Any] = {
        "about_this_file": (
            f"The personal data {settings.SITE_NAME} holds about you, as of the time below. "
            "Listings and messages are given as references: the listing's title and council."
        ),
        "generated_at": timezone.now(),
        "account": _account(user),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "two_factor_authentication": _two_factor(user),
        "memberships": _memberships(user),
        "council_profiles_you_last_updated": [
            {"council": profile.authority.name, "updated_at": profile.updated_at}
            for profile in AuthorityProfile.objects.filter(updated_by=user).select_related(
                "authority"
            )
        ],
        "email_domains_you_added": [
            {
                "domain": domain.domain,
                "council": domain.authority.name,
                "added_at": domain.created_at,
            }
            for domain in EmailDomain.objects.filter(added_by=user).select_related("authority")
        ],
    }
    for _receiver, section in personal_data_requested.send(sender=User, user=user):
        data.update(cast(dict[str, Any], section))  # django-stubs types responses as str
    return data
