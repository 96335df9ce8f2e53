"""Offers' part of a person's own data: what they can download, and what happens to
their listings and messages when they delete their account.

councils owns the account (councils.personal_data, councils.account_services)
but cannot import offers, so it sends a signal and this module answers it.
OffersConfig.ready() imports it, which connects the receivers.

On deletion: listings belong to the council and stay; where the person was the
contact, the contact passes to one of the council's approved admins, or the
council's published contact, or is left blank for an officer to fill in, and
the listing's history says so. Expressions of interest and reports stay with
whoever received them, unlinked from the person and without their name or
address. Digests answer for their own records in digests.personal_data.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from councils.account_services import REDACTED_EMAIL, REDACTED_NAME, account_deleting, person_redact
from councils.models import Authority, AuthorityProfile, Membership, User
from councils.personal_data import email_matches, person_email_addresses, personal_data_requested
from offers.models import Interest, Listing, ListingEvent, Report
from offers.services import _record, field_label

CONTACT_FIELDS = ("contact_name", "contact_email")


def _listing_ref(listing: Listing) -> dict[str, Any]:
    """A listing as a reference: the organisation's facts, no person's."""
    return {
        "id": listing.pk,
        "kind": listing.get_kind_display(),
        "title": listing.title,
        "council": listing.authority.name,
        "status": listing.get_status_display(),
        "url": listing.get_absolute_url(),
    }


def offers_personal_data(*, user: User) -> dict[str, Any]:
    """The person's listings (as references), history entries, interest and reports.

    Of another person's record only what is the person's own: for an interest
    the listing and council it went to, never who received it.
    """
    emails = person_email_addresses(user=user)
    events = (
        ListingEvent.objects.filter(actor=user)
        .select_related("listing__authority")
        .order_by("created_at", "pk")
    )
    interests = (
        Interest.objects.filter(sender=user)
        .select_related("listing__authority", "sender_authority")
        .order_by("created_at", "pk")
    )
    reports = (
        Report.objects.filter(reporter=user)
        .select_related("listing__authority")
        .order_by("created_at", "pk")
    )
    return {
        "listings_you_created": [
            {**_listing_ref(listing), "created_at": listing.created_at}
            for listing in Listing.objects.filter(created_by=user)
            .select_related("authority")
            .order_by("pk")
        ],
        "listings_naming_you_as_contact": [
            {
                **_listing_ref(listing),
                "contact_name": listing.contact_name,
                "contact_email": listing.contact_email,
            }
            for listing in Listing.objects.filter(
                email_matches(field="contact_email", emails=emails)
            )
            .select_related("authority")
            .order_by("pk")
        ],
        # Which fields changed, not their values: an old value can be another person's name.
        "listing_changes_you_made": [
            {
                "listing": _listing_ref(event.listing),
                "action": event.get_action_display(),
                "from_status": event.get_from_status_display() if event.from_status else "",
                "to_status": event.get_to_status_display(),
                "reason": event.reason,
                "fields_changed": sorted(
                    str(change.get("label", name)) for name, change in event.changes.items()
                ),
                "at": event.created_at,
            }
            for event in events
        ],
        "expressions_of_interest_sent": [
            {
                "id": interest.pk,
                "listing": _listing_ref(interest.listing),
                "on_behalf_of": interest.sender_authority.name,
                "message": interest.message,
                "status": interest.get_status_display(),
                "sent_at": interest.created_at,
            }
            for interest in interests
        ],
        "reports_made": [
            {
                "id": report.pk,
                "listing": _listing_ref(report.listing),
                "reason": report.reason,
                "status": report.get_status_display(),
                "made_at": report.created_at,
                "closed_at": report.resolved_at,
            }
            for report in reports
        ],
    }


def _council_contact(
    *, authority: Authority, leaving: User, emails: set[str]
) -> tuple[str, str, str]:
    """(name, email, why) of whoever takes over a listing's contact for `authority`."""
    admin = (
        Membership.objects.approved()
        .filter(authority=authority, role=Membership.Role.ADMIN)
        .exclude(user=leaving)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    if admin is not None:
        return (
            admin.user.display_name,
            admin.user.email,
            "The contact deleted their account; the contact is now the council's admin.",
        )
    profile = AuthorityProfile.objects.filter(authority=authority).first()
    if (
        profile is not None
        and profile.contact_email
        and profile.contact_email.lower() not in emails
    ):
        return (
            profile.contact_name,
            profile.contact_email,
            "The contact deleted their account; the contact is now the council's published "
            "contact.",
        )
    return (
        "",
        "",
        "The contact deleted their account and the council has no admin or published "
        "contact to take over: an officer of the council needs to add a contact.",
    )


def listing_contacts_hand_over(*, user: User, emails: set[str]) -> int:
    """Give every listing whose contact is `user` a contact at its council. Returns how many.

    The contact is `user` when the contact email is one of theirs, or when they
    created the listing under their own full name. The version goes up, so an
    editor with the old form open is refused rather than putting the person back.
    """
    theirs = email_matches(field="contact_email", emails=emails)
    if user.full_name:
        theirs |= Q(created_by=user, contact_name__iexact=user.full_name)
    listings = (
        Listing.objects.select_for_update(of=("self",))
        .filter(theirs)
        .select_related("authority")
        .order_by("pk")
    )
    handed = 0
    for listing in listings:
        name, email, why = _council_contact(
            authority=listing.authority, leaving=user, emails=emails
        )
        changes = {
            "contact_name": {
                "label": field_label("contact_name"),
                "old": REDACTED_NAME,
                "new": name,
            },
            "contact_email": {
                "label": field_label("contact_email"),
                "old": REDACTED_EMAIL,
                "new": email,
            },
        }
        listing.contact_name, listing.contact_email = name, email
        listing.version += 1
        listing.save(update_fields=[*CONTACT_FIELDS, "version", "updated_at"])
        _record(
            listing=listing,
            by=None,
            action=ListingEvent.Action.EDITED,
            from_status=listing.status,
            reason=why,
            changes=changes,
        )
        handed += 1
    return handed


def _is_theirs(value: Any, *, full_name: str, emails: set[str]) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    text = " ".join(value.split()).lower()
    return text in emails or (bool(full_name) and text == " ".join(full_name.split()).lower())


def _listing_records_scrub(*, user: User, emails: set[str]) -> None:
    """Take the person's name and address out of the history and the copies of the
    fields kept with listings (published, approved, held), and out of reasons they wrote."""
    full_name = user.full_name
    redacted = {"contact_name": REDACTED_NAME, "contact_email": REDACTED_EMAIL}
    history = ListingEvent.objects.select_for_update(of=("self",)).filter(
        Q(changes__has_key="contact_name") | Q(changes__has_key="contact_email") | Q(actor=user)
    )
    for event in history:
        changed = False
        for name in CONTACT_FIELDS:
            entry = event.changes.get(name)
            if not isinstance(entry, dict):
                continue
            for side in ("old", "new"):
                if _is_theirs(entry.get(side), full_name=full_name, emails=emails):
                    entry[side] = redacted[name]
                    changed = True
        reason = person_redact(event.reason, full_name=full_name, emails=emails)
        if changed or reason != event.reason:
            event.reason = reason
            event.save(update_fields=["changes", "reason"])
    # Every copy of the listing's fields kept beside it: as last published (for the
    # diff), as a moderator approved them (for a revert) and an edit held for review.
    for copy_field in ("published_snapshot", "approved_values", "held_values"):
        in_copy = email_matches(field=f"{copy_field}__contact_email", emails=emails)
        if full_name:
            in_copy |= Q(**{f"{copy_field}__contact_name__iexact": full_name})
        for listing in Listing.objects.select_for_update(of=("self",)).filter(in_copy):
            values = dict(getattr(listing, copy_field) or {})
            for name in CONTACT_FIELDS:
                if _is_theirs(values.get(name), full_name=full_name, emails=emails):
                    values[name] = redacted[name]
            setattr(listing, copy_field, values)
            listing.save(update_fields=[copy_field])


def person_messages_anonymise(*, user: User, emails: Iterable[str]) -> None:
    """Keep the person's expressions of interest and reports, unlinked from them and
    with their name and address taken out of the text."""
    for interest in Interest.objects.select_for_update(of=("self",)).filter(sender=user):
        message = person_redact(interest.message, full_name=user.full_name, emails=emails)
        # update(), not save(): the row's updated_at is the council's last status change.
        Interest.objects.filter(pk=interest.pk).update(sender=None, message=message)
    for report in Report.objects.select_for_update(of=("self",)).filter(reporter=user):
        reason = person_redact(report.reason, full_name=user.full_name, emails=emails)
        Report.objects.filter(pk=report.pk).update(reporter=None, reason=reason)


@receiver(personal_data_requested, dispatch_uid="offers-personal-data")
def _personal_data_section(sender: Any, *, user: User, **kwargs: Any) -> dict[str, Any]:
    return offers_personal_data(user=user)


@receiver(account_deleting, dispatch_uid="offers-account-deleting")
def _account_deleting(sender: Any, *, user: User, emails: set[str], **kwargs: Any) -> None:
    listing_contacts_hand_over(user=user, emails=emails)
    _listing_records_scrub(user=user, emails=emails)
    person_messages_anonymise(user=user, emails=emails)
