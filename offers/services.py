"""Writes about listings: create, edit, the lifecycle, expiry and owner emails.

Every function locks the listing row (select_for_update), asks the state
machine in offers.lifecycle whether the action is allowed for this person,
and records a ListingEvent in the same transaction. Emails leave through
Celery tasks enqueued on commit, so a rolled-back decision sends nothing.
"""

import copy
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.outbox import outbox_enqueue
from councils.models import Authority, AuthorityProfile, Membership, User
from councils.selectors import user_can_act_for, user_is_authority_admin
from offers.changes import listings_changed
from offers.lifecycle import (
    EditOutcome,
    ListingError,
    NotPermitted,
    Role,
    edit_outcome,
    transition_target,
)
from offers.models import (
    ExpiryReminder,
    Listing,
    ListingEvent,
    ScreeningTerm,
    Service,
    authority_delivers,
    default_expiry,
    not_delivered_reason,
)
from offers.moderation.screening import Flag, screen_listing_fields

logger = logging.getLogger(__name__)

Action = ListingEvent.Action
Status = Listing.Status

# What an owner may change after creating a listing (the kind and the
# authority are fixed: a different kind is a different listing).
EDITABLE_FIELDS: tuple[str, ...] = (
    "service",
    "title",
    "summary",
    "description",
    "delivery_model",
    "annual_value_gbp",
    "population_served",
    "partner_scope",
    "partner_radius_km",
    "named_partners",
    "earliest_start",
    "contact_name",
    "contact_email",
    "visibility",
)
SNAPSHOT_FIELDS: tuple[str, ...] = ("kind", *EDITABLE_FIELDS)


class ListingConflict(ListingError):
    """Someone saved the listing after this editor loaded it. `current` is their version."""

    def __init__(self, current: Listing) -> None:
        super().__init__(
            "Someone else changed this listing while you were editing it. "
            "Your changes have not been saved."
        )
        self.current = current


def field_label(name: str) -> str:
    field = Listing._meta.get_field(name)
    label = str(getattr(field, "verbose_name", name))
    return label[:1].upper() + label[1:]


def listing_field_values(
    *, listing: Listing, partner_names: list[str] | None = None
) -> dict[str, Any]:
    """The listing's fields as people read them, JSON-safe (for history and snapshots).

    `partner_names` stands in for the named partners of a listing whose
    relations are not saved (a held edit, applied to a copy).
    """
    values: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        if name == "named_partners":
            if partner_names is not None:
                values[name] = sorted(partner_names)
            else:
                values[name] = (
                    sorted(a.name for a in listing.named_partners.all()) if listing.pk else []
                )
            continue
        field = Listing._meta.get_field(name)
        value = getattr(listing, name)
        if getattr(field, "choices", None):
            value = getattr(listing, f"get_{name}_display")()
        elif isinstance(value, Model):
            value = str(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        values[name] = value
    return values


def listing_stored_values(*, listing: Listing) -> dict[str, Any]:
    """The editable fields as stored (ids, choice values, ISO dates), JSON-safe.

    Unlike listing_field_values (what people read), these can be written back
    exactly: a reverted edit restores the approved version from them.
    """
    values: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name == "named_partners":
            values[name] = sorted(a.pk for a in listing.named_partners.all()) if listing.pk else []
        elif name == "service":
            values[name] = listing.service_id
        elif name == "earliest_start":
            values[name] = listing.earliest_start.isoformat() if listing.earliest_start else None
        else:
            values[name] = getattr(listing, name)
    return values


def _apply_stored(listing: Listing, values: Mapping[str, Any]) -> list[int]:
    """Write stored values onto `listing` (not saved); returns the named partners' ids."""
    for name in EDITABLE_FIELDS:
        if name not in values or name == "named_partners":
            continue
        value = values[name]
        if name == "service":
            listing.service = Service.objects.get(pk=value)
        elif name == "earliest_start":
            listing.earliest_start = dt.date.fromisoformat(value) if value else None
        else:
            setattr(listing, name, value)
    return list(values.get("named_partners", []))


def listing_held_version(*, listing: Listing) -> tuple[Listing, list[Authority]] | None:
    """A copy of the listing with its held edit applied (never saved), and its named
    partners; None if no edit is held. What the owner edits and the moderator reviews."""
    if listing.held_values is None:
        return None
    copy = Listing.objects.select_related("authority", "service__family").get(pk=listing.pk)
    partner_ids = _apply_stored(copy, listing.held_values)
    partners = list(Authority.objects.filter(pk__in=partner_ids).order_by("name"))
    return copy, partners


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"label": field_label(name), "old": before.get(name), "new": after[name]}
        for name in after
        if before.get(name) != after[name]
    }


