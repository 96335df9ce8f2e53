"""Reads for partner matching: fetch rows, hand plain records to matching.scoring.

What never changes between imports (bodies, boundaries, spend, distances) is
built once per process into a `matching.Reference` and kept, keyed on the
reference-data generation (councils.changes, core.generations). The importer
bumps it in its transaction and saves or deletes of the data held here bump it
through the signals at the end of this module, so every process rebuilds on
its first request after the generation's cache copy goes (at once on commit,
or within GENERATION_CACHE_SECONDS); no request pays for the build otherwise.
Recorded arrangements, savings rates and the service costs organisations record
are edited rarely and held in the same snapshot (their saves bump the generation
too). What varies per request, the live listings, costs one query.
"""

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from councils import spend as spend_rules
from councils.changes import reference_data_changed, reference_data_generation
from councils.models import (
    Adjacency,
    Authority,
    BodyArea,
    Deprivation,
    RuralUrban,
    SpendLine,
    SpendRecord,
)
from matching import likeness as likeness_model
from matching import scoring as matching
from matching.models import SavingsAssumption, SavingsEvidence, ServiceCost, SharedArrangement
from offers.models import Listing, Service

# Lines whose published names shout or title-case; shown in sentence case.
_LINE_NAMES = {"330": "Children's social care", "360": "Adult social care", "390": "Public health"}


def _sentence_case(name: str) -> str:
    words = name.split(" ")
    out = [words[0]] + [
        w if (w.isupper() and len(w) > 1) or "(" in w else w.lower() for w in words[1:]
    ]
    return " ".join(out)


def build_reference(*, version: str = "") -> matching.Reference:
    """Read every body, boundary, spend figure, body area, deprivation figure and
    rural-urban class (six queries), and standardise the likeness profiles."""
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
        "kind",
        "authority_type",
        "area_km2",
        "run_by__name",
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
            kind=kind,
            authority_type=authority_type or "",
            area_km2=float(area) if area is not None else None,
            run_by_name=run_by or "",
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
            kind,
            authority_type,
            area,
            run_by,
        ) in rows
    ]
    spend: dict[tuple[str, str], dict[str, float | None]] = {}
    for gss, line, year, value in SpendRecord.objects.values_list(
        "authority__gss_code", "line__code", "year", "net_expenditure_thousands"
    ):
        spend.setdefault((gss, line), {})[year] = float(value) if value is not None else None
    links = list(
        Authority.successors.through.objects.values_list(
            "from_authority__gss_code", "to_authority__gss_code"
        )
    )
    notes = successor_spend_fill(spend, links, {b.gss_code: b.short_name for b in bodies})
    reference = matching.Reference(
        bodies,
        _adjacency_ranked(),
        spend,
        version=version,
        spend_notes=notes,
        areas=_body_areas(),
    )
    # After the reference: a body's area is the sum of the council areas it covers.
    reference.likeness = likeness_model.Likeness(_profiles(bodies, spend, reference.footprints))
    return reference


def successor_spend_fill(
    spend: dict[tuple[str, str], dict[str, float | None]],
    links: Iterable[tuple[str, str]],
    names: dict[str, str],
) -> dict[tuple[str, str, str], str]:
    """Give each successor, for the years before it existed, its predecessors'
    combined figure on each line (councils.spend.combine): in place, into `spend`.
    Returns the label of every figure so added. A year with a predecessor split
    between successors (Cumbria, Northamptonshire) is left without a figure and
    labelled why, so it is never summed into either successor."""
    successors_of: dict[str, list[str]] = {}
    for old, new in links:
        successors_of.setdefault(old, []).append(new)
    predecessors_of: dict[str, list[str]] = {}
    for old, news in successors_of.items():
        for new in news:
            predecessors_of.setdefault(new, []).append(old)
    lines = {line for (_gss, line) in spend}
    notes: dict[tuple[str, str, str], str] = {}
    for successor, olds in predecessors_of.items():
        who = names.get(successor, successor)
        for line in lines:
            own = spend.get((successor, line), {})
            by_year: dict[str, list[spend_rules.Part[float]]] = {}
            for old in olds:
                for year, value in spend.get((old, line), {}).items():
                    if year not in own:
                        by_year.setdefault(year, []).append(
                            spend_rules.Part(
                                old, names.get(old, old), len(successors_of[old]) > 1, value
                            )
                        )
            for year, parts in by_year.items():
                combined = spend_rules.combine(parts)
                spend.setdefault((successor, line), {})[year] = combined.total
                notes[(successor, line, year)] = (
                    f"the combined figures of {who}'s {len(parts)} predecessors"
                    if combined.total is not None
                    else f"no combined figure for {who}'s predecessors: {combined.reason}"
                )
    return notes


