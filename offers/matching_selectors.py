"""Reads for partner matching: fetch rows, hand plain records to offers.matching.

What never changes between imports (bodies, boundaries, spend, distances) is
built once per process into a `matching.Reference` and kept, keyed on a
fingerprint of the reference tables read in one query. A re-import (or an
admin edit) changes the fingerprint, so every process rebuilds on its next
request; no request pays for the build otherwise. What varies per request
(live listings, recorded arrangements, the savings rate) costs three small
queries.
"""

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q

from councils.models import Adjacency, Authority, SpendLine, SpendRecord

from . import matching
from .models import Listing, SavingsAssumption, Service, SharedArrangement

_lock = threading.Lock()
_cached: dict[str, matching.Reference] = {}

# Lines whose published names shout or title-case; shown in sentence case.
_LINE_NAMES = {"330": "Children's social care", "360": "Adult social care", "390": "Public health"}


def _sentence_case(name: str) -> str:
    words = name.split(" ")
    out = [words[0]] + [
        w if (w.isupper() and len(w) > 1) or "(" in w else w.lower() for w in words[1:]
    ]
    return " ".join(out)


def reference_fingerprint() -> str:
    """One cheap query over the reference tables; changes whenever an import changes them."""
    a = Authority._meta.db_table
    j = Adjacency._meta.db_table
    s = SpendRecord._meta.db_table
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {a}), (SELECT MAX(id) FROM {a}), "  # noqa: S608 (table names, not input)
        f"(SELECT SUM(latitude) + SUM(longitude) FROM {a}), "
        f"(SELECT SUM(COALESCE(population, 0)) FROM {a}), "
        f"(SELECT SUM(LENGTH(name) + LENGTH(short_name) + LENGTH(status) + LENGTH(tier)) "
        f"FROM {a}), "
        f"(SELECT SUM(COALESCE(parent_county_id, 0) + COALESCE(combined_authority_id, 0)) "
        f"FROM {a}), "
        f"(SELECT COUNT(*) FROM {j}), (SELECT MAX(id) FROM {j}), "
        f"(SELECT COUNT(*) FROM {s}), (SELECT MAX(id) FROM {s}), "
        f"(SELECT SUM(net_expenditure_thousands) FROM {s})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return "|".join("" if v is None else f"{float(v):.6f}" for v in row)


def build_reference(*, version: str = "") -> matching.Reference:
    """Read every body, boundary and spend figure (four queries)."""
    rows = Authority.objects.values_list(
        "pk",
        "gss_code",
        "name",
        "short_name",
        "tier",
        "nation",
        "region",
        "status",
        "parent_county__gss_code",
        "parent_county__name",
        "combined_authority__gss_code",
        "combined_authority__name",
        "latitude",
        "longitude",
        "population",
    )
    bodies = [
        matching.Body(
            pk=pk,
            gss_code=gss,
            name=name,
            short_name=short,
            tier=tier,
            nation=nation,
            region=region,
            is_current=status == Authority.Status.CURRENT,
            county=county or "",
            county_name=county_name or "",
            combined_authority=ca or "",
            combined_authority_name=ca_name or "",
            latitude=lat,
            longitude=lon,
            population=pop,
        )
        for (
            pk,
            gss,
            name,
            short,
            tier,
            nation,
            region,
            status,
            county,
            county_name,
            ca,
            ca_name,
            lat,
            lon,
            pop,
        ) in rows
    ]
    adjacency = Adjacency.objects.values_list("authority_a__gss_code", "authority_b__gss_code")
    spend: dict[tuple[str, str], dict[str, float | None]] = {}
    for gss, line, year, value in SpendRecord.objects.values_list(
        "authority__gss_code", "line__code", "year", "net_expenditure_thousands"
    ):
        spend.setdefault((gss, line), {})[year] = float(value) if value is not None else None
    return matching.Reference(bodies, list(adjacency), spend, version=version)


def matching_reference() -> matching.Reference:
    """The process's Reference, rebuilt only when the fingerprint changes."""
    version = reference_fingerprint()
    reference = _cached.get("reference")
    if reference is not None and reference.version == version:
        return reference
    with _lock:
        reference = _cached.get("reference")
        if reference is None or reference.version != version:
            reference = build_reference(version=version)
            _cached["reference"] = reference
    return reference


def matching_reference_clear() -> None:
    """Forget the cached Reference (tests that rewrite reference rows call this)."""
    _cached.pop("reference", None)


def matching_weights() -> matching.Weights:
    return matching.Weights.from_mapping(getattr(settings, "MATCHING_WEIGHTS", None))


def savings_rate() -> matching.SavingsRate:
    """The admin-edited assumption, or the documented default if the row is missing."""
    row = SavingsAssumption.objects.filter(pk=1).first()
    if row is None:
        return matching.SavingsRate()
    return matching.SavingsRate(
        low_percent=float(row.low_percent),
        high_percent=float(row.high_percent),
        source=row.source,
    )