def _roles(*, user: User | None, listing_authority: Authority) -> set[Role]:
    if user is None:
        return {Role.SYSTEM}
    roles: set[Role] = set()
    if user_can_act_for(user=user, authority=listing_authority):
        roles.add(Role.OWNER)
    if user.is_authenticated and user.is_staff:
        roles.add(Role.STAFF)
    return roles


def _lock(listing: Listing) -> Listing:
    return (
        Listing.objects.select_for_update(of=("self",))
        .select_related("authority", "service")
        .get(pk=listing.pk)
    )


def _record(
    *,
    listing: Listing,
    by: User | None,
    action: str,
    from_status: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> ListingEvent:
    listings_changed()  # every recorded change can alter browse and search results
    return ListingEvent.objects.create(
        listing=listing,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=listing.status,
        reason=reason,
        changes=changes or {},
        version=listing.version,
    )


def listing_check_rules(
    *,
    authority: Authority,
    service: Service | None,
    partner_scope: str,
    partner_radius_km: int | None,
    named_partners: list[Authority],
) -> None:
    """Rules that span fields. Raises ValidationError keyed by field, with GOV.UK wording.

    Forms call this too, so the page and the service give the same message.
    """
    errors: dict[str, str] = {}
    if service is not None and not authority_delivers(service, authority):
        errors["service"] = (
            f"{not_delivered_reason(service, authority)}; choose a service your "
            f"{'council' if authority.is_council else 'organisation'} delivers"
        )
    if partner_scope == Listing.PartnerScope.RADIUS and not partner_radius_km:
        errors["partner_radius_km"] = "Enter how far away a partner can be, in kilometres"
    if partner_scope == Listing.PartnerScope.NAMED and not named_partners:
        errors["named_partners"] = "Select at least one council you want to partner with"
    if errors:
        raise ValidationError(errors)


def _check_version(listing: Listing, version: int | None) -> None:
    if version is not None and listing.version != version:
        raise ListingConflict(current=listing)


@transaction.atomic
def listing_create(
    *,
    authority: Authority,
    by: User,
    kind: str,
    service: Service,
    title: str,
    summary: str,
    contact_name: str,
    contact_email: str,
    description: str = "",
    delivery_model: str = Listing.DeliveryModel.OPEN,
    annual_value_gbp: int | None = None,
    population_served: int | None = None,
    partner_scope: str = Listing.PartnerScope.ANY,
    partner_radius_km: int | None = None,
    named_partners: Iterable[Authority] = (),
    earliest_start: dt.date | None = None,
    visibility: str = Listing.Visibility.PUBLIC,
    is_demo: bool = False,
) -> Listing:
    """A draft listing for `authority`. Only its officers (and staff) may create one."""
    if not user_can_act_for(user=by, authority=authority):
        raise NotPermitted("Only officers of this council can create its listings.")
    if not authority.is_current:
        raise ListingError("Listings can only be created for a current council.")
    partners = list(named_partners) if partner_scope == Listing.PartnerScope.NAMED else []
    listing_check_rules(
        authority=authority,
        service=service,
        partner_scope=partner_scope,
        partner_radius_km=partner_radius_km,
        named_partners=partners,
    )
    listing = Listing(
        authority=authority,
        kind=kind,
        service=service,
        title=title,
        summary=summary,
        description=description,
        delivery_model=delivery_model,
        annual_value_gbp=annual_value_gbp,
        population_served=population_served,
        partner_scope=partner_scope,
        partner_radius_km=(
            partner_radius_km if partner_scope == Listing.PartnerScope.RADIUS else None
        ),
        earliest_start=earliest_start,
        contact_name=contact_name,
        contact_email=contact_email,
        visibility=visibility,
        is_demo=is_demo,
        created_by=by,
    )
    listing.full_clean(exclude=["named_partners"])
    listing.save()
    listing.named_partners.set(partners)
    _record(listing=listing, by=by, action=Action.CREATED, from_status="")
    return listing


def screening_tripped(
    *, approved: Mapping[str, Any] | None, title: str, summary: str, description: str
) -> list[Flag]:
    """Flags on the new text that the approved text did not have.

    A moderator who approved a listing despite a flag has read that word or
    link; holding every later edit for it would take the typo fix offline again.
    """
    terms = list(ScreeningTerm.objects.filter(is_active=True).values_list("term", flat=True))
    flags = screen_listing_fields(
        title=title, summary=summary, description=description, terms=terms
    )
    if not approved:
        return flags
    known = {
        (flag.kind, flag.match.lower())
        for flag in screen_listing_fields(
            title=approved.get("title") or "",
            summary=approved.get("summary") or "",
            description=approved.get("description") or "",
            terms=terms,
        )
    }
    return [flag for flag in flags if (flag.kind, flag.match.lower()) not in known]


@transaction.atomic
def listing_update(
    *, listing: Listing, by: User, version: int, changes: Mapping[str, Any]
) -> Listing:
    """Apply an owner's edits, refusing them if the listing changed since `version`.

    A listing that is not live changes in place. A live one stays live
    (offers.lifecycle.edit_outcome): the edit is published at once and joins
    the "changes since approval" queue, or, if its new text trips screening, it
    is held (`held_values`) while the approved version stays up. An edit of a
    listing with a held edit starts from the held text. Saving with nothing
    changed records nothing and keeps the version.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    locked = _lock(listing)
    roles = _roles(user=by, listing_authority=locked.authority)
    target = transition_target(status=locked.status, action=Action.EDITED, roles=roles)
    _check_version(locked, version)
    held = listing_held_version(listing=locked)
    # The edit is made on a copy: a held edit must leave the live fields untouched.
    editing, editing_partners = (
        held if held else (copy.copy(locked), list(locked.named_partners.all()))
    )
    before = listing_field_values(listing=editing, partner_names=[a.name for a in editing_partners])
    partners = list(changes.get("named_partners", editing_partners))
    for name, value in changes.items():
        if name != "named_partners":
            setattr(editing, name, value)
    if editing.partner_scope != Listing.PartnerScope.RADIUS:
        editing.partner_radius_km = None
    if editing.partner_scope != Listing.PartnerScope.NAMED:
        partners = []
    listing_check_rules(
        authority=editing.authority,
        service=editing.service,
        partner_scope=editing.partner_scope,
        partner_radius_km=editing.partner_radius_km,
        named_partners=partners,
    )
    editing.full_clean(exclude=["named_partners"])
    after = listing_field_values(listing=editing, partner_names=[a.name for a in partners])
    diff = _diff(before, after)
    if not diff:
        return locked
    outcome = edit_outcome(
        status=locked.status,
        tripped_screening=bool(
            locked.status == Status.PUBLISHED
            and screening_tripped(
                approved=locked.published_snapshot,
                title=editing.title,
                summary=editing.summary,
                description=editing.description,
            )
        ),
    )
    from_status = locked.status
    locked.status = target
    locked.version += 1
    now = timezone.now()
    if outcome == EditOutcome.HELD:
        stored = listing_stored_values(listing=editing)
        stored["named_partners"] = sorted(a.pk for a in partners)
        locked.held_values = stored
        locked.held_at = locked.held_at or now
        locked.save()
        flags = screening_tripped(
            approved=locked.published_snapshot,
            title=editing.title,
            summary=editing.summary,
            description=editing.description,
        )
        _record(
            listing=locked,
            by=by,
            action=Action.EDIT_HELD,
            from_status=from_status,
            changes=diff,
            reason="; ".join(flag.message for flag in flags),
        )
        return locked
    _apply_stored(locked, listing_stored_values(listing=editing))
    locked.held_values = None
    locked.held_at = None
    if outcome == EditOutcome.LIVE:
        stored = listing_stored_values(listing=locked)
        stored["named_partners"] = sorted(a.pk for a in partners)
        # Back to exactly what was approved: nothing left for a moderator to review.
        back_to_approved = stored == locked.approved_values
        locked.changed_since_approval_at = (
            None if back_to_approved else (locked.changed_since_approval_at or now)
        )
    locked.save()
    locked.named_partners.set(partners)
    _record(listing=locked, by=by, action=Action.EDITED, from_status=from_status, changes=diff)
    return locked


def _transition(
    *,
    listing: Listing,
    by: User | None,
    action: str,
    reason: str = "",
    version: int | None = None,
) -> tuple[Listing, str]:
    """Lock, check the state machine and the version, move state. Caller saves and records."""
    locked = _lock(listing)
    target = transition_target(
        status=locked.status,
        action=action,
        roles=_roles(user=by, listing_authority=locked.authority),
    )
    _check_version(locked, version)
    from_status = locked.status
    locked.status = target
    locked.version += 1
    return locked, from_status


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


@transaction.atomic
def listing_submit(*, listing: Listing, by: User, version: int | None = None) -> Listing:
    """Send a draft (or a listing sent back for changes) to the moderators."""
    locked, from_status = _transition(
        listing=listing, by=by, action=Action.SUBMITTED, version=version
    )
    locked.submitted_at = timezone.now()
    locked.save()
    _record(listing=locked, by=by, action=Action.SUBMITTED, from_status=from_status)
    return locked


@transaction.atomic
def listing_withdraw(
    *, listing: Listing, by: User, reason: str = "", version: int | None = None
) -> Listing:
    """The owner takes the listing down for good."""
    locked, from_status = _transition(
        listing=listing, by=by, action=Action.WITHDRAWN, version=version
    )
    locked.save()
    _record(listing=locked, by=by, action=Action.WITHDRAWN, from_status=from_status, reason=reason)
    return locked


@transaction.atomic
def listing_renew(*, listing: Listing, by: User) -> Listing:
    """Keep a published (or expired) listing up for another six months from today."""
    locked, from_status = _transition(listing=listing, by=by, action=Action.RENEWED)
    old_expiry = locked.expires_at
    locked.expires_at = default_expiry()
    locked.save()
    _record(
        listing=locked,
        by=by,
        action=Action.RENEWED,
        from_status=from_status,
        changes={
            "expires_at": {
                "label": "Expires",
                "old": old_expiry.date().isoformat() if old_expiry else None,
                "new": locked.expires_at.date().isoformat(),
            }
        },
    )
    return locked


def _mark_approved(listing: Listing) -> None:
    """What a moderator has now read becomes the approved version: nothing is left to review."""
    listing.published_snapshot = listing_field_values(listing=listing)
    listing.approved_values = listing_stored_values(listing=listing)
    listing.changed_since_approval_at = None
    listing.held_values = None
    listing.held_at = None


def _notify_owner(event: ListingEvent) -> None:
    """Write the owner's email to the outbox in the deciding transaction."""
    listing_decision_email(event_id=event.pk)


@transaction.atomic
def listing_publish(*, listing: Listing, by: User, version: int | None = None) -> Listing:
    """Staff approve a submitted listing; it is public until it expires."""
    locked, from_status = _transition(
        listing=listing, by=by, action=Action.PUBLISHED, version=version
    )
    now = timezone.now()
    locked.published_at = now
    locked.first_published_at = locked.first_published_at or now
    locked.expires_at = default_expiry(now)
    locked.status_reason = ""
    _mark_approved(locked)
    locked.save()
    event = _record(listing=locked, by=by, action=Action.PUBLISHED, from_status=from_status)
    _notify_owner(event)
    return locked


def _staff_decision_with_reason(
    *, listing: Listing, by: User, action: str, reason: str, version: int | None
) -> Listing:
    """Send the listing back or refuse it; the reason is kept, recorded and emailed."""
    locked, from_status = _transition(listing=listing, by=by, action=action, version=version)
    locked.status_reason = reason
    if locked.held_values is not None:
        # Taken offline: the owner fixes their latest text, which nobody else sees now.
        partner_ids = _apply_stored(locked, locked.held_values)
        locked.named_partners.set(partner_ids)
    locked.held_values = None
    locked.held_at = None
    locked.changed_since_approval_at = None
    locked.save()
    event = _record(listing=locked, by=by, action=action, from_status=from_status, reason=reason)
    _notify_owner(event)
    return locked


@transaction.atomic
def listing_request_changes(
    *, listing: Listing, by: User, reason: str, version: int | None = None
) -> Listing:
    """Staff send the listing back to its owner with what to change."""
    reason = _require_reason(reason, "Enter the changes the council needs to make")
    return _staff_decision_with_reason(
        listing=listing, by=by, action=Action.CHANGES_REQUESTED, reason=reason, version=version
    )


@transaction.atomic
def listing_reject(
    *, listing: Listing, by: User, reason: str, version: int | None = None
) -> Listing:
    """Staff refuse the listing for good, saying why."""
    reason = _require_reason(reason, "Enter why the listing is rejected")
    return _staff_decision_with_reason(
        listing=listing, by=by, action=Action.REJECTED, reason=reason, version=version
    )


@transaction.atomic
def listing_changes_accept(*, listing: Listing, by: User, version: int | None = None) -> Listing:
    """A moderator accepts every change since approval (a held edit goes live with them).

    The listing stays published; its current text becomes the approved version.
    """
    locked = _lock(listing)
    transition_target(
        status=locked.status,
        action=Action.CHANGES_ACCEPTED,
        roles=_roles(user=by, listing_authority=locked.authority),
    )
    _check_version(locked, version)
    if not locked.has_unreviewed_changes:
        raise ListingError("This listing has no changes waiting for review.")
    was_held = locked.held_values is not None
    before = listing_field_values(listing=locked)
    if was_held:
        partner_ids = _apply_stored(locked, locked.held_values or {})
        locked.named_partners.set(partner_ids)
    diff = _diff(locked.published_snapshot or {}, listing_field_values(listing=locked))
    if was_held:
        diff = _diff(before, listing_field_values(listing=locked)) or diff
    locked.version += 1
    _mark_approved(locked)
    locked.save()
    event = _record(
        listing=locked,
        by=by,
        action=Action.CHANGES_ACCEPTED,
        from_status=Status.PUBLISHED,
        changes=diff,
    )
    if was_held:  # the owner has been waiting to see their edit go live
        _notify_owner(event)
    return locked


@transaction.atomic
def listing_changes_revert(
    *, listing: Listing, by: User, reason: str, version: int | None = None
) -> Listing:
    """A moderator restores the last approved version, saying why; the owner is emailed.

    Every edit since approval is undone together (a held edit is dropped), and
    the listing stays published.
    """
    reason = _require_reason(reason, "Enter why the changes are reverted")
    locked = _lock(listing)
    transition_target(
        status=locked.status,
        action=Action.CHANGES_REVERTED,
        roles=_roles(user=by, listing_authority=locked.authority),
    )
    _check_version(locked, version)
    if not locked.has_unreviewed_changes:
        raise ListingError("This listing has no changes waiting for review.")
    if locked.approved_values is None:
        raise ListingError("There is no approved version of this listing to go back to.")
    held = listing_held_version(listing=locked)
    shown, shown_partners = held if held else (locked, list(locked.named_partners.all()))
    before = listing_field_values(listing=shown, partner_names=[a.name for a in shown_partners])
    partner_ids = _apply_stored(locked, locked.approved_values)
    locked.named_partners.set(partner_ids)
    locked.version += 1
    locked.status_reason = reason
    _mark_approved(locked)
    locked.save()
    event = _record(
        listing=locked,
        by=by,
        action=Action.CHANGES_REVERTED,
        from_status=Status.PUBLISHED,
        reason=reason,
        changes=_diff(before, listing_field_values(listing=locked)),
    )
    _notify_owner(event)
    return locked


def listing_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire published listings whose expiry has passed. Returns how many. Safe to re-run."""
    now = now or timezone.now()
    expired = 0
    for pk in list(Listing.objects.expiry_due(now).values_list("pk", flat=True)):
        with transaction.atomic():
            locked = Listing.objects.select_for_update(of=("self",)).filter(pk=pk).first()
            # State guard: renewed or withdrawn since the query above.
            if (
                locked is None
                or locked.status != Status.PUBLISHED
                or locked.expires_at is None
                or locked.expires_at > now
            ):
                continue
            locked.status = Status.EXPIRED
            locked.version += 1
            locked.save()
            _record(
                listing=locked,
                by=None,
                action=Action.EXPIRED,
                from_status=Status.PUBLISHED,
            )
            expired += 1
    return expired


def _owner_recipients(listing: Listing) -> list[str]:
    recipients = [listing.contact_email]
    if listing.created_by and listing.created_by.email not in recipients:
        recipients.append(listing.created_by.email)
    return [r for r in recipients if r]


def _absolute(path: str) -> str:
    site_url: str = settings.SITE_URL
    return site_url.rstrip("/") + path


def listing_decision_email(*, event_id: int) -> bool:
    """Put the owner's email about a moderation decision in the outbox.

    Once per event: False if it was queued before (owner_notified_at says when).
    """
    with transaction.atomic():
        event = (
            ListingEvent.objects.select_for_update(of=("self",))
            .select_related("listing", "listing__created_by", "listing__authority")
            .get(pk=event_id)
        )
        if event.owner_notified_at is not None:
            return False
        listing = event.listing
        context = {
            "event": event,
            "listing": listing,
            "site_name": settings.SITE_NAME,
            "listing_url": _absolute(listing.get_absolute_url()),
            "edit_url": _absolute(reverse("offers:edit", kwargs={"pk": listing.pk})),
        }
        subjects: dict[str, str] = {
            Action.PUBLISHED: f"Your listing is published: {listing.title}",
            Action.CHANGES_REQUESTED: f"Changes needed to your listing: {listing.title}",
            Action.REJECTED: f"Your listing was not published: {listing.title}",
            Action.CHANGES_ACCEPTED: f"Your changes are published: {listing.title}",
            Action.CHANGES_REVERTED: f"Your changes were reverted: {listing.title}",
        }
        outbox_enqueue(
            kind="listing.decision",
            key=f"listing.decision:{event.pk}",
            to=_owner_recipients(listing),
            subject=f"[{settings.SITE_NAME}] {subjects.get(event.action, listing.title)}",
            body=render_to_string("offers/email/decision.txt", context),
        )
        event.owner_notified_at = timezone.now()
        event.save(update_fields=["owner_notified_at"])
    return True


def listing_expiry_reminders_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of published listings expiring within the reminder window and not yet reminded."""
    now = now or timezone.now()
    days = settings.LISTING_REMINDER_DAYS_BEFORE
    due = Listing.objects.published().filter(
        expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=days)
    )
    reminded = ExpiryReminder.objects.filter(
        listing_id__in=due.values("pk"), sent_at__isnull=False
    ).values_list("listing_id", "expires_at")
    sent = set(reminded)
    return [pk for pk, expires in due.values_list("pk", "expires_at") if (pk, expires) not in sent]