ADJACENCY_FIELDS = (
    "authority_a__gss_code",
    "authority_b__gss_code",
    "layer",
    "ons_rank_from_a",
    "ons_rank_from_b",
    "touching_pairs",
)


def _adjacency_ranked() -> list[tuple[str, str, int | None, int | None]]:
    """Every boundary with its ranks (one query; see adjacency_with_ranks)."""
    return adjacency_with_ranks(list(Adjacency.objects.values_list(*ADJACENCY_FIELDS)))


def adjacency_with_ranks(
    rows: Sequence[tuple[str, str, str, int | None, int | None, int | None]],
) -> list[tuple[str, str, int | None, int | None]]:
    """Boundaries with each side's rank of the other (1 = longest shared boundary):
    the ONS order for districts and unitaries; for the county layer, which has no
    lengths, the number of touching district pairs stands in (more first)."""
    touching: dict[str, list[tuple[int, str]]] = {}
    for a, b, layer, _ra, _rb, pairs in rows:
        if layer == Adjacency.Layer.UPPER:
            touching.setdefault(a, []).append((-(pairs or 0), b))
            touching.setdefault(b, []).append((-(pairs or 0), a))
    upper_rank = {
        (a, b): rank
        for a, others in touching.items()
        for rank, (_n, b) in enumerate(sorted(others), start=1)
    }
    return [
        (a, b, ra, rb)
        if layer != Adjacency.Layer.UPPER
        else (a, b, upper_rank.get((a, b)), upper_rank.get((b, a)))
        for a, b, layer, ra, rb, _pairs in rows
    ]


def _body_areas() -> dict[str, dict[str, float]]:
    """Body GSS -> {council GSS: share} for bodies that cover council areas (one query)."""
    areas: dict[str, dict[str, float]] = {}
    for body, council, share in BodyArea.objects.values_list(
        "body__gss_code", "council__gss_code", "share"
    ):
        areas.setdefault(body, {})[council] = float(share)
    return areas


def _profiles(
    bodies: Sequence[matching.Body],
    spend: dict[tuple[str, str], dict[str, float | None]],
    footprints: Mapping[str, Mapping[str, float]],
) -> list[likeness_model.Profile]:
    """The likeness profiles (two queries: deprivation, rural-urban class)."""
    deprivation: dict[str, tuple[str, float | None]] = {
        gss: (index, float(extent) if extent is not None else None)
        for gss, index, extent in Deprivation.objects.filter(
            preferred=True, extent__isnull=False
        ).values_list("authority__gss_code", "index", "extent")
    }
    ruc = dict(RuralUrban.objects.values_list("authority__gss_code", "ruc21_code"))
    return likeness_profiles(bodies, spend, deprivation, ruc, footprints)