_line_name_cache: dict[str, str] = {}


def service_info(*, service: Service) -> matching.ServiceInfo:
    """The pure record for a Service (its family must be loaded or is fetched once)."""
    line_name = ""
    if service.ro_line:
        line_name = _line_name_cache.get(service.ro_line, "")
        if not line_name:
            raw = (
                SpendLine.objects.filter(code=service.ro_line)
                .values_list("name", flat=True)
                .first()
            )
            line_name = _LINE_NAMES.get(service.ro_line) or _sentence_case(raw or "")
            if line_name:
                _line_name_cache[service.ro_line] = line_name
    return matching.ServiceInfo(
        pk=service.pk,
        name=service.name,
        family_pk=service.family_id,
        family_name=service.family.name,
        tiers=frozenset(service.delivered_by_tiers),
        ro_line=service.ro_line,
        ro_line_name=line_name,
    )


def _live_listings(
    *, family_pk: int, exclude_authority_pk: int | None, include_signed_in: bool
) -> dict[str, list[matching.ListingRef]]:
    """Published, non-synthetic listings in the service's family, by council (one query)."""
    listings = Listing.objects.published().filter(service__family_id=family_pk, is_synthetic=False)
    if not include_signed_in:
        listings = listings.filter(visibility=Listing.Visibility.PUBLIC)
    if exclude_authority_pk is not None:
        listings = listings.exclude(authority_id=exclude_authority_pk)
    by_council: dict[str, list[matching.ListingRef]] = {}
    for pk, gss, kind, service_pk, service_name, fam, title in listings.order_by("pk").values_list(
        "pk",
        "authority__gss_code",
        "kind",
        "service_id",
        "service__name",
        "service__family_id",
        "title",
    ):
        by_council.setdefault(gss, []).append(
            matching.ListingRef(pk, gss, kind, service_pk, service_name, fam, title)
        )
    return by_council


def arrangements_for(*, service_pks: Iterable[int]) -> dict[int, list[tuple[str, frozenset[str]]]]:
    """Active recorded arrangements per service: (name, member GSS codes). One query."""
    through = SharedArrangement.members.through
    rows = (
        through.objects.filter(
            sharedarrangement__service_id__in=list(service_pks),
            sharedarrangement__is_active=True,
        )
        .order_by("sharedarrangement_id")
        .values_list(
            "sharedarrangement_id",
            "sharedarrangement__service_id",
            "sharedarrangement__name",
            "authority__gss_code",
        )
    )
    members: dict[int, tuple[int, str, set[str]]] = {}
    for arrangement_pk, service_pk, name, gss in rows:
        members.setdefault(arrangement_pk, (service_pk, name, set()))[2].add(gss)
    out: dict[int, list[tuple[str, frozenset[str]]]] = {}
    for service_pk, name, gss_codes in members.values():
        out.setdefault(service_pk, []).append((name, frozenset(gss_codes)))
    return out


def experience_map(
    arrangements: Iterable[tuple[str, frozenset[str]]], *, origin: str, leave_out_origin: bool
) -> dict[str, list[str]]:
    """GSS code -> arrangements in which it shares the service with someone besides `origin`.

    With `leave_out_origin`, arrangements that include the origin are ignored
    altogether, so a pair's own arrangement can never vouch for itself (the
    evaluation uses this; see docs/matching.md).
    """
    out: dict[str, list[str]] = {}
    for name, members in arrangements:
        if leave_out_origin and origin in members:
            continue
        for gss in members:
            if members - {gss, origin}:
                out.setdefault(gss, []).append(name)
    return out


def _limits(listing: Listing | None, named: Iterable[str], region: str) -> matching.Limits:
    """The listing's own limits; `region` is the listing council's region."""
    if listing is None:
        return matching.Limits()
    scope = listing.partner_scope
    if scope == Listing.PartnerScope.RADIUS:
        return matching.Limits(scope=scope, radius_km=float(listing.partner_radius_km or 0))
    if scope == Listing.PartnerScope.REGION:
        return matching.Limits(scope=scope, region=region)
    if scope == Listing.PartnerScope.NAMED:
        return matching.Limits(scope=scope, named=frozenset(named))
    return matching.Limits()


