"""Digests: the scheduled email of new, relevant listings. Selection, rendering, sending.

How a digest is sent exactly once per person per period:
- A DigestRun is unique per (frequency, period_start); the coordinator task
  passes the period into every batch task, so a retry on Tuesday still sends
  Monday's digest with Monday's listings.
- A DigestDelivery is unique per (run, user) and moves
  pending -> sending -> sent | skipped | failed. A batch claims its rows with
  one conditional UPDATE (pending, or sending with an abandoned claim), so two
  workers never send the same row; a transient mail error puts the rows it
  did not send back to pending and the task retries with backoff.
- The one window that can send twice is named where it is, in
  `digest_batch_send`: the mail server has accepted a message and the row
  saying so has not yet committed.

Pure parts (periods, criteria, matching a listing, error classification) take
plain values and touch no database.
"""

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.mail import Failure, classify_mail_error
from councils.models import User
from councils.selectors import membership_current
from digests.models import DigestDelivery, DigestFrequency, DigestPreference, DigestRun, SavedSearch
from digests.selectors import (
    BatchData,
    DigestMatcher,
    PrefSnapshot,
    Recipient,
    delivery_key,
    digest_batch_load,
    digest_due_filter,
    digest_due_user_ids,
    digest_window_start,
)
from digests.unsubscribe import unsubscribe_token, unsubscribe_user_id
from groups.models import Suggestion
from groups.selectors import Shown
from matching.scoring import SavingsRate
from offers.models import Listing, Service

logger = logging.getLogger(__name__)

Status = DigestDelivery.Status
OFFER, NEED = Listing.Kind.OFFER, Listing.Kind.NEED
PERIOD_LENGTH: dict[str, dt.timedelta] = {
    DigestFrequency.DAILY: dt.timedelta(days=1),
    DigestFrequency.WEEKLY: dt.timedelta(days=7),
}


# --- Settings, read inside functions ---------------------------------------------------


def digests_enabled() -> bool:
    enabled: bool = settings.DIGESTS_ENABLED
    return enabled


def batch_size() -> int:
    # 500 per batch keeps a task well under its 60 s soft time limit (the
    # benchmark sends a batch in about a second).
    size: int = settings.DIGEST_BATCH_SIZE
    return size


def claim_timeout() -> dt.timedelta:
    """After this long a claim is abandoned. Longer than the task's hard time limit,
    so a live worker's claim never expires under it."""
    return dt.timedelta(seconds=settings.DIGEST_CLAIM_TIMEOUT)


def max_listings() -> int:
    return settings.DIGEST_MAX_LISTINGS


def _absolute(path: str) -> str:
    site_url: str = settings.SITE_URL
    return site_url.rstrip("/") + path


# --- Periods (pure) ----------------------------------------------------------------------


def digest_period_start(*, frequency: str, today: dt.date) -> dt.date:
    """The day a period starts: the day itself (daily) or its Monday (weekly)."""
    if frequency == DigestFrequency.WEEKLY:
        return today - dt.timedelta(days=today.weekday())
    return today


def digest_window_end(*, period_start: dt.date, send_hour: int = 7) -> dt.datetime:
    """Listings published before 07:00 UK time on the period's first day belong to it,
    whenever the run actually happens (so a late retry selects the same listings)."""
    london = zoneinfo.ZoneInfo("Europe/London")
    return dt.datetime.combine(period_start, dt.time(hour=send_hour), tzinfo=london)


# --- Criteria (pure) -----------------------------------------------------------------------


class Why(StrEnum):
    COUNCIL_NEEDS = "council_needs"  # the council has a NEED; this is an OFFER for it
    COUNCIL_OFFERS = "council_offers"  # the council has an OFFER; this is a NEED for it
    CHOSEN = "chosen"  # a service the person chose
    ANY = "any"  # any service their settings allow


@dataclass(frozen=True)
class Criteria:
    # (kind, service pk) -> why; None means any service of the allowed kinds.
    pairs: dict[tuple[str, int], Why] | None
    kinds: frozenset[str]
    distance: str
    radius_km: int


