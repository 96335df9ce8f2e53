"""Writes for groups: keep the stored suggestions in step with detection, tell
owners once, and start a conversation with every member at once."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from core.outbox import outbox_enqueue
from councils.models import Authority, User
from councils.selectors import email_wanted
from groups import detection, incremental
from groups.models import Suggestion, SuggestionMember, SuggestionNotice
from groups.selectors import (
    family_rates,
    live_entries,
    services_info,
    stored_consortia,
    suggestion_for_viewer,
)
from offers.interest.services import interest_register
from offers.models import Interest, Listing

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock's first key: "groups" (the second is the service id).
_LOCK_CLASS = 17


@dataclass(frozen=True)
class Recomputed:
    created: int
    updated: int
    removed: int
    notices: int


def _savings(s: detection.Savings) -> dict[str, Any]:
    return asdict(s)


def _consortium_row(c: detection.Consortium) -> dict[str, Any]:
    return {
        "kind": Suggestion.Kind.CONSORTIUM,
        "service_id": c.service_pk,
        "other_service_id": None,
        "score": c.score,
        "explanation": c.explanation,
        "details": {
            "furthest_km": round(c.furthest_km, 1),
            "savings": _savings(c.savings),
            "offers": [
                {"listing": o.entry.pk, "name": o.entry.body.short_name, "sentence": o.sentence}
                for o in c.offers
            ],
        },
        "members": [m.pk for m in c.members],
    }


def _swap_row(s: detection.Swap) -> dict[str, Any]:
    return {
        "kind": Suggestion.Kind.SWAP,
        "service_id": s.a_offer.service_pk,
        "other_service_id": s.b_offer.service_pk,
        "score": s.score,
        "explanation": s.explanation,
        "details": {
            "km": round(s.km, 1),
            "savings_a": _savings(s.savings_a_offer),
            "savings_b": _savings(s.savings_b_offer),
            "a": s.a_offer.body.short_name,
            "b": s.b_offer.body.short_name,
        },
        "members": list(s.listing_pks),
    }


def detect_for_service(*, service_pk: int, synthetic: bool = False) -> dict[str, dict[str, Any]]:
    """What detection finds now for one service: its consortia and every swap with
    it on either side, as rows by key. Reads only that service's listings and, for
    swaps, the listings of the organisations that list it."""
    entries = live_entries(service_pks=[service_pk], synthetic=synthetic)
    # A swap touching the service pairs an organisation offering it (and its needs)
    # with one needing it (and its offers): only those listings are read.
    offering = {e.body.pk for e in entries if e.kind == detection.OFFER and e.body.pk}
    needing = {e.body.pk for e in entries if e.kind == detection.NEED and e.body.pk}
    wide = [
        *entries,
        *(
            live_entries(authority_pks=offering, kind=detection.NEED, synthetic=synthetic)
            if offering
            else []
        ),
        *(
            live_entries(authority_pks=needing, kind=detection.OFFER, synthetic=synthetic)
            if needing
            else []
        ),
    ]
    wide = list({e.pk: e for e in wide}.values())
    info = services_info(service_pks={e.service_pk for e in wide} | {service_pk})
    rates = family_rates(services=info.values())
    rows: dict[str, dict[str, Any]] = {}
    if service_pk in info:
        service = info[service_pk]
        for c in detection.consortia(entries, service, rates.get(service.family_pk)):
            rows[c.key] = _consortium_row(c)
    for s in detection.swaps(wide, info, rates, touching=service_pk):
        rows[s.key] = _swap_row(s)
    return rows


@transaction.atomic
def groups_recompute(
    *, service_pk: int, listing_pk: int | None = None, synthetic: bool = False
) -> Recomputed:
    """Bring the stored suggestions touching one service in line with detection.

    Runs in the transaction that published, withdrew or expired a listing (the
    groups app's receiver), under a per-service advisory lock so two changes in
    the same service cannot interleave. With the listing that changed, only what
    that change can reach is recomputed (groups.incremental: the consortia its
    neighbourhood cascades to, and the swaps its organisation holds in the
    service), from the stored consortia; without it (or if the stored consortia no
    longer fit the listings) the whole service is. A suggestion kept with the same
    members keeps its row, rewritten only if its figures changed; owners of
    listings that newly join one are told once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, service_pk])
    if listing_pk is not None:
        try:
            rows, gone, existing = _detect_change(
                service_pk=service_pk, listing_pk=listing_pk, synthetic=synthetic
            )
        except incremental.StaleGroups:
            logger.warning("groups: stored consortia of service %s recomputed whole", service_pk)
        else:
            return _store(rows=rows, gone=gone, existing=existing, synthetic=synthetic)
    rows = detect_for_service(service_pk=service_pk, synthetic=synthetic)
    existing = {
        s.key: s
        for s in Suggestion.objects.filter(
            Q(service_id=service_pk) | Q(other_service_id=service_pk)
        )
    }
    return _store(rows=rows, gone=set(existing) - set(rows), existing=existing, synthetic=synthetic)