def listing_expiry_reminder_send(*, listing_id: int, now: dt.datetime | None = None) -> bool:
    """Remind the owner that the listing expires soon. Once per expiry date; False if skipped."""
    now = now or timezone.now()
    days = settings.LISTING_REMINDER_DAYS_BEFORE
    with transaction.atomic():
        listing = (
            Listing.objects.select_for_update(of=("self",))
            .select_related("created_by", "authority")
            .filter(pk=listing_id)
            .first()
        )
        if (
            listing is None
            or listing.status != Status.PUBLISHED
            or listing.expires_at is None
            or not now < listing.expires_at <= now + dt.timedelta(days=days)
        ):
            return False
        reminder, _ = ExpiryReminder.objects.get_or_create(
            listing=listing, expires_at=listing.expires_at
        )
        if reminder.sent_at is not None:
            return False
        context = {
            "listing": listing,
            "site_name": settings.SITE_NAME,
            "listing_url": _absolute(listing.get_absolute_url()),
            "renew_url": _absolute(reverse("offers:renew", kwargs={"pk": listing.pk})),
        }
        # In the outbox in the same transaction as the reminder row: sent once.
        outbox_enqueue(
            kind="listing.expiry_reminder",
            key=f"listing.expiry_reminder:{listing.pk}:{listing.expires_at.isoformat()}",
            to=_owner_recipients(listing),
            subject=f"[{settings.SITE_NAME}] Your listing expires soon: {listing.title}",
            body=render_to_string("offers/email/expiry_reminder.txt", context),
        )
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def listings_hand_over(*, authority: Authority, leaving: User, to: User, by: User) -> int:
    """Give `to` the listings `leaving` created for `authority` and make `to` the
    contact wherever `leaving` was; also the organisation's published contact.
    For when someone leaves. Only the organisation's admins (or staff) may, and
    `to` must act for it. Returns how many listings changed.

    Each listing's version goes up and its history says who handed it over, so
    an editor with the old form open is refused rather than putting the
    person back. Safe to call twice: the second call finds nothing of theirs.
    """
    if not user_is_authority_admin(user=by, authority=authority):
        raise PermissionDenied("Only this organisation's admins can hand over listings.")
    if not Membership.objects.approved().filter(user=to, authority=authority).exists():
        raise ValidationError(f"{to} does not act for {authority.name}.")
    if to.pk == leaving.pk:
        raise ValidationError("Choose someone else to take over.")
    theirs = Q(created_by=leaving) | Q(contact_email__iexact=leaving.email)
    listings = (
        Listing.objects.select_for_update(of=("self",))
        .filter(theirs, authority=authority)
        .order_by("pk")
    )
    changed = 0
    for listing in listings:
        changes: dict[str, dict[str, Any]] = {}
        fields = ["version", "updated_at"]
        if listing.contact_email.lower() == leaving.email.lower():
            new_name = to.full_name or to.email
            changes["contact_name"] = {
                "label": field_label("contact_name"),
                "old": listing.contact_name,
                "new": new_name,
            }
            changes["contact_email"] = {
                "label": field_label("contact_email"),
                "old": listing.contact_email,
                "new": to.email,
            }
            listing.contact_name, listing.contact_email = new_name, to.email
            fields += ["contact_name", "contact_email"]
        if listing.created_by_id == leaving.pk:
            listing.created_by = to
            fields.append("created_by")
        listing.version += 1
        listing.save(update_fields=fields)
        _record(
            listing=listing,
            by=by,
            action=ListingEvent.Action.EDITED,
            from_status=listing.status,
            reason=f"Handed over from {leaving} to {to}.",
            changes=changes,
        )
        changed += 1
    profile = AuthorityProfile.objects.select_for_update().filter(authority=authority).first()
    if profile and profile.contact_email and profile.contact_email.lower() == leaving.email.lower():
        profile.contact_name, profile.contact_email = to.full_name or to.email, to.email
        profile.updated_by = by
        profile.save(update_fields=["contact_name", "contact_email", "updated_by", "updated_at"])
    audit_record(
        actor=by,
        action="listings.hand_over",
        target=authority,
        before={"person": leaving.email},
        after={"person": to.email, "listings": changed},
    )
    return changed
