"""The listings browse page's filters. State lives in the query string (a GET form).

Combining rule: values ticked in one group are alternatives (OR); groups
narrow each other (AND). So "Offers" + "Needs" shows both kinds, while
"Offers" + "ICT" shows only ICT offers. Service family and service are two
groups like any other: ticking a family and a service from another family
finds nothing, and the empty state says so.

Every value is validated: an unknown choice, a bad distance or an over-long
search makes the form invalid and the page shows a GOV.UK error summary, never
a guess and never a server error. NUL characters are removed from free text
(PostgreSQL cannot store or compare them).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, partial
from math import radians
from typing import Any, cast

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.http import QueryDict

from core.geo import EARTH_RADIUS_KM, bounding_box, haversine_km
from councils.changes import reference_data_generation
from councils.models import Authority, BodyArea
from offers.browse.cache import PanelPart
from offers.browse.facets import FacetCounts, FacetOrganisation, FacetService
from offers.browse.search import listing_search_annotate, search_query, search_synonyms
from offers.models import Listing, Service

# The checkbox groups drawn collapsed, below the distance (offers/browse/_content.html).
COLLAPSED_GROUPS = ("delivery_model", "nation", "region", "authority_type")
MAX_DISTANCE_KM = 1500  # Unst to the Isles of Scilly is about 1,200 km
NEAR_OPTIONS_PER_PART = 50  # council options per stored piece of the panel
SORT_CHOICES = [
    ("relevance", "Relevance"),
    ("newest", "Newest"),
    ("nearest", "Nearest"),
]


class CleanCharField(forms.CharField):
    """Free text with NUL characters removed before validation (PostgreSQL rejects them)."""

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = value.replace("\x00", "")
        return super().to_python(value)


class KilometresField(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.strip().removesuffix("km").strip()
        return super().to_python(value)


class TextFilter(django_filters.CharFilter):
    field_class = CleanCharField


class KilometresFilter(django_filters.Filter):
    field_class = KilometresField


@dataclass(frozen=True)
class Place:
    """Where distances are measured from: a council's centroid."""

    gss_code: str
    name: str
    short_name: str
    latitude: float
    longitude: float
    is_own: bool = False
    pk: int = 0


@dataclass(frozen=True)
class FilterTag:
    group: str
    label: str
    remove_url: str


@dataclass(frozen=True)
class Checkbox:
    """One GOV.UK checkbox item, as templates/offers/browse/_checkbox_items.html draws it.

    Data, not markup: the template escapes every value. The first box of a field
    has the field's own id (`id_kind`), so the error summary's link lands on it;
    the others add `-1`, `-2`, ... An optional `hint` is drawn under the label
    and announced with it (aria-describedby).
    """

    id: str
    name: str
    value: str
    label: str
    hint: str = ""
    checked: bool = False
    # How many results have this value (offers.browse.facets); None: not counted.
    count: int | None = None


@dataclass(frozen=True)
class ServiceGroup:
    """A service family's details element: its "All of ..." box, then its services."""

    name: str
    boxes: Sequence[Checkbox]
    open: bool = False


@dataclass(frozen=True)
class Option:
    """One <option> of a select."""

    value: str
    label: str
    selected: bool = False


def _checkboxes(label: str, **extra: Any) -> django_filters.MultipleChoiceFilter:
    return django_filters.MultipleChoiceFilter(
        label=label,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # every lookup follows a foreign key: no row can repeat
        error_messages={"invalid_choice": f"{label}: choose only from the options shown"},
        **extra,
    )


def _choice_labels(field: forms.Field) -> dict[str, str]:
    """Value -> label for a MultipleChoiceFilter's form field."""
    # Django gives its choices as (value, label) pairs (none has groups), a list or,
    # for the callables ListingFilter sets, an iterator over the callable's; the stub
    # types the attribute as everything the setter accepts.
    choices = cast(Iterable[tuple[object, object]], cast(forms.ChoiceField, field).choices)
    return {str(k): str(v) for k, v in choices}


def distance_expression(place: Place) -> Any:
    """Haversine distance in km from `place` to each listing's council, in SQL.

    Built from Django's database math functions, so the database orders by it
    without a custom SQL function. Mirrors core.geo.haversine_km.
    """
    phi0 = Value(radians(place.latitude))
    lambda0 = Value(radians(place.longitude))
    phi = Radians(F("authority__latitude"))
    lam = Radians(F("authority__longitude"))
    h = Power(Sin((phi - phi0) / 2), 2) + Cos(phi0) * Cos(phi) * Power(Sin((lam - lambda0) / 2), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(h, output_field=FloatField()))