def _kinds(choice: str) -> frozenset[str]:
    if choice == DigestPreference.Kinds.BOTH:
        return frozenset({OFFER, NEED})
    return frozenset({choice})


def digest_criteria(
    *,
    pref: PrefSnapshot,
    council_listings: set[tuple[str, int]],
    delivered_services: frozenset[int] | None,
) -> Criteria:
    """What a person hears about.

    Following their council (the default): a council with a NEED for a service
    hears about OFFERS of it, and one with an OFFER hears about NEEDS; a council
    with no live listings hears about every service it delivers: a council's by
    its tier, any other body's by its kind.
    """
    kinds = _kinds(pref.kinds)
    pairs: dict[tuple[str, int], Why] | None
    if pref.follow_council and council_listings:
        pairs = {}
        for kind, service_pk in sorted(council_listings):
            wanted = OFFER if kind == NEED else NEED
            if wanted in kinds:
                pairs[(wanted, service_pk)] = (
                    Why.COUNCIL_NEEDS if kind == NEED else Why.COUNCIL_OFFERS
                )
    elif not pref.follow_council and pref.service_ids:
        pairs = {(k, s): Why.CHOSEN for s in pref.service_ids for k in kinds}
    elif delivered_services is not None:
        pairs = {(k, s): Why.ANY for s in delivered_services for k in kinds}
    else:
        pairs = None
    return Criteria(pairs=pairs, kinds=kinds, distance=pref.distance, radius_km=pref.radius_km)


def criteria_allows_place(
    criteria: Criteria, *, km: float | None, own_region: str | None, listing_region: str
) -> bool:
    """The distance part of a person's preferences. Without a council, any distance."""
    if own_region is None:
        return True
    if criteria.distance == DigestPreference.Distance.RADIUS:
        return km is not None and km <= criteria.radius_km
    if criteria.distance == DigestPreference.Distance.REGION:
        return bool(own_region) and listing_region == own_region
    return True


def criteria_why(criteria: Criteria, *, kind: str, service_pk: int) -> Why | None:
    """Why a listing of this kind and service matches, or None if it does not."""
    if kind not in criteria.kinds:
        return None
    if criteria.pairs is None:
        return Why.ANY
    return criteria.pairs.get((kind, service_pk))


def why_sentence(why: Why, *, service_name: str, kind_label: str) -> str:
    service = service_name if service_name[:2].isupper() else service_name.lower()
    return {
        Why.COUNCIL_NEEDS: f"Your council is looking for a partner for {service}",
        Why.COUNCIL_OFFERS: f"Your council offers {service}",
        Why.CHOSEN: f"You follow {service}",
        Why.ANY: f"A new {kind_label.lower()} your settings include",
    }[why]


# --- Mail errors: classified by core.mail ------------------------------------------


class DigestTransientError(Exception):
    """The mail server could not take messages just now; the batch should be retried."""


# --- Composing one digest ----------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    pk: int
    kind: str
    kind_label: str
    title: str
    url: str
    council: str
    service: str
    summary: str
    reason: str
    savings: str
    published_at: dt.datetime
    score: float
    # The row itself, for the HTML part: it is the site's listing card. Left out of
    # equality and the hash, so the item stays the key its render is reused under.
    listing: Listing = field(compare=False, repr=False)


@dataclass(frozen=True)
class DigestSuggestion:
    """A suggested consortium or swap the recipient's organisation is part of, as the
    email shows it (groups finds and stores them; their page explains them)."""

    key: str
    kind: str
    title: str
    explanation: str
    savings: tuple[str, ...]  # the savings sentences, each with its rates' source
    url: str
    is_new: bool  # suggested since the recipient's last digest
    is_demo: bool


# Rendered items, reused across a batch: (item, "html" or "txt") -> the render.
Fragments = dict[tuple[DigestItem | DigestSuggestion, str], SafeString]