def likeness_profiles(
    bodies: Sequence[matching.Body],
    spend: dict[tuple[str, str], dict[str, float | None]],
    deprivation: dict[str, tuple[str, float | None]],
    ruc: dict[str, str],
    footprints: Mapping[str, Mapping[str, float]],
) -> list[likeness_model.Profile]:
    """What the statistical neighbours compare, per current organisation: spend per
    head on each line in the newest year of that line, the preferred deprivation
    row's extent, and the rural-urban class."""
    newest: dict[str, str] = {}
    for (_gss, line), years in spend.items():
        if line in ("699", "749"):  # totals repeat the lines
            continue
        for year, value in years.items():
            if value is not None and year > newest.get(line, ""):
                newest[line] = year
    area_of = {b.gss_code: b.area_km2 for b in bodies}
    out = []
    for b in bodies:
        if not b.is_current:
            continue
        area = b.area_km2
        if area is None and not b.is_council and b.gss_code in footprints:
            parts = [(area_of.get(d), share) for d, share in footprints[b.gss_code].items()]
            if parts and all(a is not None for a, _share in parts):
                area = sum((a or 0.0) * share for a, share in parts)
        per_head: dict[str, float] = {}
        if b.population:
            for line, year in newest.items():
                value = spend.get((b.gss_code, line), {}).get(year)
                if value is not None:
                    per_head[line] = value * 1000 / b.population
        index, extent = deprivation.get(b.gss_code, ("", None))
        out.append(
            likeness_model.Profile(
                gss_code=b.gss_code,
                kind=b.kind,
                population=b.population,
                area_km2=area,
                tier=b.authority_type,
                spend_per_head=per_head,
                deprivation_index=index,
                deprivation_extent=extent,
                ruc_code=ruc.get(b.gss_code, ""),
            )
        )
    return out


@dataclass
class _Snapshot:
    version: int
    reference: matching.Reference
    arrangements: list["Arrangement"]
    rate: matching.SavingsRate  # whole organisation
    family_rates: dict[int, matching.SavingsRate]
    line_names: dict[str, str]
    # Service id -> GSS code -> (pounds a year, where from): the figures organisations
    # recorded on their profiles (ServiceCost), edited as rarely as arrangements.
    recorded_costs: dict[int, dict[str, tuple[float, str]]]

    def family_rate(self, family_pk: int | None) -> matching.SavingsRate:
        """The family's rate range; the whole-organisation rate if it has none."""
        if family_pk is not None and family_pk in self.family_rates:
            return self.family_rates[family_pk]
        return self.rate


_lock = threading.Lock()
_snapshot: list[_Snapshot] = []  # zero or one; a list so no `global` is needed


def _load_snapshot(version: int) -> _Snapshot:
    line_names = {
        code: _LINE_NAMES.get(code) or _sentence_case(name)
        for code, name in SpendLine.objects.values_list("code", "name")
    }
    return _Snapshot(
        version=version,
        reference=build_reference(version=str(version)),
        arrangements=_arrangements_all(),
        rate=_savings_rate_from_db(),
        family_rates=_family_rates_from_db(),
        line_names=line_names,
        recorded_costs=_recorded_costs_from_db(),
    )


def _current_snapshot() -> _Snapshot:
    """The process's snapshot, rebuilt when the reference-data generation moves on.

    The generation is read (through the cache) before a rebuild reads the rows,
    so a change committed during the build makes the next call rebuild again.
    """
    version = reference_data_generation()
    current = _snapshot[0] if _snapshot else None
    if current is not None and current.version == version:
        return current
    with _lock:
        if _snapshot and _snapshot[0].version == version:
            return _snapshot[0]
        fresh = _load_snapshot(version)
        _snapshot[:] = [fresh]
        return fresh


def matching_reference() -> matching.Reference:
    """The process's Reference (bodies, boundaries, spend, distance rows)."""
    return _current_snapshot().reference


def matching_reference_clear(**_signal_kwargs: object) -> None:
    """Forget the cached snapshot; connected to saves and deletes of the data it holds."""
    with _lock:
        _snapshot.clear()


def matching_weights() -> matching.Weights:
    """The weights file in use (matching.scoring.WEIGHTS_VERSION), read once per process."""
    return matching.load_weights()


def _savings_rate_from_db() -> matching.SavingsRate:
    """The whole-organisation rate (NLGN's 1.8%-3.6% unless staff changed it)."""
    row = SavingsAssumption.objects.filter(scope=SavingsAssumption.Scope.WHOLE).first()
    if row is None:
        return matching.SavingsRate()
    return matching.SavingsRate(
        low_percent=float(row.low_percent),
        high_percent=float(row.high_percent),
        source=row.source,
    )