def partner_ranking(
    *,
    authority: Authority,
    service: Service,
    listing: Listing | None = None,
    include_signed_in: bool = False,
) -> matching.Ranking:
    """Every council ranked as a partner for `authority` on `service`, with exclusions.

    With `listing` (one of `authority`'s), the listing's limits apply and only
    the opposite kind of listing counts as complementary. `include_signed_in`
    lets signed-in-only listings count (pass True only for public-sector viewers).
    Queries: fingerprint, listings, arrangements, savings rate (+4 on a rebuild).
    """
    reference = matching_reference()
    origin = reference.by_gss.get(authority.gss_code)
    if origin is None:  # created since the fingerprint was read: rebuild once
        matching_reference_clear()
        reference = matching_reference()
        origin = reference.by_gss[authority.gss_code]
    info = service_info(service=service)
    named: list[str] = []
    if listing is not None and listing.partner_scope == Listing.PartnerScope.NAMED:
        named = [a.gss_code for a in listing.named_partners.all()]
    kinds = frozenset({matching.OFFER, matching.NEED})
    if listing is not None:
        kinds = frozenset({matching.NEED if listing.kind == Listing.Kind.OFFER else matching.OFFER})
    arrangements = arrangements_for(service_pks=[service.pk]).get(service.pk, [])
    context = matching.Context(
        listings=_live_listings(
            family_pk=service.family_id,
            exclude_authority_pk=authority.pk,
            include_signed_in=include_signed_in,
        ),
        complementary_kinds=kinds,
        experience=experience_map(arrangements, origin=origin.gss_code, leave_out_origin=False),
        limits=_limits(listing, named, origin.region),
        weights=matching_weights(),
        rate=savings_rate(),
    )
    return matching.rank_partners(reference, origin, info, context)


# --- For other features (digests) ----------------------------------------------------------


@dataclass(frozen=True)
class ScoredListing:
    listing: Listing
    score: float
    distance_km: float | None
    reasons: list[str]
    suggestion: matching.Suggestion


def rank_listings_for_authority(
    *, authority: Authority, listings: Sequence[Listing]
) -> list[ScoredListing]:
    """Other councils' listings ordered by how good a partner their council is for
    `authority` on the listing's service, best first.

    Left out: the authority's own listings, listings for a service its tier does
    not deliver, and listings whose own limits (distance, region, named councils)
    exclude it. Pass listings with `service__family` loaded (select_related);
    a fixed number of queries whatever the number of listings.
    Ties: score, then distance, then listing id.
    """
    if not listings:
        return []
    reference = matching_reference()
    origin = reference.by_gss.get(authority.gss_code)
    if origin is None:
        return []
    weights, rate = matching_weights(), savings_rate()
    listing_pks = [x.pk for x in listings]
    named: dict[int, set[str]] = {}
    through = Listing.named_partners.through
    for listing_pk, gss in through.objects.filter(listing_id__in=listing_pks).values_list(
        "listing_id", "authority__gss_code"
    ):
        named.setdefault(listing_pk, set()).add(gss)
    arrangements = arrangements_for(service_pks={x.service_id for x in listings})
    row = reference.distances_from(origin.gss_code)
    scored: list[ScoredListing] = []
    for listing in listings:
        body = reference.by_pk.get(listing.authority_id)
        if body is None or body.gss_code == origin.gss_code:
            continue
        info = service_info(service=listing.service)
        if matching.eligibility_reason(body, origin, info) is not None:
            continue  # the recipient cannot deliver (or share) this service
        km = row[reference.index[body.gss_code]]
        limits = _limits(listing, named.get(listing.pk, ()), body.region)
        if matching.limit_reason(origin, km, limits) is not None:
            continue
        ref = matching.ListingRef(
            listing.pk,
            body.gss_code,
            listing.kind,
            listing.service_id,
            listing.service.name,
            listing.service.family_id,
            listing.title,
        )
        context = matching.Context(
            listings={body.gss_code: [ref]},
            experience=experience_map(
                arrangements.get(listing.service_id, []),
                origin=origin.gss_code,
                leave_out_origin=False,
            ),
            weights=weights,
            rate=rate,
        )
        suggestion = matching.score_candidate(reference, origin, body, info, context, km)
        scored.append(ScoredListing(listing, suggestion.score, km, suggestion.reasons, suggestion))
    scored.sort(
        key=lambda s: (
            -s.score,
            s.distance_km if s.distance_km is not None else float("inf"),
            s.listing.pk,
        )
    )
    return scored


def suggested_partners(
    *, authority: Authority, service: Service, listing: Listing | None = None, limit: int = 5
) -> list[matching.Suggestion]:
    """The top few partners, for listing and council pages."""
    return list(
        partner_ranking(authority=authority, service=service, listing=listing).suggestions[:limit]
    )


def services_for_choice() -> list[Service]:
    return list(Service.objects.select_related("family"))


def current_authorities_for_choice() -> list[tuple[str, str]]:
    return list(Authority.objects.current().order_by("name").values_list("gss_code", "name"))


def listed_services(*, authority: Authority) -> list[Service]:
    """Services a council has live listings for (its profile shows partners for each)."""
    return list(
        Service.objects.filter(
            Q(listings__authority=authority) & Q(listings__status=Listing.Status.PUBLISHED)
        )
        .select_related("family")
        .distinct()
    )