@dataclass(frozen=True)
class Digest:
    recipient: Recipient
    items: list[DigestItem]  # ranked, all of them; the email shows the first few
    window_start: dt.datetime
    window_end: dt.datetime
    rate: SavingsRate = field(default_factory=SavingsRate)
    suggestions: list[DigestSuggestion] = field(default_factory=list)

    @property
    def worth_sending(self) -> bool:
        """New listings, or a suggestion new since the last digest: one that is still
        standing is repeated beside new listings but does not send an email alone."""
        return bool(self.items) or any(s.is_new for s in self.suggestions)


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def digest_suggestion(*, shown: Shown, since: dt.datetime) -> DigestSuggestion:
    """One stored suggestion from the recipient organisation's side (groups.selectors.Shown)."""
    s = shown.suggestion
    if s.kind == Suggestion.Kind.CONSORTIUM:
        others = len(shown.others)
        title = (
            f"Suggested consortium for {_lower(s.service.name)} with {others} other "
            f"organisation{'' if others == 1 else 's'}"
        )
        savings: tuple[str, ...] = (s.details.get("savings", {}).get("sentence", ""),)
    else:
        other = s.other_service.name if s.other_service else ""
        title = f"Suggested swap: {_lower(s.service.name)} for {_lower(other)}"
        savings = tuple(
            s.details.get(side, {}).get("sentence", "") for side in ("savings_a", "savings_b")
        )
    return DigestSuggestion(
        key=s.key,
        kind=s.kind,
        title=title,
        explanation=s.explanation,
        savings=tuple(x for x in savings if x),
        url=_absolute(reverse("groups:suggestion", args=[s.key])),
        is_new=s.created_at >= since,
        is_demo=shown.is_demo,
    )


def _item(
    listing: Listing, *, reason: str, scored: Any | None, matcher: DigestMatcher
) -> DigestItem:
    savings = ""
    geography = ""
    if scored is not None:
        suggestion = scored.suggestion
        geography = suggestion.geography
        if suggestion.savings.enough_data:
            savings = (
                f"{suggestion.savings.display} if you shared "
                f"(estimate from {suggestion.savings.year} spend)"
            )
    line = reason if not geography else f"{reason}. {geography[:1].upper()}{geography[1:]}"
    return DigestItem(
        pk=listing.pk,
        kind=listing.kind,
        kind_label=listing.get_kind_display(),
        title=listing.title,
        url=_absolute(listing.get_absolute_url()),
        council=listing.authority.name,
        service=listing.service.name,
        summary=listing.summary,
        reason=line,
        savings=savings,
        published_at=listing.published_at or listing.created_at,
        score=scored.score if scored is not None else -1.0,
        listing=listing,
    )