def _family_rates_from_db() -> dict[int, matching.SavingsRate]:
    """One rate range per service family, with how much evidence it rests on (one query)."""
    rows = (
        SavingsAssumption.objects.filter(scope=SavingsAssumption.Scope.FAMILY)
        .select_related("family")
        .annotate(n_evidence=Count("evidence"))
    )
    return {
        row.family_id: matching.SavingsRate(
            low_percent=float(row.low_percent),
            high_percent=float(row.high_percent),
            source=row.source,
            family=row.family.name if row.family else "",
            family_evidence=row.family_evidence,
            evidence_count=row.n_evidence,
        )
        for row in rows
        if row.family_id is not None
    }


def savings_rate(*, family_pk: int | None = None) -> matching.SavingsRate:
    """A family's rate range (cached with the reference); the whole-organisation
    rate when `family_pk` is None or the family has no row."""
    return _current_snapshot().family_rate(family_pk)


def whole_organisation_rate() -> matching.SavingsRate:
    return _current_snapshot().rate


def _listing_cost(title: str) -> str:
    return f"listing “{title}” (stated annual value)"


def _recorded_costs_from_db() -> dict[int, dict[str, tuple[float, str]]]:
    """Every recorded figure, by service and organisation (one query, for the snapshot)."""
    out: dict[int, dict[str, tuple[float, str]]] = {}
    for service_pk, gss, value, year in ServiceCost.objects.values_list(
        "service_id", "authority__gss_code", "annual_cost_gbp", "financial_year"
    ):
        out.setdefault(service_pk, {})[gss] = (float(value), f"own figure for the service ({year})")
    return out


def _recorded_costs(
    out: dict[int, dict[str, tuple[float, str]]], snapshot: _Snapshot
) -> dict[int, dict[str, tuple[float, str]]]:
    """`out` with each organisation's own recorded figure put over its listing's."""
    for service_pk, costs in out.items():
        costs.update(snapshot.recorded_costs.get(service_pk, {}))
    return out


def service_costs(
    *, service_pks: Iterable[int], include_signed_in: bool
) -> dict[int, dict[str, tuple[float, str]]]:
    """Service id -> GSS code -> (pounds a year, where from): what an organisation
    recorded on its profile, else the stated annual value of its live listing for
    the service (the oldest one). One query (the recorded figures are in the snapshot)."""
    pks = list(service_pks)
    out: dict[int, dict[str, tuple[float, str]]] = {pk: {} for pk in pks}
    listings = Listing.objects.published().filter(
        service_id__in=pks, is_synthetic=False, annual_value_gbp__gt=0
    )
    if not include_signed_in:
        listings = listings.filter(visibility=Listing.Visibility.PUBLIC)
    for service_pk, gss, value, title in listings.order_by("-pk").values_list(
        "service_id", "authority__gss_code", "annual_value_gbp", "title"
    ):
        if value:  # filtered above; the column is nullable
            out[service_pk][gss] = (float(value), _listing_cost(title))
    return _recorded_costs(out, _current_snapshot())


def service_info(*, service: Service) -> matching.ServiceInfo:
    """The pure record for a Service (select_related its family to save a query)."""
    return _service_info(service, _current_snapshot())


def _service_info(service: Service, snapshot: _Snapshot) -> matching.ServiceInfo:
    line_names = snapshot.line_names
    return matching.ServiceInfo(
        pk=service.pk,
        name=service.name,
        family_pk=service.family_id,
        family_name=service.family.name,
        tiers=frozenset(service.delivered_by_tiers),
        kinds=frozenset(service.body_kinds),
        ro_line=service.ro_line,
        ro_line_name=line_names.get(service.ro_line, "") if service.ro_line else "",
    )


@dataclass(frozen=True)
class FamilyListings:
    """What one ranking reads from the live listings of the service's family."""

    by_council: dict[str, list[matching.ListingRef]]  # every organisation but the asker
    costs: dict[str, tuple[float, str]]  # the service's costs, as service_costs gives them


