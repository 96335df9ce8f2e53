"""Counts beside the /listings/ filter options: how many of the results have each value,
and how many results there are.

One query whatever the number of options: the filtered, searched results are
read once and grouped with PostgreSQL's GROUPING SETS by the listing's own
columns (kind, delivery model, service id, organisation id), with the empty
set `()` giving the total the paginator shows. Grouping by the two foreign keys
rather than by service family, nation, region or type needs no join to the
service, family or organisation tables (the filters may still join them); the
ids become those values in Python, from the reference data the filter panel is
drawn from (a service is in one family, an organisation in one nation, region
and type, so every count is exact). The counts are of the results shown (every
filter and the search applied), so ticking an option with a count never finds
nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from offers.models import Listing

# The columns the results are grouped by, in the query's order.
_GROUPED = ("kind", "delivery_model", "service_id", "authority_id")


@dataclass(frozen=True)
class FacetService:
    """What a service id counts towards: its own box and its family's."""

    slug: str
    family: str


@dataclass(frozen=True)
class FacetOrganisation:
    """What an organisation id counts towards (None: a filter it has no value for)."""

    gss_code: str
    nation: str | None
    region: str | None
    authority_type: str | None


@dataclass(frozen=True)
class FacetCounts:
    """Filter name -> option value -> how many results have it (absent means none), and
    the number of results."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0

    def count(self, name: str, value: str) -> int:
        return self.counts.get(name, {}).get(value, 0)

    @property
    def stamp(self) -> str:
        """Identifies these counts, for the cache keys of the panel drawn with them."""
        return repr(sorted((name, sorted(values.items())) for name, values in self.counts.items()))


def _add(counts: dict[str, int], value: str | None, n: int) -> None:
    if value:
        counts[value] = counts.get(value, 0) + n


def listing_facet_counts(
    results: QuerySet[Listing],
    *,
    services: Mapping[int, FacetService],
    organisations: Mapping[int, FacetOrganisation],
) -> FacetCounts:
    """Counts for every filter option over `results`, and their total, in one grouped
    query. `services` and `organisations` map the ids to what they count towards
    (offers.browse.filters.BrowseReference holds both)."""
    inner = results.order_by().values(*_GROUPED)
    inner_sql, params = inner.query.sql_with_params()
    columns = ", ".join(_GROUPED)
    grouping = ", ".join(f"GROUPING({name})" for name in _GROUPED)
    sets = ", ".join(f"({name})" for name in _GROUPED)
    sql = (
        f"SELECT {grouping}, {columns}, COUNT(*) FROM ({inner_sql}) AS results"  # noqa: S608 - our column names; values are parameters
        f" GROUP BY GROUPING SETS ({sets}, ())"
    )
    names = ("kind", "delivery_model", "service", "family", "nation", "region", "authority_type")
    counts: dict[str, dict[str, int]] = {name: {} for name in (*names, "council")}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for row in rows:
        flags, values, n = row[:4], row[4:8], int(row[8])
        kind, delivery_model, service_id, authority_id = values
        if all(flags):  # the empty grouping set: every result
            total = n
        elif not flags[0]:
            _add(counts["kind"], kind, n)
        elif not flags[1]:
            _add(counts["delivery_model"], delivery_model, n)
        elif not flags[2]:
            service = services.get(service_id)
            if service is not None:
                _add(counts["service"], service.slug, n)
                _add(counts["family"], service.family, n)
        elif not flags[3]:
            organisation = organisations.get(authority_id)
            if organisation is not None:
                # Not a checkbox group: the map of results (offers.browse.views) shades each one.
                _add(counts["council"], organisation.gss_code, n)
                _add(counts["nation"], organisation.nation, n)
                _add(counts["region"], organisation.region, n)
                _add(counts["authority_type"], organisation.authority_type, n)
    return FacetCounts(counts=counts, total=total)