def _detect_change(
    *, service_pk: int, listing_pk: int, synthetic: bool
) -> tuple[dict[str, dict[str, Any]], set[str], dict[str, Suggestion]]:
    """What one listing's change does to the service's suggestions: rows found or
    re-derived, keys that went, and the stored rows among them.

    Reads the service's live listings (one query, two with named partners), its
    stored consortia (one), the changed listing (one), and for swaps the listings
    of the organisations within reach of the listing's own (one) and the swaps its
    organisation holds in the service (one). The listings of the whole service are
    still read because the cascade of a consortium change is not bounded in
    advance; the work after the reads is the cascade's, not the service's."""
    entries = live_entries(service_pks=[service_pk], synthetic=synthetic)
    changed = live_entries(pks=[listing_pk], any_status=True, synthetic=synthetic)
    info = services_info(service_pks={service_pk})
    rows: dict[str, dict[str, Any]] = {}
    gone: set[str] = set()
    stored: list[Suggestion] = []
    if service_pk in info:
        service = info[service_pk]
        rate = family_rates(services=[service]).get(service.family_pk)
        _index, change = incremental.ConsortiumIndex.resume(
            entries, service, rate, stored_consortia(service_pk=service_pk), changed=changed
        )
        rows.update((c.key, _consortium_row(c)) for c in change.found)
        gone.update(change.removed)
    for e in changed:
        if e.body.pk is None:
            continue
        # Every swap the organisation holds with this service on its side.
        near = {e.body.pk} | {
            other.body.pk
            for other in entries
            if (km := detection.distance_km(other.body, e.body)) is not None
            and km <= detection.MAX_KM
        }
        listings = live_entries(authority_pks={pk for pk in near if pk}, synthetic=synthetic)
        swap_info = services_info(service_pks={x.service_pk for x in listings} | {service_pk})
        rates = family_rates(services=swap_info.values())
        index = incremental.SwapIndex.of(listings, swap_info, rates)
        found = [
            swap
            for kind in (detection.OFFER, detection.NEED)
            for swap in index.slot_swaps((e.org, kind, service_pk))
        ]
        rows.update((swap.key, _swap_row(swap)) for swap in found)
        held = Suggestion.objects.filter(
            Q(service_id=service_pk) | Q(other_service_id=service_pk),
            kind=Suggestion.Kind.SWAP,
            members__listing__authority_id=e.body.pk,
        ).distinct()
        stored.extend(held)
        gone.update(s.key for s in held if s.key not in rows)
    keys = (set(rows) | gone) - {s.key for s in stored}
    stored.extend(Suggestion.objects.filter(key__in=keys))
    return rows, gone, {s.key: s for s in stored}