class Composer:
    """Selects and ranks each person's listings for one batch. Work that depends only
    on the council and the preferences (most people in a batch share both) is done
    once and reused."""

    def __init__(self, *, data: BatchData, run: DigestRun) -> None:
        self.data = data
        self.run = run
        self.length = PERIOD_LENGTH[run.frequency]
        self.by_service: dict[int, list[Listing]] = {}
        for listing in data.listings:
            self.by_service.setdefault(listing.service_id, []).append(listing)
        self.by_pk = {x.pk: x for x in data.listings}
        # Rendered listing fragments: an item is the same for everyone it matches
        # the same way (same council, same reason), so it is rendered once.
        self.fragments: Fragments = {}
        self._matches: dict[tuple[int | None, PrefSnapshot], list[DigestItem]] = {}
        self._alert_items: dict[tuple[int | None, int, int], DigestItem] = {}

    def _pref_matches(self, recipient: Recipient) -> list[DigestItem]:
        authority = recipient.authority
        key = (authority.pk if authority else None, recipient.pref)
        if key in self._matches:
            return self._matches[key]
        criteria = digest_criteria(
            pref=recipient.pref,
            council_listings=self.data.council_listings.get(authority.pk, set())
            if authority
            else set(),
            delivered_services=(
                self.data.delivered_services.get(delivery_key(authority)) if authority else None
            ),
        )
        if criteria.pairs is None:
            pool: Iterable[Listing] = self.data.listings
        else:
            services = {s for _k, s in criteria.pairs}
            pool = [x for s in services for x in self.by_service.get(s, [])]
        matcher = self.data.matcher
        items: list[DigestItem] = []
        for listing in pool:
            why = criteria_why(criteria, kind=listing.kind, service_pk=listing.service_id)
            if why is None:
                continue
            scored = None
            if authority is not None:
                if listing.authority_id == authority.pk:
                    continue
                scored = matcher.score(authority.gss_code, listing)
                if scored is None:
                    continue  # the council cannot partner on it (tier, listing's limits)
                if not criteria_allows_place(
                    criteria,
                    km=scored.distance_km,
                    own_region=authority.region,
                    listing_region=listing.authority.region,
                ):
                    continue
            reason = why_sentence(
                why, service_name=listing.service.name, kind_label=listing.get_kind_display()
            )
            items.append(_item(listing, reason=reason, scored=scored, matcher=matcher))
        items.sort(key=lambda i: (-i.score, -i.published_at.timestamp(), -i.pk))
        self._matches[key] = items
        return items

    def _alert_item(self, recipient: Recipient, listing: Listing, name: str) -> DigestItem:
        authority = recipient.authority
        scored = None
        if authority is not None:
            scored = self.data.matcher.score(authority.gss_code, listing)
        return _item(
            listing, reason=f"Your alert “{name}”", scored=scored, matcher=self.data.matcher
        )

    def compose(self, recipient: Recipient) -> Digest:
        """Listings published since the person's last sent digest that match their
        preferences or any of their alerts, once each, best match first."""
        start = digest_window_start(
            run=self.run, last_sent_end=recipient.last_sent_end, length=self.length
        )
        end = self.run.window_end

        def fresh(published: dt.datetime, visibility: str, authority_id: int) -> bool:
            if not start <= published < end:
                return False
            if recipient.authority is not None and authority_id == recipient.authority.pk:
                return False  # never their own council's listings
            return recipient.public_sector or visibility == Listing.Visibility.PUBLIC

        by_pk = self.by_pk
        chosen: dict[int, DigestItem] = {}
        for item in self._pref_matches(recipient):
            listing = by_pk[item.pk]
            if fresh(item.published_at, listing.visibility, listing.authority_id):
                chosen[item.pk] = item
        for alert in recipient.alerts:
            for pk in self.data.alert_hits.get(alert.pk, ()):
                hit = by_pk.get(pk)
                if hit is None or pk in chosen:
                    continue  # de-duplicated: the first reason found is kept
                if not fresh(hit.published_at or end, hit.visibility, hit.authority_id):
                    continue
                chosen[pk] = self._alert_item(recipient, hit, alert.name)
        items = sorted(
            chosen.values(), key=lambda i: (-i.score, -i.published_at.timestamp(), -i.pk)
        )
        # The organisation's suggested consortia and swaps as they stand now, new ones
        # (since the last digest) first.
        shown = (
            self.data.suggestions.get(recipient.authority.pk, [])
            if recipient.authority is not None
            else []
        )
        suggestions = sorted(
            (digest_suggestion(shown=x, since=start) for x in shown),
            key=lambda x: not x.is_new,
        )
        return Digest(
            recipient=recipient,
            items=items,
            window_start=start,
            window_end=end,
            rate=self.data.matcher.rate,
            suggestions=suggestions,
        )


# --- Rendering ------------------------------------------------------------------------------


def digest_subject(*, count: int, frequency: str, suggestions: int = 0) -> str:
    """The listings' count; with none, the new suggestions' (they alone sent it)."""
    when = "today" if frequency == DigestFrequency.DAILY else "this week"
    if not count and suggestions:
        what = (
            "A new suggested consortium or swap"
            if suggestions == 1
            else f"{suggestions} new suggested consortia and swaps"
        )
        return f"{what} for your organisation {when}"
    noun = "listing" if count == 1 else "listings"
    return f"{count} new shared service {noun} for you {when}"


