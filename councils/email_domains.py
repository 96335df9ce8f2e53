"""Email domains staff register: an organisation's own (an address there joins it on
sign-up) and the shared ones many organisations use (never proof of anything).

Staff manage both on /councils/staff/email-domains/ (councils.staff_views)
as well as in the Django admin; each write is audited with core.audit in its
own transaction, and the same rules apply on both routes (`clean_email_domain`).
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from core.audit import audit_record

from .models import Authority, EmailDomain, SharedEmailDomain, User

# One or more labels of letters, digits and inner hyphens, then a TLD of letters.
_DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Addresses anyone can get: registering one would let anybody join a council.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "live.co.uk",
        "yahoo.com",
        "yahoo.co.uk",
        "icloud.com",
        "me.com",
        "aol.com",
        "btinternet.com",
        "proton.me",
        "protonmail.com",
        "gov.uk",
        "nhs.net",
    }
)


def normalise_domain(value: str) -> str:
    """'@Adur.GOV.uk ' -> 'adur.gov.uk', or ValidationError in GOV.UK wording."""
    domain = value.strip().lower().lstrip("@")
    if not _DOMAIN_RE.match(domain):
        raise ValidationError("Enter a domain in the correct format, like adur-worthing.gov.uk")
    return domain


def clean_email_domain(value: str) -> str:
    """A domain that may prove someone works for one organisation."""
    domain = normalise_domain(value)
    if domain in PUBLIC_DOMAINS:
        raise ValidationError(
            "Enter a domain that only this council's staff can use, not a public email service"
        )
    if SharedEmailDomain.objects.filter(domain=domain).exists():
        raise ValidationError(
            "Enter a domain that only this organisation's staff use: "
            f"{domain} is shared by many organisations"
        )
    return domain


def email_domains_list(*, q: str = "") -> QuerySet[EmailDomain]:
    """Registered domains with their organisation and who added them, one query."""
    domains = EmailDomain.objects.select_related("authority", "added_by").order_by("domain")
    if q:
        domains = domains.filter(Q(domain__icontains=q) | Q(authority__name__icontains=q))
    return domains


def shared_email_domains_list() -> QuerySet[SharedEmailDomain]:
    return SharedEmailDomain.objects.order_by("domain")


@transaction.atomic
def email_domain_add(*, authority: Authority, domain: str, by: User) -> EmailDomain:
    """Register `domain` for `authority`. ValidationError if invalid or taken."""
    domain = clean_email_domain(domain)
    existing = EmailDomain.objects.select_related("authority").filter(domain=domain).first()
    if existing is not None:
        raise ValidationError(f"{domain} is already registered for {existing.authority.name}")
    try:
        with transaction.atomic():
            created = EmailDomain.objects.create(authority=authority, domain=domain, added_by=by)
    except IntegrityError as error:  # registered by someone else a moment ago
        raise ValidationError(f"{domain} is already registered") from error
    audit_record(
        actor=by,
        action="email_domain.add",
        target=created,
        after={"domain": domain, "authority": authority.name},
    )
    return created


@transaction.atomic
def email_domain_remove(*, email_domain: EmailDomain, by: User) -> None:
    """Stop the domain joining people to the organisation. Existing members stay."""
    audit_record(
        actor=by,
        action="email_domain.delete",
        target=email_domain,
        before={"domain": email_domain.domain, "authority": email_domain.authority.name},
    )
    email_domain.delete()


@transaction.atomic
def shared_email_domain_add(*, domain: str, note: str, by: User) -> SharedEmailDomain:
    """Mark a domain as shared by many organisations, so it never joins anyone."""
    domain = normalise_domain(domain)
    registered = EmailDomain.objects.select_related("authority").filter(domain=domain).first()
    if registered is not None:
        raise ValidationError(
            f"{domain} is registered for {registered.authority.name}: remove it there first"
        )
    shared, created = SharedEmailDomain.objects.get_or_create(
        domain=domain, defaults={"note": note.strip()}
    )
    if not created:
        raise ValidationError(f"{domain} is already on the shared list")
    audit_record(
        actor=by, action="shared_email_domain.add", target=shared, after={"domain": domain}
    )
    return shared


@transaction.atomic
def shared_email_domain_remove(*, shared: SharedEmailDomain, by: User) -> None:
    audit_record(
        actor=by,
        action="shared_email_domain.delete",
        target=shared,
        before={"domain": shared.domain, "note": shared.note},
    )
    shared.delete()
