"""Counts beside the /listings/ filter options: how many of the results have each value.

One query whatever the number of options: the filtered, searched results are
read once and grouped by every filter column at the same time with
PostgreSQL's GROUPING SETS, so 120 options cost what one GROUP BY costs, not
120 COUNTs. The counts are of the results shown (every filter and the search
applied), so ticking an option with a count never finds nothing.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, QuerySet

from offers.models import Listing

# Filter name -> the column the results are grouped by (as the filters look it up).
FACET_COLUMNS: dict[str, str] = {
    "kind": "kind",
    "delivery_model": "delivery_model",
    "service": "service__slug",
    "family": "service__family__slug",
    "nation": "authority__nation",
    "region": "authority__region",
    "authority_type": "authority__authority_type",
    # Not a checkbox group: the map of results (offers.browse.views) shades each council.
    "council": "authority__gss_code",
}


@dataclass(frozen=True)
class FacetCounts:
    """Filter name -> option value -> how many results have it (absent means none)."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, name: str, value: str) -> int:
        return self.counts.get(name, {}).get(value, 0)

    @property
    def stamp(self) -> str:
        """Identifies these counts, for the cache keys of the panel drawn with them."""
        return repr(sorted((name, sorted(values.items())) for name, values in self.counts.items()))


def listing_facet_counts(results: QuerySet[Listing]) -> FacetCounts:
    """Counts for every filter option over `results`, in one grouped query."""
    names = list(FACET_COLUMNS)
    aliases = {name: f"facet_{name}" for name in names}
    inner = results.order_by().values(
        **{aliases[name]: F(column) for name, column in FACET_COLUMNS.items()}
    )
    inner_sql, params = inner.query.sql_with_params()
    columns = ", ".join(aliases[name] for name in names)
    grouping = ", ".join(f"GROUPING({aliases[name]})" for name in names)
    sets = ", ".join(f"({aliases[name]})" for name in names)
    sql = (
        f"SELECT {grouping}, {columns}, COUNT(*) FROM ({inner_sql}) AS results"  # noqa: S608 - aliases are ours; values are parameters
        f" GROUP BY GROUPING SETS ({sets})"
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in names}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            flags, values, total = row[: len(names)], row[len(names) : -1], row[-1]
            for name, grouped_out, value in zip(names, flags, values, strict=True):
                if not grouped_out and value is not None:
                    counts[name][str(value)] = int(total)
    return FacetCounts(counts=counts)
