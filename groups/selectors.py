"""Reads for groups: live listings as detection's plain records, and the stored
suggestions an organisation or a listing is part of."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from councils.models import Authority
from groups import detection
from groups.models import Suggestion, SuggestionMember
from matching import scoring as matching
from matching.selectors import matching_reference, savings_rate, service_info
from offers.models import Listing, Service

_LIMIT_SCOPES = {"radius", "region", "named"}


def live_entries(
    *,
    service_pks: Iterable[int] | None = None,
    authority_pks: Iterable[int] | None = None,
    kind: str | None = None,
    pks: Iterable[int] | None = None,
    any_status: bool = False,
    synthetic: bool = False,
) -> list[detection.Entry]:
    """Published listings as detection.Entry records (two queries, the reference cached).

    Synthetic rows (the benchmark's) are read only when asked for, and never
    mixed with real ones. An organisation not in the reference (no location, not
    imported) cannot be measured from, so its listings are left out. `any_status`
    reads listings whatever their state (a listing just withdrawn, for where it was)."""
    listings = (Listing.objects.all() if any_status else Listing.objects.published()).filter(
        is_synthetic=synthetic
    )
    if pks is not None:
        listings = listings.filter(pk__in=list(pks))
    if service_pks is not None:
        listings = listings.filter(service_id__in=list(service_pks))
    if authority_pks is not None:
        listings = listings.filter(authority_id__in=list(authority_pks))
    if kind is not None:
        listings = listings.filter(kind=kind)
    rows = list(
        listings.order_by("pk").values_list(
            "pk",
            "kind",
            "service_id",
            "authority__gss_code",
            "partner_scope",
            "partner_radius_km",
            "title",
            "annual_value_gbp",
        )
    )
    named_pks = [r[0] for r in rows if r[4] == Listing.PartnerScope.NAMED]
    named: dict[int, set[str]] = defaultdict(set)
    if named_pks:
        through = Listing.named_partners.through
        for listing_pk, gss in through.objects.filter(listing_id__in=named_pks).values_list(
            "listing_id", "authority__gss_code"
        ):
            named[listing_pk].add(gss)
    reference = matching_reference()
    out = []
    for pk, kind, service_pk, gss, scope, radius, title, value in rows:
        i = reference.index.get(gss)
        if i is None:
            continue
        body = reference.bodies[i]
        if scope == Listing.PartnerScope.RADIUS:
            limits = matching.Limits(scope="radius", radius_km=float(radius or 0))
        elif scope == Listing.PartnerScope.REGION:
            limits = matching.Limits(scope="region", region=body.region)
        elif scope == Listing.PartnerScope.NAMED:
            limits = matching.Limits(scope="named", named=frozenset(named[pk]))
        else:
            limits = matching.Limits()
        out.append(
            detection.Entry(
                pk, kind, service_pk, body, limits, title, float(value) if value else None
            )
        )
    return out


def stored_consortia(*, service_pk: int) -> list[tuple[int, ...]]:
    """The service's stored consortia as member listing ids in join order (one query):
    the groups detection found before the change being applied."""
    groups: dict[int, list[int]] = defaultdict(list)
    for suggestion_pk, listing_pk in (
        SuggestionMember.objects.filter(
            suggestion__service_id=service_pk, suggestion__kind=Suggestion.Kind.CONSORTIUM
        )
        .order_by("suggestion_id", "position")
        .values_list("suggestion_id", "listing_id")
    ):
        groups[suggestion_pk].append(listing_pk)
    return [tuple(members) for members in groups.values()]


def services_info(*, service_pks: Iterable[int]) -> dict[int, matching.ServiceInfo]:
    return {
        s.pk: service_info(service=s)
        for s in Service.objects.select_related("family").filter(pk__in=list(service_pks))
    }


def family_rates(*, services: Iterable[matching.ServiceInfo]) -> dict[int, matching.SavingsRate]:
    """The savings rate range of each service family (matching's, cached with its snapshot)."""
    return {s.family_pk: savings_rate(family_pk=s.family_pk) for s in services}


@dataclass(frozen=True)
class Shown:
    """A stored suggestion as a page shows it, from one organisation's side."""

    suggestion: Suggestion
    members: list[SuggestionMember]
    own: list[Listing]  # the viewer organisation's listings in it
    others: list[Authority]  # the other organisations, in member order

    @property
    def is_demo(self) -> bool:
        return any(m.listing.is_demo for m in self.members)

    @property
    def details(self) -> dict[str, Any]:
        return self.suggestion.details


def _shown(suggestions: Sequence[Suggestion], authority_pk: int) -> list[Shown]:
    out = []
    for s in suggestions:
        members = list(s.members.all())
        own = [m.listing for m in members if m.listing.authority_id == authority_pk]
        others: list[Authority] = []
        for m in members:
            a = m.listing.authority
            if a.pk != authority_pk and a not in others:
                others.append(a)
        out.append(Shown(s, members, own, others))
    return out


def _with_members(queryset: Any) -> Any:
    return queryset.select_related("service", "other_service").prefetch_related(
        Prefetch(
            "members",
            queryset=SuggestionMember.objects.select_related("listing__authority").order_by(
                "position"
            ),
        )
    )


def suggestions_for_authority(*, authority: Authority, limit: int = 5) -> list[Shown]:
    """Suggestions with at least one of the organisation's live listings (three queries)."""
    pks = (
        SuggestionMember.objects.filter(
            listing__authority=authority, listing__status=Listing.Status.PUBLISHED
        )
        .values("suggestion_id")
        .distinct()
    )
    suggestions = list(_with_members(Suggestion.objects.filter(pk__in=pks))[:limit])
    return _shown(suggestions, authority.pk)


def suggestions_by_authority(
    *, authority_pks: Iterable[int], limit: int = 5
) -> dict[int, list[Shown]]:
    """Each organisation's suggestions holding at least one of its live listings, best
    first, at most `limit` each: three queries for any number of organisations (the
    digests' batches)."""
    pks = list(authority_pks)
    if not pks:
        return {}
    held: dict[int, set[int]] = defaultdict(set)
    for authority_pk, suggestion_pk in (
        SuggestionMember.objects.filter(
            listing__authority_id__in=pks, listing__status=Listing.Status.PUBLISHED
        )
        .values_list("listing__authority_id", "suggestion_id")
        .distinct()
    ):
        held[authority_pk].add(suggestion_pk)
    wanted = {pk for pks_ in held.values() for pk in pks_}
    by_pk = {s.pk: s for s in _with_members(Suggestion.objects.filter(pk__in=wanted))}
    out = {}
    for authority_pk, suggestion_pks in held.items():
        best = sorted((by_pk[pk] for pk in suggestion_pks), key=lambda s: (-s.score, s.key))
        out[authority_pk] = _shown(best[:limit], authority_pk)
    return out


def suggestions_for_listing(*, listing: Listing) -> list[Shown]:
    """Suggestions the listing is part of (three queries)."""
    if listing.status != Listing.Status.PUBLISHED:
        return []
    suggestions = list(_with_members(Suggestion.objects.filter(members__listing=listing)))
    return _shown(suggestions, listing.authority_id)


def suggestion_for_viewer(*, key: str, authority: Authority) -> Shown | None:
    """The suggestion by key if the organisation has a live listing in it, else None."""
    s = _with_members(Suggestion.objects.filter(key=key)).first()
    if s is None:
        return None
    shown = _shown([s], authority.pk)[0]
    if not any(li.status == Listing.Status.PUBLISHED for li in shown.own):
        return None
    return shown


@dataclass(frozen=True)
class ServingOrg:
    """An organisation with an offer that could serve a whole consortium, as its page
    lists it (the map links to its row by code)."""

    gss_code: str
    name: str
    sentence: str


def suggestion_offers(*, shown: Shown) -> list[ServingOrg]:
    """The offers stored with a consortium, with their organisations' codes (one query)."""
    stored = shown.details.get("offers", [])
    codes = dict(
        Listing.objects.filter(pk__in=[o["listing"] for o in stored]).values_list(
            "pk", "authority__gss_code"
        )
    )
    return [
        ServingOrg(codes[o["listing"]], o["name"], o["sentence"])
        for o in stored
        if o["listing"] in codes
    ]


def suggestion_map_data(*, shown: Shown, offers: Sequence[ServingOrg]) -> dict[str, Any]:
    """What static/js/partner-map.js draws for a suggestion: the viewer's organisation
    as the origin, every other member and each organisation with an offer that could
    serve them all ranked by the score the grouping uses (detection.pair_score: 100
    at the viewer's own place, 0 at detection.MAX_KM away), names saying which they
    are. A body with no shape of its own on the district layer (a county, a fire or
    police body) is drawn as the council areas it covers, as Find a partner does."""
    reference = matching_reference()

    def body(gss: str) -> matching.Body | None:
        i = reference.index.get(gss)
        return reference.bodies[i] if i is not None else None

    own = shown.own[0].authority if shown.own else None
    origin = body(own.gss_code) if own is not None else None
    service = _lower(shown.suggestion.service.name)
    rows = [(a.gss_code, f"{a.short_name} (member)") for a in shown.others]
    rows += [(o.gss_code, f"{o.name} (offers {service})") for o in offers]
    scored = []
    for gss, name in rows:
        b = body(gss)
        km = detection.distance_km(origin, b) if origin is not None and b is not None else None
        score = round(detection.pair_score(km) * 100, 1) if km is not None else 0.0
        scored.append((score, gss, name))
    scored.sort(key=lambda r: (-r[0], r[2]))
    ranked = [[gss, name, score, rank] for rank, (score, gss, name) in enumerate(scored, 1)]
    codes = [own.gss_code] if own is not None else []
    codes += [gss for _s, gss, _n in scored]
    areas = {}
    for gss in codes:
        b = body(gss)
        no_shape = b is not None and (not b.is_council or b.tier == matching.UPPER)
        if no_shape and gss in reference.footprints:
            areas[gss] = sorted(reference.footprints[gss])
    return {
        "origin": own.gss_code if own is not None else "",
        "originName": own.short_name if own is not None else "",
        "layer": "ltla",
        "year": 2025,
        "topScore": max((score for score, _gss, _name in scored), default=1.0) or 1.0,
        "ranked": ranked,
        "areas": areas,
    }


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]