def _family_listings(
    *,
    service: Service,
    exclude_gss: str | None,
    include_signed_in: bool,
    snapshot: _Snapshot | None = None,
) -> FamilyListings:
    """Published, non-synthetic listings in the service's family, by organisation, and the
    service's costs (stated annual values, then the recorded figures held in the
    snapshot): one query, the asker's own listings included since its stated value is
    its cost base. A ranking used to read the same listings twice."""
    listings = Listing.objects.published().filter(
        service__family_id=service.family_id, is_synthetic=False
    )
    if not include_signed_in:
        listings = listings.filter(visibility=Listing.Visibility.PUBLIC)
    by_council: dict[str, list[matching.ListingRef]] = {}
    costs: dict[str, tuple[float, str]] = {}
    rows = listings.order_by("pk").values_list(
        "pk",
        "authority__gss_code",
        "kind",
        "service_id",
        "service__name",
        "service__family_id",
        "title",
        "annual_value_gbp",
    )
    for pk, gss, kind, service_pk, service_name, fam, title, value in rows:
        if service_pk == service.pk and value and value > 0:
            costs.setdefault(gss, (float(value), _listing_cost(title)))  # the oldest listing's
        if gss != exclude_gss:
            by_council.setdefault(gss, []).append(
                matching.ListingRef(pk, gss, kind, service_pk, service_name, fam, title)
            )
    recorded = _recorded_costs({service.pk: costs}, snapshot or _current_snapshot())
    return FamilyListings(by_council=by_council, costs=recorded[service.pk])


@dataclass(frozen=True)
class Arrangement:
    """A recorded arrangement as matching reads it (the register, never the evaluation file)."""

    name: str
    service_pk: int
    service_name: str
    members: frozenset[str]


def _arrangements_all() -> list[Arrangement]:
    """Active recorded arrangements with their member GSS codes. One query."""
    through = SharedArrangement.members.through
    rows = (
        through.objects.filter(
            sharedarrangement__is_active=True,
            sharedarrangement__status=SharedArrangement.Status.PUBLISHED,  # the public register
        )
        .order_by("sharedarrangement_id")
        .values_list(
            "sharedarrangement_id",
            "sharedarrangement__service_id",
            "sharedarrangement__service__name",
            "sharedarrangement__name",
            "authority__gss_code",
        )
    )
    members: dict[int, tuple[int, str, str, set[str]]] = {}
    for arrangement_pk, service_pk, service_name, name, gss in rows:
        members.setdefault(arrangement_pk, (service_pk, service_name, name, set()))[3].add(gss)
    return [
        Arrangement(name, service_pk, service_name, frozenset(gss_codes))
        for service_pk, service_name, name, gss_codes in members.values()
    ]


def arrangements_all() -> list[Arrangement]:
    """Every active recorded arrangement (from the cached snapshot)."""
    return _current_snapshot().arrangements


