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
from groups import detection
from groups.models import Suggestion, SuggestionMember, SuggestionNotice
from groups.selectors import family_rates, live_entries, services_info, suggestion_for_viewer
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
def groups_recompute(*, service_pk: int, synthetic: bool = False) -> Recomputed:
    """Bring the stored suggestions touching one service in line with detection.

    Runs in the transaction that published, withdrew or expired a listing (the
    groups app's receiver), under a per-service advisory lock so two changes in
    the same service cannot interleave. A suggestion kept with the same members
    keeps its row; owners of listings that newly join one are told once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, service_pk])
    rows = detect_for_service(service_pk=service_pk, synthetic=synthetic)
    existing = {
        s.key: s
        for s in Suggestion.objects.filter(
            Q(service_id=service_pk) | Q(other_service_id=service_pk)
        )
    }
    gone = [s.pk for key, s in existing.items() if key not in rows]
    if gone:
        Suggestion.objects.filter(pk__in=gone).delete()
    created = updated = notices = 0
    for key, row in rows.items():
        members = row.pop("members")
        found = existing.get(key)
        if found is not None:
            found.score, found.explanation, found.details = (
                row["score"],
                row["explanation"],
                row["details"],
            )
            found.save(update_fields=["score", "explanation", "details", "updated_at"])
            updated += 1
            continue
        suggestion = Suggestion.objects.create(key=key, **row)
        SuggestionMember.objects.bulk_create(
            SuggestionMember(suggestion=suggestion, listing_id=pk, position=i)
            for i, pk in enumerate(members)
        )
        created += 1
        if not synthetic:
            notices += _notify_members(suggestion=suggestion, listing_pks=members)
    return Recomputed(created, updated, len(gone), notices)


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