def _fragments(
    items: Sequence[DigestItem | DigestSuggestion], fmt: str, cache: Fragments
) -> list[SafeString]:
    """Each item rendered by its template, once per batch: people matched the same
    way share the render. A listing's HTML is the site's listing card
    (offers/email/digest_card.html includes it and writes its styles inline), its
    text offers/email/digest_item.txt; a suggestion's groups/email/digest_suggestion.*.
    The renders stay the SafeStrings the template engine returned, so digest.html
    outputs them as they are and nothing is marked safe here."""
    parts = []
    for item in items:
        key = (item, fmt)
        if key not in cache:
            if isinstance(item, DigestSuggestion):
                template = f"groups/email/digest_suggestion.{fmt}"
            elif fmt == "html":
                template = "offers/email/digest_card.html"
            else:
                template = "offers/email/digest_item.txt"
            cache[key] = render_to_string(template, {"item": item, "link_base": _absolute("")})
        parts.append(cache[key])
    return parts


def digest_render(
    *,
    digest: Digest,
    frequency: str,
    fragments: Fragments | None = None,
) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one digest email."""
    cache = fragments if fragments is not None else {}
    shown = digest.items[: max_listings()]
    token = unsubscribe_token(user_id=digest.recipient.user_id)
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": _absolute("/"),
        "name": digest.recipient.name,
        "items": shown,
        "count": len(digest.items),
        "more": len(digest.items) - len(shown),
        "frequency": frequency,
        "period_label": "today" if frequency == DigestFrequency.DAILY else "this week",
        "browse_url": _absolute(reverse("offers:browse") + "?sort=newest"),
        "preferences_url": _absolute(reverse("offers:digest_preferences")),
        "alerts_url": _absolute(reverse("offers:alerts")),
        "unsubscribe_url": _absolute(reverse("offers:digest_unsubscribe", args=[token])),
        "contact_email": settings.SERVICE_CONTACT_EMAIL,
        "rate": digest.rate,
        # Rendered by the item templates, which escape every value.
        "item_cards_html": _fragments(shown, "html", cache),
        "items_text": "".join(_fragments(shown, "txt", cache)),
        "suggestions": digest.suggestions,
        "suggestion_cards_html": _fragments(digest.suggestions, "html", cache),
        "suggestions_text": "".join(_fragments(digest.suggestions, "txt", cache)),
        "organisation": digest.recipient.authority.name if digest.recipient.authority else "",
    }
    subject = f"[{settings.SITE_NAME}] " + digest_subject(
        count=len(digest.items),
        frequency=frequency,
        suggestions=sum(1 for x in digest.suggestions if x.is_new),
    )
    text = render_to_string("offers/email/digest.txt", context)
    html = render_to_string("offers/email/digest.html", context)
    return subject, text, html


def digest_message(
    *,
    digest: Digest,
    run: DigestRun,
    connection: Any = None,
    fragments: Fragments | None = None,
) -> EmailMultiAlternatives:
    subject, text, html = digest_render(digest=digest, frequency=run.frequency, fragments=fragments)
    token = unsubscribe_token(user_id=digest.recipient.user_id)
    unsubscribe = _absolute(reverse("offers:digest_unsubscribe", args=[token]))
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[digest.recipient.email],
        connection=connection,
        headers={
            # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" here.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Digest-Delivery": f"{run.pk}:{digest.recipient.user_id}",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# --- Runs and batches ----------------------------------------------------------------------


def digest_run_start(*, frequency: str, period_start: dt.date) -> tuple[DigestRun, list[list[int]]]:
    """Get or create the run for this period and split who is still due into batches.

    Safe to call again for the same period (after a crash, or twice by mistake):
    the run is the same row and people already sent, skipped or failed are left out.
    """
    run, _created = DigestRun.objects.get_or_create(
        frequency=frequency,
        period_start=period_start,
        defaults={
            "window_end": digest_window_end(
                period_start=period_start,
                send_hour=settings.DIGEST_SEND_HOUR,
            )
        },
    )
    due = digest_due_user_ids(frequency=frequency)
    finished = set(
        run.deliveries.filter(status__in=[Status.SENT, Status.SKIPPED, Status.FAILED]).values_list(
            "user_id", flat=True
        )
    )
    todo = [pk for pk in due if pk not in finished]
    size = batch_size()
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    DigestRun.objects.filter(pk=run.pk).update(
        due=len(set(due) | finished), batches=len(batches), last_fanned_out_at=timezone.now()
    )
    run.refresh_from_db()
    return run, batches


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    # Claimed by another live worker: look again later.
    busy: list[int] = field(default_factory=list)


def digest_batch_send(*, run_id: int, user_ids: Sequence[int]) -> BatchResult:
    """Send the digests of these people for this run. Safe to call again: rows already
    sent, skipped or failed are left alone, and rows another worker is sending are
    returned as `busy`. Raises DigestTransientError when the mail server should be
    retried later (rows not sent are back to pending).

    Four steps, each its own function: sort the rows (workable, busy, turned off),
    compose each digest, claim the non-empty ones, send what this call claimed.
    """
    run = DigestRun.objects.get(pk=run_id)
    result = BatchResult()
    now = timezone.now()
    workable = _batch_sort(run=run, user_ids=user_ids, now=now, result=result)
    if not workable:
        return result
    data = digest_batch_load(run=run, user_ids=workable, length=PERIOD_LENGTH[run.frequency])
    composer = Composer(data=data, run=run)
    digests = {r.user_id: composer.compose(r) for r in data.recipients}
    claim = _batch_claim(run=run, digests=digests, now=now, result=result)
    if claim.order:
        _batch_deliver(run=run, digests=digests, composer=composer, claim=claim, result=result)
    return result


def _claimable(now: dt.datetime) -> Q:
    """Rows a worker may take: pending, or claimed by a worker that has since died."""
    return Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=now - claim_timeout())


def _batch_sort(
    *, run: DigestRun, user_ids: Sequence[int], now: dt.datetime, result: BatchResult
) -> list[int]:
    """Make the run's rows for the people still due; return those this worker may
    work on. Rows another worker is sending go to `result.busy`; people who turned
    digests off since the coordinator listed them are skipped."""
    due = digest_due_filter(frequency=run.frequency, user_ids=user_ids)
    DigestDelivery.objects.bulk_create(
        [DigestDelivery(run=run, user_id=pk) for pk in sorted(due)], ignore_conflicts=True
    )
    stale = now - claim_timeout()
    workable: list[int] = []
    gone: list[int] = []
    for user_id, status, claimed_at in DigestDelivery.objects.filter(
        run=run, user_id__in=list(user_ids)
    ).values_list("user_id", "status", "claimed_at"):
        if status == Status.PENDING or (
            status == Status.SENDING and (claimed_at is None or claimed_at < stale)
        ):
            (workable if user_id in due else gone).append(user_id)
        elif status == Status.SENDING:
            result.busy.append(user_id)
    if gone:
        DigestDelivery.objects.filter(_claimable(now), run=run, user_id__in=gone).update(
            status=Status.SKIPPED, error="Digests turned off before sending."
        )
    return workable


@dataclass
class _Claim:
    token: str
    rows: dict[int, int]  # user id -> delivery row id, for the rows this token holds
    order: list[int]  # user ids to send, in the batch's order


def _batch_claim(
    *, run: DigestRun, digests: dict[int, Digest], now: dt.datetime, result: BatchResult
) -> _Claim:
    """Skip the empty digests; claim the rest in one statement under a fresh token."""
    claimable = _claimable(now)
    empty = [pk for pk, d in digests.items() if not d.worth_sending]
    if empty:
        result.skipped = DigestDelivery.objects.filter(
            claimable, run=run, user_id__in=empty
        ).update(status=Status.SKIPPED, window_end=run.window_end, claimed_at=None)
    token = uuid.uuid4().hex
    to_send = [pk for pk, d in digests.items() if d.worth_sending]
    DigestDelivery.objects.filter(claimable, run=run, user_id__in=to_send).update(
        status=Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    rows = dict(
        DigestDelivery.objects.filter(
            run=run, claim_token=token, status=Status.SENDING
        ).values_list("user_id", "pk")
    )
    return _Claim(token=token, rows=rows, order=[pk for pk in to_send if pk in rows])


def _batch_deliver(
    *,
    run: DigestRun,
    digests: dict[int, Digest],
    composer: Composer,
    claim: _Claim,
    result: BatchResult,
) -> None:
    """Send the claimed digests over one SMTP connection, marking each row as it goes.

    A transient mail error puts every row not yet sent back to pending and raises
    DigestTransientError (the task retries); a permanent one fails that row only.
    """
    token, rows, order = claim.token, claim.rows, claim.order
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        _release(rows.values(), token=token, error=exc)
        raise DigestTransientError(str(exc)) from exc
    try:
        for position, user_id in enumerate(order):
            digest = digests[user_id]
            try:
                message = digest_message(
                    digest=digest, run=run, connection=connection, fragments=composer.fragments
                )
                message.send()
            except Exception as exc:
                if classify_mail_error(exc) == Failure.TRANSIENT:
                    _release([rows[u] for u in order[position:]], token=token, error=exc)
                    raise DigestTransientError(str(exc)) from exc
                logger.warning("Digest %s for user %s failed: %r", run.pk, user_id, exc)
                DigestDelivery.objects.filter(pk=rows[user_id], claim_token=token).update(
                    status=Status.FAILED, error=_error_text(exc), claimed_at=None
                )
                result.failed += 1
                continue
            # THE DOUBLE-SEND WINDOW: the mail server has accepted the message
            # (message.send() returned) and the update below has not committed.
            # A crash exactly here leaves the row SENDING; once its claim is
            # abandoned it is sent again. Nothing else sits between the two steps.
            DigestDelivery.objects.filter(pk=rows[user_id], claim_token=token).update(
                status=Status.SENT,
                sent_at=timezone.now(),
                window_start=digest.window_start,
                window_end=digest.window_end,
                listing_ids=[i.pk for i in digest.items[: max_listings()]],
                claimed_at=None,
                error="",
            )
            result.sent += 1
    finally:
        connection.close()


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _release(pks: Iterable[int], *, token: str, error: BaseException) -> None:
    """Put claimed rows that were not sent back to pending, for the retry."""
    DigestDelivery.objects.filter(
        pk__in=list(pks), claim_token=token, status=Status.SENDING
    ).update(status=Status.PENDING, claimed_at=None, error=_error_text(error))


def digest_batch_give_up(*, run_id: int, user_ids: Sequence[int], error: str) -> int:
    """After the last retry: record what is still pending as failed, for staff to see."""
    return DigestDelivery.objects.filter(
        run_id=run_id, user_id__in=list(user_ids), status=Status.PENDING
    ).update(
        status=Status.FAILED, error=f"Gave up after repeated mail server errors. {error}"[:2000]
    )


@transaction.atomic
def digest_run_retry_failed(*, run: DigestRun, by: User) -> int:
    """Staff: send the failed digests of a run again. Returns how many were queued."""
    if not by.is_staff:
        raise PermissionError("Only staff can retry digests.")
    failed = list(
        DigestDelivery.objects.select_for_update()
        .filter(run=run, status=Status.FAILED)
        .values_list("user_id", flat=True)
    )
    if not failed:
        return 0
    DigestDelivery.objects.filter(run=run, user_id__in=failed, status=Status.FAILED).update(
        status=Status.PENDING, error="", claimed_at=None
    )
    size = batch_size()
    for i in range(0, len(failed), size):
        ids = failed[i : i + size]
        transaction.on_commit(partial(_batch_queue, run_id=run.pk, user_ids=ids))
    return len(failed)


QUEUE_DOWN_ERROR = "Could not be queued: the task queue was unavailable. Retry later."


def _batch_queue(*, run_id: int, user_ids: list[int]) -> None:
    """After commit, hand a retried batch to a worker. With the broker down the rows go
    back to failed, saying why, for staff to retry later: no error page for a retry that
    has committed, and no rows left pending for a task that was never queued (ADR 7)."""
    # By name: digests.tasks imports this module, not the other way round.
    batch_task = current_app.tasks["offers.tasks.digest_batch_task"]
    try:
        batch_task.delay(run_id, user_ids)
    except BrokerUnavailable as exc:
        logger.warning("Digest run %s: could not queue a retried batch: %s", run_id, exc)
        DigestDelivery.objects.filter(
            run_id=run_id, user_id__in=user_ids, status=Status.PENDING
        ).update(status=Status.FAILED, error=QUEUE_DOWN_ERROR)


# --- Preferences, alerts, unsubscribe -------------------------------------------------------


def digest_preference_for(*, user: User) -> DigestPreference:
    """The person's saved preferences, or an unsaved row holding the defaults."""
    pref = DigestPreference.objects.filter(user=user).first()
    if pref is not None:
        return pref
    frequency = (
        DigestFrequency.WEEKLY if membership_current(user=user) is not None else DigestFrequency.OFF
    )
    return DigestPreference(user=user, frequency=frequency)