def experience_signals(
    arrangements: Iterable[Arrangement],
    *,
    origin: str,
    service_pk: int,
    leave_out: frozenset[str] = frozenset(),
) -> tuple[dict[str, tuple[int, tuple[str, ...]]], dict[str, tuple[str, ...]]]:
    """(hub, shares_with_asker) for matching.Context, from recorded arrangements.

    hub: GSS code -> (how many distinct organisations it shares this service with
    in arrangements the asker is not in, their names). shares_with_asker: GSS
    code -> "service (arrangement)" for every arrangement, of any service, that it
    and the asker are both in. Arrangements named in `leave_out` are ignored (the
    evaluation leaves out the arrangement being scored, so it cannot vouch for itself).
    """
    partners: dict[str, set[str]] = {}
    names: dict[str, list[str]] = {}
    shares: dict[str, list[str]] = {}
    for x in arrangements:
        if x.name in leave_out:
            continue
        if origin in x.members:
            for gss in x.members - {origin}:
                shares.setdefault(gss, []).append(f"{_lower(x.service_name)} ({x.name})")
        elif x.service_pk == service_pk:
            for gss in x.members:
                partners.setdefault(gss, set()).update(x.members - {gss})
                names.setdefault(gss, []).append(x.name)
    hub = {gss: (len(others), tuple(names[gss])) for gss, others in partners.items() if others}
    return hub, {gss: tuple(what) for gss, what in shares.items()}


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


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
    only_kinds: frozenset[str] = frozenset(),
) -> matching.Ranking:
    """Every council ranked as a partner for `authority` on `service`, with exclusions.

    With `listing` (one of `authority`'s), the listing's limits apply and only
    the opposite kind of listing counts as complementary. `include_signed_in`
    lets signed-in-only listings count (pass True only for public-sector viewers).
    Queries: the family's listings (+1 when the generation's cache copy has gone, +7
    on a rebuild). The snapshot is taken once, so the generation is read once.
    """
    snapshot = _current_snapshot()
    reference = snapshot.reference
    origin = reference.by_gss.get(authority.gss_code)
    if origin is None:  # created since the snapshot was built: rebuild once
        matching_reference_clear()
        snapshot = _current_snapshot()
        reference = snapshot.reference
        origin = reference.by_gss[authority.gss_code]
    info = _service_info(service, snapshot)
    named: list[str] = []
    if listing is not None and listing.partner_scope == Listing.PartnerScope.NAMED:
        named = [a.gss_code for a in listing.named_partners.all()]
    kinds = frozenset({matching.OFFER, matching.NEED})
    if listing is not None:
        kinds = frozenset({matching.NEED if listing.kind == Listing.Kind.OFFER else matching.OFFER})
    hub, shares = experience_signals(
        snapshot.arrangements, origin=origin.gss_code, service_pk=service.pk
    )
    family = _family_listings(
        service=service,
        exclude_gss=origin.gss_code,
        include_signed_in=include_signed_in,
        snapshot=snapshot,
    )
    context = matching.Context(
        listings=family.by_council,
        complementary_kinds=kinds,
        hub=hub,
        shares_with_asker=shares,
        limits=_limits(listing, named, origin.region),
        only_kinds=only_kinds,
        weights=matching_weights(),
        rate=snapshot.family_rate(service.family_id),
        whole_rate=snapshot.rate,
        service_costs=family.costs,
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


class ListingScorer:
    """Scores listings for councils with the same eligibility, limits and score as
    the Find a partner page (matching.scoring.score_candidate).

    What scoring reads (savings rate, weights, named partners, arrangements,
    service facts) is read once for the listings given, and each (council,
    listing) is scored once, so callers with many councils (digests) pay a
    fixed number of queries.
    """

    def __init__(self, listings: Sequence[Listing]) -> None:
        snapshot = _current_snapshot()  # once: every rate below comes from it
        self.reference = snapshot.reference
        self.weights = matching_weights()
        self.rate = snapshot.rate
        self.named: dict[int, set[str]] = {}
        if listings:
            through = Listing.named_partners.through
            for listing_pk, gss in through.objects.filter(
                listing_id__in=[x.pk for x in listings]
            ).values_list("listing_id", "authority__gss_code"):
                self.named.setdefault(listing_pk, set()).add(gss)
        services = {x.service_id: x.service for x in listings}
        self.arrangements = snapshot.arrangements
        self.infos = {pk: _service_info(s, snapshot) for pk, s in services.items()}
        self.rates = {
            pk: snapshot.family_rates.get(s.family_id, snapshot.rate) for pk, s in services.items()
        }
        self.costs = (
            service_costs(service_pks=list(services), include_signed_in=False) if services else {}
        )
        self._scores: dict[tuple[str, int], ScoredListing | None] = {}

    def km(self, origin_gss: str, listing: Listing) -> float | None:
        body = self.reference.by_pk.get(listing.authority_id)
        if origin_gss not in self.reference.index or body is None:
            return None
        return self.reference.distances_from(origin_gss)[self.reference.index[body.gss_code]]

    def score(self, origin_gss: str, listing: Listing) -> ScoredListing | None:
        """The listing scored for a council, or None if that council cannot partner on it."""
        key = (origin_gss, listing.pk)
        if key not in self._scores:
            self._scores[key] = self._score(origin_gss, listing)
        return self._scores[key]

    def _score(self, origin_gss: str, listing: Listing) -> ScoredListing | None:
        reference = self.reference
        origin = reference.by_gss.get(origin_gss)
        body = reference.by_pk.get(listing.authority_id)
        if origin is None or body is None or body.gss_code == origin.gss_code:
            return None
        info = self.infos[listing.service_id]
        if matching.eligibility_reason(body, origin, info) is not None:
            return None  # the recipient cannot deliver (or share) this service
        km = self.km(origin_gss, listing)
        limits = _limits(listing, self.named.get(listing.pk, ()), body.region)
        if matching.limit_reason(origin, km, limits) is not None:
            return None
        ref = matching.ListingRef(
            listing.pk,
            body.gss_code,
            listing.kind,
            listing.service_id,
            listing.service.name,
            listing.service.family_id,
            listing.title,
        )
        hub, shares = experience_signals(
            self.arrangements, origin=origin.gss_code, service_pk=listing.service_id
        )
        context = matching.Context(
            listings={body.gss_code: [ref]},
            hub=hub,
            shares_with_asker=shares,
            weights=self.weights,
            rate=self.rates[listing.service_id],
            whole_rate=self.rate,
            service_costs=self.costs.get(listing.service_id, {}),
        )
        suggestion = matching.score_candidate(reference, origin, body, info, context, km)
        return ScoredListing(listing, suggestion.score, km, suggestion.reasons, suggestion)


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
    if authority.gss_code not in reference.by_gss or any(
        x.authority_id not in reference.by_pk for x in listings
    ):  # rows created since the snapshot was taken: rebuild once
        matching_reference_clear()
        reference = matching_reference()
    if authority.gss_code not in reference.by_gss:
        return []
    scorer = ListingScorer(listings)
    scored = [
        result
        for listing in listings
        if (result := scorer.score(authority.gss_code, listing)) is not None
    ]
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


@dataclass(frozen=True)
class Similar:
    """One of an organisation's statistical neighbours, for its profile."""

    body: matching.Body
    neighbour: likeness_model.Neighbour

    @property
    def percent(self) -> int:
        return round(self.neighbour.likeness * 100)

    @property
    def compared(self) -> str:
        return likeness_model.groups_phrase(self.neighbour.compared)

    @property
    def missing(self) -> str:
        return likeness_model.groups_phrase(self.neighbour.missing)


def most_similar(*, authority: Authority, limit: int = 5) -> list[Similar]:
    """The organisations most like this one (same kind), from the cached snapshot:
    no query once it is built, so a profile pays nothing for it."""
    reference = matching_reference()
    if reference.likeness is None or not authority.is_current:
        return []
    return [
        Similar(reference.by_gss[n.gss_code], n)
        for n in reference.likeness.nearest(authority.gss_code, limit)
        if n.gss_code in reference.by_gss
    ]


def services_for_choice() -> list[Service]:
    return list(Service.objects.select_related("family"))


def arrangements_of(*, authorities: Sequence[Authority]) -> list[SharedArrangement]:
    """Published active arrangements any of these organisations is a member of (two
    queries): a successor's profile shows its predecessors' arrangements this way."""
    if not authorities:
        return []
    return list(
        SharedArrangement.objects.published()
        .filter(members__in=authorities, is_active=True)
        .distinct()
        .select_related("service")
        .prefetch_related("members")
        .order_by("name")
    )


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


def _reference_changed(**signal_kwargs: object) -> None:
    """A save or delete of data held in the snapshot: this process forgets it at
    once, and the generation moves on for every other process when it commits."""
    if str(signal_kwargs.get("action", "post")).startswith("pre"):  # m2m_changed's pre_*
        return
    reference_data_changed()
    matching_reference_clear()


# Edits (the admin, tests, factories) bump the generation; the importer's bulk writes
# send no signals and bump it themselves (councils.importers).
for _model in (
    Authority,
    BodyArea,
    Adjacency,
    SpendLine,
    SpendRecord,
    Deprivation,
    RuralUrban,
    SharedArrangement,
    SavingsAssumption,
    ServiceCost,
):
    post_save.connect(
        _reference_changed, sender=_model, dispatch_uid=f"matching-save-{_model.__name__}"
    )
    post_delete.connect(
        _reference_changed, sender=_model, dispatch_uid=f"matching-del-{_model.__name__}"
    )
m2m_changed.connect(
    _reference_changed,
    sender=SharedArrangement.members.through,
    dispatch_uid="matching-arrangement-members",
)
post_migrate.connect(matching_reference_clear, dispatch_uid="matching-post-migrate")  # and flush


def recorded_service_costs(*, authority: Authority) -> list[ServiceCost]:
    """The costs an organisation has recorded, by service name (one query)."""
    return list(
        ServiceCost.objects.filter(authority=authority)
        .select_related("service", "recorded_by")
        .order_by("service__name")
    )


# --- The savings evidence page -----------------------------------------------------------


def savings_evidence_page() -> dict[str, Any]:
    """Every rate (whole organisation first, then by family) with its evidence, and
    every reported saving. Three queries, whatever the number of rows."""
    assumptions = list(
        SavingsAssumption.objects.select_related("family")
        .prefetch_related("evidence")
        .order_by("-scope", "family__name")
    )
    evidence = list(
        SavingsEvidence.objects.select_related("family").order_by("family__name", "key")
    )
    return {"assumptions": assumptions, "evidence": evidence}


# --- The Find a partner page ------------------------------------------------------------


@dataclass(frozen=True)
class PartnerSearch:
    authority: Authority
    service: Service
    ranking: matching.Ranking

    @property
    def map_layer(self) -> str:
        """TopoJSON layer to draw: districts and unitaries (ltla) when the asker is a
        body (its area is a union of them); else counties (utla) when the service is
        a county one or the asker is a county; districts and unitaries otherwise."""
        if self.authority.kind != Authority.Kind.PRINCIPAL_COUNCIL:
            return "ltla"
        if self.authority.tier == Authority.Tier.UPPER and self.service.by_lower:
            return "ltla"  # its own districts are candidates: draw them, the county outlined
        if self.authority.tier == Authority.Tier.UPPER or not self.service.by_lower:
            return "utla"
        return "ltla"

    def body_areas(self) -> dict[str, list[str]]:
        """For the origin and ranked organisations with no shape of their own on the
        map's layer (bodies that are not councils; counties, on the district layer):
        the district and unitary areas they cover (the map draws their union)."""
        reference = matching_reference()
        bodies = [self.ranking.origin, *(s.body for s in self.ranking.suggestions)]
        district_layer = self.map_layer == "ltla"
        return {
            b.gss_code: sorted(reference.footprints.get(b.gss_code, {}))
            for b in bodies
            if b.gss_code in reference.footprints
            and (not b.is_council or (district_layer and b.tier == matching.UPPER))
        }

    def excluded_by_kind(self) -> dict[str, list[matching.Exclusion]]:
        groups: dict[str, list[matching.Exclusion]] = {"limit": [], "tier": [], "abolished": []}
        for exclusion in self.ranking.excluded:
            groups.setdefault(exclusion.kind, []).append(exclusion)
        return groups


def partner_search(
    *,
    gss_code: str,
    service_slug: str,
    include_signed_in: bool,
    only_kinds: frozenset[str] = frozenset(),
) -> PartnerSearch | None:
    """Rank partners for a current council (by GSS code) and a service (by slug)."""
    authority = Authority.objects.current().filter(gss_code=gss_code).first()
    service = Service.objects.select_related("family").filter(slug=service_slug).first()
    if authority is None or service is None:
        return None
    ranking = partner_ranking(
        authority=authority,
        service=service,
        include_signed_in=include_signed_in,
        only_kinds=only_kinds,
    )
    return PartnerSearch(authority=authority, service=service, ranking=ranking)


def suggested_groups_for_listing(*, listing: Listing, limit: int = 5) -> list[Any]:
    """The best partners for a listing, within the listing's own limits, as the
    groups `offers/matching/_suggested.html` shows (one group: this service)."""
    if not listing.authority.is_current:
        return []
    partners = suggested_partners(
        authority=listing.authority, service=listing.service, listing=listing, limit=limit
    )
    return [(listing.service, listing.authority, partners)]


def suggested_groups_for_council(
    *, authority: Authority, limit: int = 3, services: int = 3
) -> list[Any]:
    """For the first few services the council has live listings for, its best partners
    (one query for the services, then one per service shown)."""
    if not authority.is_current:
        return []
    return [
        (service, authority, suggested_partners(authority=authority, service=service, limit=limit))
        for service in listed_services(authority=authority)[:services]
    ]
