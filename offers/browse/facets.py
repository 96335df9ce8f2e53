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
from typing import Any

from django.db import connection
from django.db.models import F, OrderBy, QuerySet

from offers.models import Listing

# The columns the results are grouped by, in the query's order.
_GROUPED = ("kind", "delivery_model", "service_id", "authority_id")
# Which grouping set a row is of, its values, how many results: the rows _facet_counts reads.
_COUNTS_SELECT = "SELECT {}, {}, COUNT(*)".format(
    ", ".join(f"GROUPING({name})" for name in _GROUPED), ", ".join(_GROUPED)
)
_GROUP_BY = " GROUP BY GROUPING SETS ({}, ())".format(", ".join(f"({name})" for name in _GROUPED))


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
    inner_sql, params = results.order_by().values(*_GROUPED).query.sql_with_params()
    sql = f"{_COUNTS_SELECT} FROM ({inner_sql}) AS results{_GROUP_BY}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _facet_counts(rows, services=services, organisations=organisations)


def listing_facet_counts_and_page(
    results: QuerySet[Listing],
    *,
    services: Mapping[int, FacetService],
    organisations: Mapping[int, FacetOrganisation],
    number: int,
    page_size: int,
) -> tuple[FacetCounts, list[int]]:
    """The counts of listing_facet_counts and the ids on page `number` of `results`,
    in their order (the last page if `number` is past it), from one reading of the
    results.

    Why: after a text search the search predicate (the GIN index, then each match's
    stored vector rechecked) is most of a query's work; counting and then asking for
    the page ran it twice. Here the results are read once into a MATERIALIZED CTE
    (PostgreSQL 12+) holding the grouped columns and the sort keys; the counts group
    it, and the page is its first `page_size` rows in `results`' ordering after the
    earlier pages. The ids come back in no particular order: the page's rows are
    fetched by id with the same ordering (offers.browse.selectors).
    """
    names: list[str] = []
    terms: list[str] = []
    for term in results.query.order_by:
        if not (isinstance(term, OrderBy) and isinstance(term.expression, F)):
            raise TypeError(f"results must be ordered by fields or annotations, not {term!r}")
        field_name: str = term.expression.name  # type: ignore[attr-defined]  # F sets it
        name = "id" if field_name == "pk" else field_name
        names.append(name)
        nulls = " NULLS LAST" if term.nulls_last else " NULLS FIRST" if term.nulls_first else ""
        terms.append(
            f"{connection.ops.quote_name(name)} {'DESC' if term.descending else 'ASC'}{nulls}"
        )
    order = "ORDER BY " + ", ".join(terms)
    columns = dict.fromkeys(["id", *_GROUPED, *names])  # in order, once each
    inner_sql, params = results.order_by().values(*columns).query.sql_with_params()
    sql = (
        f"WITH results AS MATERIALIZED ({inner_sql}) "  # noqa: S608 - our column names; values are parameters
        f"{_COUNTS_SELECT}, NULL::bigint FROM results{_GROUP_BY}"
        # The page's ids, each with its place on the page (in the count's column).
        f" UNION ALL SELECT 1, 1, 1, 1, NULL, NULL, NULL, NULL, ROW_NUMBER() OVER ({order}), id"
        f" FROM (SELECT * FROM results {order} LIMIT %s"
        # The page asked for, or the last one: as the paginator would number it.
        " OFFSET (LEAST(%s, GREATEST(1, CEIL((SELECT COUNT(*) FROM results) / %s::numeric)))"
        "::bigint - 1) * %s) AS page"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, page_size, number, page_size, page_size])
        rows = cursor.fetchall()
    ids = [
        row[9] for row in sorted((row for row in rows if row[9] is not None), key=lambda r: r[8])
    ]
    counts = [row[:9] for row in rows if row[9] is None]
    return _facet_counts(counts, services=services, organisations=organisations), ids


def _facet_counts(
    rows: list[tuple[Any, ...]],
    *,
    services: Mapping[int, FacetService],
    organisations: Mapping[int, FacetOrganisation],
) -> FacetCounts:
    names = ("kind", "delivery_model", "service", "family", "nation", "region", "authority_type")
    counts: dict[str, dict[str, int]] = {name: {} for name in (*names, "council")}
    total = 0
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