@transaction.atomic
def digest_preference_save(
    *,
    user: User,
    frequency: str,
    follow_council: bool,
    kinds: str,
    services: Iterable[Service],
    distance: str,
    radius_km: int,
) -> DigestPreference:
    pref, _ = DigestPreference.objects.select_for_update().get_or_create(user=user)
    pref.frequency = frequency
    pref.follow_council = follow_council
    pref.kinds = kinds
    pref.distance = distance
    pref.radius_km = radius_km
    if frequency != DigestFrequency.OFF:
        pref.unsubscribed_at = None
    pref.full_clean(exclude=["user", "services"])
    pref.save()
    pref.services.set(list(services))
    return pref


@transaction.atomic
def digest_unsubscribe(*, token: str) -> User | None:
    """Turn digests off for the person a signed token names. None if the token is bad.
    Safe to repeat."""
    user_id = unsubscribe_user_id(token=token)
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    pref, _ = DigestPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"frequency": DigestFrequency.OFF}
    )
    if pref.frequency != DigestFrequency.OFF or pref.unsubscribed_at is None:
        pref.frequency = DigestFrequency.OFF
        pref.unsubscribed_at = timezone.now()
        pref.save(update_fields=["frequency", "unsubscribed_at", "updated_at"])
    return user


# Filters that narrow a search; with none of them an alert matches nearly everything.
NARROWING = (
    "q",
    "family",
    "service",
    "council",
    "within",
    "region",
    "nation",
    "authority_type",
    "delivery_model",
)