def _store(
    *,
    rows: dict[str, dict[str, Any]],
    gone: set[str],
    existing: dict[str, Suggestion],
    synthetic: bool,
) -> Recomputed:
    """Delete the suggestions that went, create the new ones (telling their owners),
    and rewrite a kept one only if its figures or its members' order changed."""
    removed = [existing[key].pk for key in gone if key in existing]
    if removed:
        Suggestion.objects.filter(pk__in=removed).delete()
    kept = [existing[key] for key in rows if key in existing]
    order: dict[int, list[int]] = {s.pk: [] for s in kept}
    for suggestion_pk, listing_pk in (
        SuggestionMember.objects.filter(suggestion__in=kept)
        .order_by("suggestion_id", "position")
        .values_list("suggestion_id", "listing_id")
    ):
        order[suggestion_pk].append(listing_pk)
    created = updated = notices = 0
    for key, row in rows.items():
        members = row.pop("members")
        found = existing.get(key)
        if found is not None:
            if order[found.pk] != members:  # join order is the next update's seed pair
                found.members.all().delete()
                _add_members(found, members)
            figures = (row["score"], row["explanation"], row["details"])
            if figures != (found.score, found.explanation, found.details):
                found.score, found.explanation, found.details = figures
                found.save(update_fields=["score", "explanation", "details", "updated_at"])
                updated += 1
            continue
        suggestion = Suggestion.objects.create(key=key, **row)
        _add_members(suggestion, members)
        created += 1
        if not synthetic:
            notices += _notify_members(suggestion=suggestion, listing_pks=members)
    return Recomputed(created, updated, len(removed), notices)


def _add_members(suggestion: Suggestion, listing_pks: list[int]) -> None:
    SuggestionMember.objects.bulk_create(
        SuggestionMember(suggestion=suggestion, listing_id=pk, position=i)
        for i, pk in enumerate(listing_pks)
    )


def _notify_members(*, suggestion: Suggestion, listing_pks: list[int]) -> int:
    """Tell each member listing's owner once: when the listing first joins a consortium
    for its service (not again as that consortium gains or loses members), and once
    per swap. The notice row is unique on (listing, notice key)."""
    told = 0
    notice_key = (
        f"consortium:{suggestion.service_id}"
        if suggestion.kind == Suggestion.Kind.CONSORTIUM
        else suggestion.key
    )
    listings = Listing.objects.select_related("authority", "created_by").filter(pk__in=listing_pks)
    for listing in listings:
        _, new = SuggestionNotice.objects.get_or_create(listing=listing, suggestion_key=notice_key)
        if new and suggestion_notice_email(
            suggestion=suggestion, listing=listing, notice_key=notice_key
        ):
            told += 1
    return told


def suggestion_notice_email(*, suggestion: Suggestion, listing: Listing, notice_key: str) -> bool:
    """Put the 'your listing joined a suggestion' email in the outbox (key: listing and
    suggestion, so it is sent once). The listing's creator, if they want these emails
    (councils.EmailPreference.group_suggestions); the contact address if nobody created it."""
    owner: User | None = listing.created_by
    if owner is not None:
        if not email_wanted(user=owner, preference="group_suggestions"):
            return False
        to = [owner.email]
    else:
        to = [listing.contact_email]
    site_url = settings.SITE_URL.rstrip("/")
    context = {
        "suggestion": suggestion,
        "listing": listing,
        "site_name": settings.SITE_NAME,
        "listing_url": site_url + listing.get_absolute_url(),
        "suggestion_url": site_url + reverse("groups:suggestion", args=[suggestion.key]),
        "preferences_url": site_url + reverse("offers:digest_preferences"),
    }
    what = "consortium" if suggestion.kind == Suggestion.Kind.CONSORTIUM else "swap"
    return (
        outbox_enqueue(
            kind="groups.suggestion",
            key=f"groups.suggestion:{listing.pk}:{notice_key}",
            to=to,
            subject=f"[{settings.SITE_NAME}] Your listing is part of a suggested {what}: "
            f"{listing.title}",
            body=render_to_string("groups/email/suggestion_notice.txt", context),
        )
        is not None
    )


@transaction.atomic
def conversation_start(
    *, key: str, authority: Authority, by: User, message: str
) -> list[tuple[Interest, bool]]:
    """Send one expression of interest to every other member's listing in the
    suggestion, from the viewer's organisation (offers.interest: its permission
    checks, rate limit and emails apply to each). Refused unless the organisation
    has a live listing in the suggestion."""
    shown = suggestion_for_viewer(key=key, authority=authority)
    if shown is None:
        raise PermissionDenied("Your organisation is not part of this suggestion.")
    return [
        interest_register(listing=m.listing, by=by, message=message)
        for m in shown.members
        if m.listing.authority_id != authority.pk and m.listing.status == Listing.Status.PUBLISHED
    ]