def distance_from(place: Place, latitude: float | None, longitude: float | None) -> float | None:
    """distance_expression's distance in Python (None where the council has no
    centroid): a page's 20 rows are measured here rather than in SQL."""
    if latitude is None or longitude is None:
        return None
    return haversine_km(place.latitude, place.longitude, latitude, longitude)


class ListingFilter(django_filters.FilterSet):
    q = TextFilter(
        label="Search",
        method="filter_noop",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
        error_messages={"max_length": "Search must be 200 characters or fewer"},
    )
    kind = _checkboxes("Offers or needs", choices=Listing.Kind.choices)
    family = _checkboxes("Service family", field_name="service__family__slug", choices=[])
    service = _checkboxes("Service", field_name="service__slug", choices=[])
    # GSS codes, checked against the cached reference data in is_valid: a
    # ChoiceField would deep-copy 382 choices on every request.
    near = TextFilter(
        label="Distance from",
        method="filter_noop",
        max_length=9,
        error_messages={"max_length": "Select a council from the list"},
    )
    within = KilometresFilter(
        label="Within (km)",
        method="filter_noop",
        min_value=1,
        max_value=MAX_DISTANCE_KM,
        error_messages={
            "invalid": "Enter the distance as a whole number of kilometres, like 50",
            "min_value": "Distance must be 1 km or more",
            "max_value": f"Distance must be {MAX_DISTANCE_KM:,} km or less",
        },
    )
    nation = _checkboxes("Nation", field_name="authority__nation", choices=Authority.Nation.choices)
    region = _checkboxes("Region", field_name="authority__region", choices=[])
    authority_type = _checkboxes(
        "Type of council", field_name="authority__authority_type", choices=Authority.Type.choices
    )
    delivery_model = _checkboxes("How it would be shared", choices=Listing.DeliveryModel.choices)
    council = TextFilter(
        label="Council",
        field_name="authority__gss_code",
        max_length=9,
        error_messages={"max_length": "Select a council from the list"},
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        method="filter_noop",
        choices=SORT_CHOICES,
        error_messages={"invalid_choice": "Select how to sort the listings from the list"},
    )

    class Meta:
        model = Listing
        fields: list[str] = []

    def __init__(
        self,
        *args: Any,
        own_gss: str = "",
        reference_version: int | None = None,
        synonyms_version: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reference = browse_reference(version=reference_version)
        self.synonyms_version = synonyms_version
        self.places = self.reference.places
        self.council_names = self.reference.council_names
        self.family_names = self.reference.families
        self.family_services = self.reference.family_services
        # Callables (Django 5 takes them for choices): the form deep-copies its fields
        # on every request, and a callable is copied as a reference where a list of
        # 90 services was copied pair by pair. Called only when a value is checked.
        reference = self.reference
        self.filters["region"].extra["choices"] = lambda: [(r, r) for r in reference.regions]
        self.filters["family"].extra["choices"] = lambda: list(reference.families.items())
        self.filters["service"].extra["choices"] = lambda: reference.services
        self.own_place: Place | None = self.places.get(own_gss) if own_gss else None
        # Set once the search has run (offers.browse.views): the counts beside the options.
        self.facets: FacetCounts | None = None

    # -- validation ---------------------------------------------------------

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid:
            return False
        data = self.form.cleaned_data
        if data.get("near") and data["near"] not in self.places:
            self.form.add_error("near", "Select a council from the list")
            return False
        if data.get("council") and data["council"] not in self.council_names:
            self.form.add_error("council", "Select a council from the list")
        if data.get("within") and self.origin is None:
            self.form.add_error("within", "Choose a council to measure the distance from")
        if data.get("sort") == "nearest" and self.origin is None:
            self.form.add_error("sort", "Choose a council to sort by distance from it")
        return not self.form.errors

    @property
    def origin(self) -> Place | None:
        """The chosen council, or the viewer's own council, or None."""
        cleaned = getattr(self.form, "cleaned_data", {})
        near = cleaned.get("near")
        if near:
            place = self.places.get(near)
            if place is not None:
                return place
        return self.own_place

    @property
    def query(self) -> str:
        return (getattr(self.form, "cleaned_data", {}).get("q") or "").strip()

    @property
    def effective_sort(self) -> str:
        chosen = getattr(self.form, "cleaned_data", {}).get("sort") or ""
        if chosen == "relevance" and not self.query:
            chosen = ""
        if chosen == "nearest" and self.origin is None:
            chosen = ""
        return chosen or ("relevance" if self.query else "newest")

    # -- filtering ----------------------------------------------------------

    def councils_within(self, origin: Place, km: float) -> list[int]:
        """Ids of councils whose centroid is within `km` of `origin` (box, then exact check)."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(origin.latitude, origin.longitude, km)
        return [
            place.pk
            for place in self.places.values()
            if min_lat <= place.latitude <= max_lat
            and min_lon <= place.longitude <= max_lon
            and haversine_km(origin.latitude, origin.longitude, place.latitude, place.longitude)
            <= km
        ]

    def filter_noop(self, queryset: QuerySet[Listing], name: str, value: Any) -> QuerySet[Listing]:
        return queryset  # applied together in filter_queryset: they interact

    @cached_property
    def search(self) -> SearchQuery:
        """The text search's query, with the staff's synonyms: built once, as both the
        filter and the annotations (rank, highlights) use it."""
        synonyms = search_synonyms(version=self.synonyms_version)
        return search_query(self.query, synonyms=synonyms)

    def filter_queryset(self, queryset: QuerySet[Listing]) -> QuerySet[Listing]:
        queryset = super().filter_queryset(queryset)
        if self.query:
            queryset = queryset.filter(search_vector=self.search)
        origin = self.origin
        within = self.form.cleaned_data.get("within")
        if origin is not None and within:
            # The councils in range, found in Python with the pure formula
            # (382 points): the database then gets a plain authority_id IN
            # (...), which PostgreSQL combines well with the text index.
            queryset = queryset.filter(authority_id__in=self.councils_within(origin, within))
        return self.annotate_results(queryset)

    def annotate_results(
        self, queryset: QuerySet[Listing], *, for_display: bool = False
    ) -> QuerySet[Listing]:
        """`queryset` in this search's order, annotated with what it is sorted by and
        nothing more (the search's rank; the distance from the origin when sorting by
        it), and no filter. `for_display`: only the highlights a result shows, unordered:
        offers.browse.selectors reads a page's rows by id with it, in the order the
        search found them, and measures their distances in Python (distance_from).

        Why not everything everywhere: the counts query reads only the sort keys, and
        each expression costs the ORM more to build and compile than PostgreSQL to run.
        """
        query = self.query
        if for_display:
            return (
                listing_search_annotate(queryset, query=self.search, rank=False)
                if query
                else queryset
            )
        sort = self.effective_sort
        if sort == "relevance":
            queryset = listing_search_annotate(queryset, query=self.search, highlights=False)
        origin = self.origin
        if sort == "nearest" and origin is not None:
            queryset = queryset.annotate(distance_km=distance_expression(origin))
        ordering = {
            "relevance": [F("rank").desc(), F("published_at").desc(), F("pk").desc()],
            "nearest": [
                F("distance_km").asc(nulls_last=True),
                F("published_at").desc(),
                F("pk").desc(),
            ],
            "newest": [F("published_at").desc(), F("pk").desc()],
        }[sort]
        return queryset.order_by(*ordering)

    # -- display ------------------------------------------------------------

    @property
    def active_filters(self) -> bool:
        return bool(self.tags())

    def _selected(self, name: str) -> list[str]:
        data = self.form.data
        if isinstance(data, QueryDict):
            return [v for v in data.getlist(name) if v]
        value = data.get(name)
        if isinstance(value, list):
            return [v for v in value if v]
        return [value] if value else []

    def selected(self) -> dict[str, list[str]]:
        return {name: self._selected(name) for name in self.filters}

    def _remove_url(self, name: str, value: str) -> str:
        params = QueryDict(mutable=True)
        for key in self.filters:
            values = self._selected(key)
            if key == name:
                values = [v for v in values if v != value]
            if key == "within" and name == "near":
                values = []  # a distance means nothing without its council
            if values:
                params.setlist(key, values)
        query = params.urlencode()
        return f"?{query}" if query else "?"

    def tags(self) -> list[FilterTag]:
        """One removable tag per chosen value (for valid choices only)."""
        # Value -> label of each checkbox group with a value chosen, made when first
        # needed: most searches tick none, and each costs a pass over its choices.
        labels: dict[str, dict[str, str]] = {}
        tags: list[FilterTag] = []
        label: str | None
        for name in self.filters:
            if name == "sort":
                continue
            group = str(self.filters[name].label)
            for value in self._selected(name):
                if name == "q":
                    label = f"“{value.replace(chr(0), '')[:60]}”"
                elif name == "within":
                    label = f"Within {value} km"
                elif name == "near":
                    place = self.places.get(value)
                    if place is None:
                        continue
                    label = place.name
                elif name == "council":
                    label = self.council_names.get(value)
                    if label is None:
                        continue
                else:
                    if name not in labels:
                        labels[name] = _choice_labels(self.form.fields[name])
                    label = labels[name].get(value)
                    if label is None:
                        continue
                tags.append(FilterTag(group, label, self._remove_url(name, value)))
        return tags

    def _near_chosen(self) -> str:
        chosen = self._selected("near")
        return chosen[0] if chosen and chosen[0] in self.places else ""

    def near_options(self) -> list[Option]:
        """The council select's options (offers/browse/_near_options.html), the chosen one
        selected. The first, empty, option is the viewer's own council when they have one."""
        current = self._near_chosen()
        own = self.own_place
        first = Option("", f"Your council ({own.short_name})" if own else "Choose a council")
        options = [replace(first, selected=True) if not current else first]
        options += [
            replace(o, selected=True) if o.value == current else o for o in self.reference.near
        ]
        return options

    def checkbox_items(self, name: str) -> list[Checkbox]:
        """The GOV.UK checkbox items of one filter, the chosen ones ticked, with counts."""
        return self._counted(_ticked(self.reference.checkboxes[name], set(self._selected(name))))

    def _counted(self, boxes: Sequence[Checkbox]) -> list[Checkbox]:
        if self.facets is None:
            return list(boxes)
        facets = self.facets
        return [replace(box, count=facets.count(box.name, box.value)) for box in boxes]

    def _counts_of(self, boxes: Sequence[Checkbox]) -> tuple[int, ...] | None:
        facets = self.facets
        return None if facets is None else tuple(facets.count(b.name, b.value) for b in boxes)

    def panel_parts(self) -> list[PanelPart]:
        """The filter panel's pieces as offers.browse.cache.browse_panel draws and stores
        them: the "Offers or needs" group (`kind`), one piece per service family
        (`family-0`, ...), the council options in runs (`near-0`, ...) and the
        collapsed groups (COLLAPSED_GROUPS) as one piece (`collapsed`: their counts come
        from the same results, so a search that changes one changes the others, and one
        piece is one render and one cache entry, not four). Each names what its markup
        shows besides the reference data: the values asked for (valid or not: an unknown
        one still opens its group), the fields' errors and the counts beside their boxes."""
        errors = self.form.errors

        def group_vary_on(name: str) -> tuple[Any, ...]:
            return (
                # As the template reads it: a blank value still opens the group.
                repr(self.form[name].value()),
                tuple(str(e) for e in errors.get(name, [])),
                self._counts_of(self.reference.checkboxes[name]),
            )

        parts = [
            PanelPart(
                name="kind",
                template="offers/browse/_checkboxes.html",
                vary_on=group_vary_on("kind"),
                context=partial(self._checkbox_group_context, "kind"),
            ),
            PanelPart(
                name="collapsed",
                template="offers/browse/_collapsed_groups.html",
                vary_on=tuple(group_vary_on(name) for name in COLLAPSED_GROUPS),
                context=self._collapsed_groups_context,
            ),
        ]
        families = set(self._selected("family"))
        services = set(self._selected("service"))
        service_errors = bool(errors.get("family") or errors.get("service"))
        for n, group in enumerate(self.reference.service_groups):
            chosen = tuple(
                box.value
                for box in group.boxes
                if (box.name == "family" and box.value in families)
                or (box.name == "service" and box.value in services)
            )
            # A family starts open when one of its boxes is ticked, and the first one
            # when the family or service has an error (the error summary links to its
            # first box).
            is_open = bool(chosen) or (n == 0 and service_errors)
            parts.append(
                PanelPart(
                    name=f"family-{n}",
                    template="offers/browse/_service_group.html",
                    vary_on=(chosen, is_open, self._counts_of(group.boxes)),
                    context=partial(self._service_group_context, group, set(chosen), is_open),
                )
            )
        # The council options (the empty one first) in runs of NEAR_OPTIONS_PER_PART:
        # choosing a council changes one run, so the others are the same stored
        # pieces for every search and at most one run is drawn.
        current = self._near_chosen()
        own = self.own_place.gss_code if self.own_place else ""
        values = ["", *(o.value for o in self.reference.near)]
        for n, start in enumerate(range(0, len(values), NEAR_OPTIONS_PER_PART)):
            run = slice(start, start + NEAR_OPTIONS_PER_PART)
            selected = current if current in values[run] else ""
            parts.append(
                PanelPart(
                    name=f"near-{n}",
                    template="offers/browse/_near_options.html",
                    # The empty option names the viewer's own council, selected
                    # when no council is chosen.
                    vary_on=(selected, own, not current) if n == 0 else (selected,),
                    context=partial(self._near_run_context, run),
                )
            )
        return parts

    def _near_run_context(self, run: slice) -> dict[str, Any]:
        return {"options": self.near_options()[run]}

    def _checkbox_group_context(self, name: str) -> dict[str, Any]:
        return {
            "field": self.form[name],
            "items": self.checkbox_items(name),
            "collapsed": name in COLLAPSED_GROUPS,
        }

    def _collapsed_groups_context(self) -> dict[str, Any]:
        return {"groups": [self._checkbox_group_context(name) for name in COLLAPSED_GROUPS]}

    def _service_group_context(
        self, group: ServiceGroup, chosen: set[str], is_open: bool
    ) -> dict[str, Any]:
        """One service family's details element: its "All of ..." box, then its
        services, the chosen ones ticked."""
        boxes = self._counted(_ticked(group.boxes, chosen))
        return {"group": ServiceGroup(name=group.name, open=is_open, boxes=boxes)}


def _boxes(name: str, first_id: str, choices: list[tuple[str, str]]) -> tuple[Checkbox, ...]:
    """Unticked checkbox items, ids numbered from the field's own."""
    return tuple(
        Checkbox(id=first_id if i == 0 else f"{first_id}-{i}", name=name, value=value, label=label)
        for i, (value, label) in enumerate(choices)
    )


def _ticked(boxes: Sequence[Checkbox], chosen: set[str]) -> list[Checkbox]:
    # The reference's boxes are shared by every request: copy only the ticked ones.
    return [replace(box, checked=True) if box.value in chosen else box for box in boxes]


@dataclass(frozen=True)
class BrowseReference:
    """Councils and the taxonomy as the browse page needs them, with its controls as data
    (options and checkbox items, unticked) for the templates to draw.

    `stamp` is the reference-data generation it was built under: the filter panel's
    cached fragments key on it, so after a change (a renamed council, a new service)
    no fragment drawn from the old data is asked for again.
    """

    stamp: int

    places: dict[str, Place]
    council_names: dict[str, str]
    regions: list[str]
    families: dict[str, str]
    family_services: dict[str, list[tuple[str, str]]]
    services: list[tuple[str, str]]
    near: tuple[Option, ...]
    checkboxes: dict[str, tuple[Checkbox, ...]]
    service_groups: tuple[ServiceGroup, ...]
    # Organisation -> the district and unitary areas the results map draws for it
    # (a county's districts, a fire or police body's council areas).
    areas: dict[str, list[str]]
    # Ids -> what a listing of theirs counts towards (offers.browse.facets). Every
    # organisation, current or not: a replaced one's listings stay browsable.
    facet_services: dict[int, FacetService]
    facet_organisations: dict[int, FacetOrganisation]


REFERENCE_CACHE_KEY = "offers:browse-reference:v5"
# How long the shared cache keeps a build and the panel fragments drawn from it. They
# are keyed on the reference-data generation, so this bounds memory, not staleness.
REFERENCE_CACHE_SECONDS = 3600

# This process's copy of the build it last used (zero or one; a list, so no `global`):
# unpickling ~100 KB from the shared cache on every request cost more than the filters.
_local: list[BrowseReference] = []


def browse_reference(*, version: int | None = None) -> BrowseReference:
    """The councils and taxonomy for the filter panel, built under the current
    reference-data generation (councils.changes: the importer, admin saves and
    taxonomy edits bump it in their transaction).

    This process's copy while the generation is the one it was built under, else the
    shared cache's build for that generation, else three queries and a build. The
    generation is read before the rows, so a change committed during a build makes
    the next request build again. `version`: the generation's value when the caller
    has read it already (the browse page, with its cache entries).
    """
    if version is None:
        version = reference_data_generation()
    if _local and _local[0].stamp == version:
        return _local[0]
    key = f"{REFERENCE_CACHE_KEY}:{version}"
    reference = cache.get(key)
    if not isinstance(reference, BrowseReference) or reference.stamp != version:
        reference = _browse_reference_build(stamp=version)
        cache.set(key, reference, REFERENCE_CACHE_SECONDS)
    _local[:] = [reference]
    return reference


def forget_local_reference() -> None:
    """Drop this process's copy (tests start each from an empty cache)."""
    _local.clear()


def _browse_reference_build(*, stamp: int) -> BrowseReference:
    organisations = list(
        Authority.objects.order_by("name").values_list(
            "gss_code",
            "name",
            "short_name",
            "latitude",
            "longitude",
            "region",
            "pk",
            "status",
            "nation",
            "authority_type",
        )
    )
    facet_organisations = {
        pk: FacetOrganisation(gss, nation or None, region or None, kind or None)
        for gss, _name, _short, _lat, _lon, region, pk, _status, nation, kind in organisations
    }
    councils = [row[:7] for row in organisations if row[7] == Authority.Status.CURRENT]
    places = {
        gss: Place(gss, name, short, lat, lon, pk=pk)
        for gss, name, short, lat, lon, _region, pk in councils
        if lat is not None and lon is not None
    }
    regions = sorted({r for *_rest, r, _pk in councils if r})
    families: dict[str, str] = {}
    family_services: dict[str, list[tuple[str, str]]] = {}
    services: list[tuple[str, str]] = []
    facet_services: dict[int, FacetService] = {}
    for pk, slug, name, family_slug, family_name in Service.objects.values_list(
        "pk", "slug", "name", "family__slug", "family__name"
    ):
        families.setdefault(family_slug, family_name)
        family_services.setdefault(family_slug, []).append((slug, name))
        services.append((slug, name))
        facet_services[pk] = FacetService(slug=slug, family=family_slug)
    static_choices: dict[str, list[tuple[str, str]]] = {
        "kind": Listing.Kind.choices,
        "delivery_model": Listing.DeliveryModel.choices,
        "nation": Authority.Nation.choices,
        "region": [(r, r) for r in regions],
        "authority_type": Authority.Type.choices,
    }
    areas: dict[str, list[str]] = {}
    for county, district in (
        Authority.objects.current()
        .filter(parent_county__isnull=False)
        .values_list("parent_county__gss_code", "gss_code")
    ):
        areas.setdefault(county, []).append(district)
    for body, council in BodyArea.objects.values_list("body__gss_code", "council__gss_code"):
        areas.setdefault(body, []).append(council)
    reference = BrowseReference(
        stamp=stamp,
        facet_services=facet_services,
        facet_organisations=facet_organisations,
        areas={gss: sorted(codes) for gss, codes in areas.items()},
        places=places,
        council_names={gss: name for gss, name, *_rest in councils},
        regions=regions,
        families=families,
        family_services=family_services,
        services=services,
        near=tuple(Option(p.gss_code, p.name) for p in places.values()),
        checkboxes={
            name: _boxes(name, f"id_{name}", [(str(v), str(lbl)) for v, lbl in choices])
            for name, choices in static_choices.items()
        },
        # Each family's box sits inside its own group, so the families are not
        # listed a second time in a group of their own.
        service_groups=tuple(
            ServiceGroup(
                name=name,
                boxes=(
                    *_boxes(
                        "family",
                        "id_family" if n == 0 else f"id_family-{slug}",
                        [(slug, f"All of {name}")],
                    ),
                    *_boxes(
                        "service",
                        "id_service" if n == 0 else f"id_service-{slug}",
                        family_services[slug],
                    ),
                ),
            )
            for n, (slug, name) in enumerate(families.items())
        ),
    )
    return reference