def saved_search_is_broad(*, querystring: str) -> bool:
    """True when a search sets none of the narrowing filters (kind alone leaves half)."""
    from django.http import QueryDict

    data = QueryDict(querystring)
    return not any(v.strip() for name in NARROWING for v in data.getlist(name))


def saved_search_clean_querystring(*, querystring: str) -> str:
    """The query string without paging, and with its keys in a stable order."""
    from django.http import QueryDict

    data = QueryDict(querystring, mutable=True)
    for name in ("page",):
        data.pop(name, None)
    clean = QueryDict(mutable=True)
    for key in sorted(data):
        values = [v for v in data.getlist(key) if v.strip()]
        if values:
            clean.setlist(key, values)
    return clean.urlencode()


@transaction.atomic
def saved_search_create(*, user: User, name: str, querystring: str) -> tuple[SavedSearch, bool]:
    """Save a search as an alert. Saving the same search twice keeps one alert."""
    querystring = saved_search_clean_querystring(querystring=querystring)
    return SavedSearch.objects.get_or_create(
        user=user, querystring=querystring, defaults={"name": name.strip()[:100]}
    )


def saved_search_delete(*, user: User, pk: int) -> bool:
    deleted, _ = SavedSearch.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


def digest_render_preview(*, user: User, run: DigestRun) -> Digest:
    """The digest this person would get in `run` (the benchmark and tests render it)."""
    data = digest_batch_load(run=run, user_ids=[user.pk], length=PERIOD_LENGTH[run.frequency])
    return Composer(data=data, run=run).compose(data.recipients[0])


def digest_preview_html(*, user: User, run: DigestRun) -> str:
    """The HTML part of this person's digest for `run` (benchmark and screenshots)."""
    digest = digest_render_preview(user=user, run=run)
    return digest_render(digest=digest, frequency=run.frequency)[2]
