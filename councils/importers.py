"""Import the reference data in data/reference/ (see its SOURCES.md).

Each file is recognised by its header row, validated row by row, and written
in one transaction: a malformed or unknown file raises ImportRefused and
nothing from the run is kept. Rows are keyed on GSS codes (never names), so
re-running changes nothing and a corrected row is updated in place.
"""

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models, transaction

from .changes import reference_data_changed
from .models import Adjacency, Authority, CombinedAuthority, SpendLine, SpendRecord

GSS_RE = re.compile(r"^[ENSWK]\d{8}$")
YEAR_RE = re.compile(r"^\d{4}-\d{2}$")

AUTHORITIES_HEADER = [
    "gss_code",
    "name",
    "short_name",
    "authority_type",
    "authority_type_code",
    "tier",
    "nation",
    "region",
    "parent_county_gss",
    "parent_county_name",
    "combined_authority_gss",
    "combined_authority_name",
    "latitude",
    "longitude",
    "area_km2",
    "population",
    "population_year",
    "population_source",
    "population_mid2023_ons",
    "population_2020_mysociety",
    "mysociety_code",
    "mhclg_ecode",
    "gov_uk_slug",
    "start_date",
    "notes",
]
COMBINED_HEADER = [
    "gss_code",
    "name",
    "short_name",
    "authority_type",
    "region",
    "start_date",
    "latitude",
    "longitude",
    "population_2020_mysociety",
    "member_count",
    "mysociety_code",
]
MEMBERSHIP_HEADER = [
    "combined_authority_gss",
    "combined_authority_name",
    "member_gss",
    "member_name",
    "member_type",
]
ADJACENCY_HEADER = [
    "gss_code_a",
    "gss_code_b",
    "name_a",
    "name_b",
    "in_ons_lad2021_neighbours",
    "in_mysociety_touching_2022",
    "via_2023_successor_mapping",
    "ons_rank_from_a",
    "ons_rank_from_b",
]
ADJACENCY_UPPER_HEADER = ["gss_code_a", "gss_code_b", "name_a", "name_b", "n_touching_lad_pairs"]
SPEND_HEADER = [
    "gss_code",
    "authority_name_in_source",
    "mhclg_ecode",
    "class",
    "year",
    "ro_line",
    "service",
    "net_expenditure_gbp_thousands",
    "authority_status_2025",
    "current_successor_gss",
    "successor_matched_by",
]
SPEND_RSX_HEADER = [*SPEND_HEADER, "edition", "certified", "detailed_class"]

TIER_BY_CSV = {
    "upper tier": Authority.Tier.UPPER,
    "lower tier": Authority.Tier.LOWER,
    "unitary": Authority.Tier.UNITARY,
    "ni district": Authority.Tier.NI_DISTRICT,
}
# Revenue outturn class -> (type, tier) for councils that appear only in the
# spend file because they were abolished before the register was taken.
TYPE_BY_RO_CLASS = {
    "SC": (Authority.Type.COUNTY, Authority.Tier.UPPER),
    "SD": (Authority.Type.DISTRICT, Authority.Tier.LOWER),
    "UA": (Authority.Type.UNITARY, Authority.Tier.UNITARY),
    "MD": (Authority.Type.METROPOLITAN, Authority.Tier.UNITARY),
    "L": (Authority.Type.LONDON_BOROUGH, Authority.Tier.UNITARY),
    "LB": (Authority.Type.LONDON_BOROUGH, Authority.Tier.UNITARY),  # RSX's name for L
}
SPEND_SOURCE = "MHCLG Revenue Outturn Summary (RS), Open Government Licence v3.0"
RSX_SOURCE = "MHCLG Revenue Outturn Service Expenditure Summary (RSX), Open Government Licence v3.0"
# Codes a spend file uses for a body the register knows by another code.
SPEND_CODE_ALIASES = {
    # The 2017-18 RS file codes North Yorkshire County Council E10000022, a code
    # no council ever held; the register and RSX use E10000023 (data README).
    "E10000022": "E10000023",
}


class ImportRefused(Exception):
    """The input is not something we can import; nothing was written."""


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, what: str, created: int, updated: int, unchanged: int) -> None:
        self.counts[what] = {"created": created, "updated": updated, "unchanged": unchanged}

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{what}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for what, c in self.counts.items()
        ]


@dataclass
class _Row:
    path: Path
    line: int
    values: dict[str, str]

    def refuse(self, message: str) -> ImportRefused:
        return ImportRefused(f"{self.path.name}, line {self.line}: {message}")

    def gss(self, column: str, *, required: bool = True) -> str:
        value = self.values[column].strip()
        if not value and not required:
            return ""
        if not GSS_RE.match(value):
            raise self.refuse(f"{column} {value!r} is not a GSS code (like E07000223)")
        return value

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.values[column].strip()
        if required and not value:
            raise self.refuse(f"{column} is empty")
        if len(value) > max_length:
            raise self.refuse(f"{column} is longer than {max_length} characters")
        return value

    def number(self, column: str, kind: Callable[[str], Any] = float) -> Any:
        value = self.values[column].strip()
        if not value:
            return None
        try:
            return kind(value)
        except (ValueError, InvalidOperation):
            raise self.refuse(f"{column} {value!r} is not a number") from None

    def day(self, column: str) -> date | None:
        value = self.values[column].strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.refuse(f"{column} {value!r} is not a date (YYYY-MM-DD)") from None

    def flag(self, column: str) -> bool:
        value = self.values[column].strip().upper()
        if value not in {"Y", "N"}:
            raise self.refuse(f"{column} must be Y or N, not {value!r}")
        return value == "Y"


def _read(path: Path) -> tuple[list[str], list[_Row]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header is None:
                raise ImportRefused(f"{path.name}: the file is empty")
            rows = []
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    raise ImportRefused(
                        f"{path.name}, line {number}: expected {len(header)} columns, "
                        f"found {len(cells)}"
                    )
                rows.append(_Row(path, number, dict(zip(header, cells, strict=True))))
    except UnicodeDecodeError:
        raise ImportRefused(f"{path.name}: not a UTF-8 CSV file") from None
    except csv.Error as exc:
        raise ImportRefused(f"{path.name}: not a valid CSV file ({exc})") from None
    if not rows:
        raise ImportRefused(f"{path.name}: the file has a header but no rows")
    return header, rows


def _sync(
    model: type[models.Model],
    key: str,
    wanted: dict[Any, dict[str, Any]],
    existing: Iterable[models.Model],
) -> tuple[int, int, int]:
    """Create missing rows and update changed ones; returns (created, updated, unchanged)."""
    by_key = {getattr(obj, key): obj for obj in existing}
    to_create, to_update, fields_changed = [], [], set()
    for k, values in wanted.items():
        obj = by_key.get(k)
        if obj is None:
            to_create.append(model(**values))
            continue
        changed = [f for f, v in values.items() if getattr(obj, f) != v]
        if changed:
            for f in changed:
                setattr(obj, f, values[f])
            fields_changed.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=1000)  # type: ignore[attr-defined]
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields_changed), batch_size=1000)  # type: ignore[attr-defined]
    return len(to_create), len(to_update), len(wanted) - len(to_create) - len(to_update)


class ReferenceImporter:
    """Runs inside one transaction; every method raises ImportRefused on bad input."""

    def __init__(self) -> None:
        self.report = ImportReport()

    # Files -----------------------------------------------------------------

    def combined_authorities(self, rows: Sequence[_Row]) -> None:
        wanted: dict[str, dict[str, Any]] = {}
        for row in rows:
            code = row.gss("gss_code")
            if code in wanted:
                raise row.refuse(f"{code} appears twice")
            wanted[code] = {
                "gss_code": code,
                "name": row.text("name", required=True),
                "short_name": row.text("short_name", required=True),
                "authority_type": row.text("authority_type", required=True),
                "region": row.text("region"),
                "start_date": row.day("start_date"),
                "latitude": row.number("latitude"),
                "longitude": row.number("longitude"),
                "population_2020": row.number("population_2020_mysociety", int),
            }
        self.report.add(
            "combined authorities",
            *_sync(CombinedAuthority, "gss_code", wanted, CombinedAuthority.objects.all()),
        )

    def authorities(self, rows: Sequence[_Row]) -> None:
        combined = {ca.gss_code: ca.pk for ca in CombinedAuthority.objects.all()}
        types = set(Authority.Type.values)
        nations = set(Authority.Nation.values)
        wanted: dict[str, dict[str, Any]] = {}
        parents: dict[str, str] = {}
        for row in rows:
            code = row.gss("gss_code")
            if code in wanted:
                raise row.refuse(f"{code} appears twice")
            type_code = row.text("authority_type_code", required=True)
            if type_code not in types:
                raise row.refuse(f"authority_type_code {type_code!r} is not one we know")
            tier = TIER_BY_CSV.get(row.text("tier", required=True))
            if tier is None:
                raise row.refuse(f"tier {row.values['tier']!r} is not one we know")
            nation = row.text("nation", required=True)
            if nation not in nations:
                raise row.refuse(f"nation {nation!r} is not a UK nation")
            ca_code = row.gss("combined_authority_gss", required=False)
            if ca_code and ca_code not in combined:
                raise row.refuse(f"combined authority {ca_code} is not in combined_authorities")
            parent = row.gss("parent_county_gss", required=False)
            if parent:
                parents[code] = parent
            wanted[code] = {
                "gss_code": code,
                "name": row.text("name", required=True),
                "short_name": row.text("short_name", required=True),
                "kind": Authority.Kind.PRINCIPAL_COUNCIL,
                "authority_type": type_code,
                "tier": tier,
                "nation": nation,
                "region": row.text("region"),
                "status": Authority.Status.CURRENT,
                "combined_authority_id": combined.get(ca_code),
                "latitude": row.number("latitude"),
                "longitude": row.number("longitude"),
                "area_km2": row.number("area_km2", int),
                "population": row.number("population", int),
                "population_year": row.number("population_year", int),
                "population_source": row.text("population_source"),
                "mysociety_code": row.text("mysociety_code", max_length=10),
                "mhclg_ecode": row.text("mhclg_ecode", max_length=10),
                "gov_uk_slug": row.text("gov_uk_slug", max_length=100),
                "start_date": row.day("start_date"),
                "notes": row.text("notes", max_length=2000),
            }
        for child, parent in parents.items():
            if parent not in wanted:
                raise ImportRefused(f"authorities: parent county {parent} of {child} is not listed")
        self.report.add(
            "authorities",
            *_sync(Authority, "gss_code", wanted, Authority.objects.filter(gss_code__in=wanted)),
        )
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        to_update = []
        for obj in Authority.objects.filter(gss_code__in=wanted):
            parent_id = ids.get(parents.get(obj.gss_code, ""))
            if obj.parent_county_id != parent_id:
                obj.parent_county_id = parent_id
                to_update.append(obj)
        Authority.objects.bulk_update(to_update, ["parent_county"])

    def combined_membership(self, rows: Sequence[_Row]) -> None:
        """Checked against authorities.csv, which is where membership is stored."""
        members = dict(
            Authority.objects.filter(combined_authority__isnull=False).values_list(
                "gss_code", "combined_authority__gss_code"
            )
        )
        for row in rows:
            member = row.gss("member_gss")
            ca_code = row.gss("combined_authority_gss")
            if members.get(member) != ca_code:
                raise row.refuse(
                    f"{member} is not recorded as a member of {ca_code} in authorities.csv"
                )
        self.report.add("combined authority memberships checked", 0, 0, len(rows))

    def adjacency(self, rows: Sequence[_Row], *, layer: str) -> None:
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        wanted: dict[tuple[int, int], dict[str, Any]] = {}
        for row in rows:
            a, b = row.gss("gss_code_a"), row.gss("gss_code_b")
            if not a < b:
                raise row.refuse("pairs must be ordered gss_code_a < gss_code_b")
            for code in (a, b):
                if code not in ids:
                    raise row.refuse(f"{code} is not a known authority")
            values: dict[str, Any] = {
                "authority_a_id": ids[a],
                "authority_b_id": ids[b],
                "layer": layer,
            }
            if layer == Adjacency.Layer.DISTRICT:
                values["ons_rank_from_a"] = row.number("ons_rank_from_a", int)
                values["ons_rank_from_b"] = row.number("ons_rank_from_b", int)
                values["via_successor_mapping"] = row.flag("via_2023_successor_mapping")
            else:
                values["touching_pairs"] = row.number("n_touching_lad_pairs", int)
            key = (ids[a], ids[b])
            if key in wanted:
                raise row.refuse(f"the pair {a}–{b} appears twice")
            wanted[key] = values
        existing = Adjacency.objects.filter(layer=layer)
        for obj in existing:
            obj.pair = (obj.authority_a_id, obj.authority_b_id)  # type: ignore[attr-defined]
        self.report.add(f"adjacency ({layer})", *_sync(Adjacency, "pair", wanted, existing))

    def spend(self, rows: Sequence[_Row]) -> None:
        """Every spend file of the run at once (2017-18 RS and the RSX years), so a
        line's name and an abolished council's details come from the newest year
        whatever the order the files were given in, and a re-run changes nothing."""
        current = set(Authority.objects.current().values_list("gss_code", flat=True))
        bodies = _SpendBodies()
        lines: dict[str, tuple[str, str]] = {}  # code -> (year, name), newest year kept
        records: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in rows:
            year = row.text("year", required=True)
            if not YEAR_RE.match(year):
                raise row.refuse(f"year {year!r} is not a financial year like 2017-18")
            line = row.text("ro_line", required=True, max_length=10)
            name = row.text("service", required=True)
            values = _spend_values(row, year)  # checked on every row, skipped or not
            code = self._spend_authority(row, year, current, bodies)
            if code is None:
                continue
            if line not in lines or lines[line][0] < year:
                lines[line] = (year, name)
            key = (code, line, year)
            if key in records:
                raise row.refuse(f"{code} line {line} {year} appears twice")
            records[key] = values

        clash = set(bodies.abolished) & current
        if clash:
            raise ImportRefused(f"spend: {sorted(clash)} are marked abolished but are current")
        self._sync_abolished(bodies)
        if bodies.skipped:
            self.report.add(
                "spend rows of bodies not in the register (skipped)", 0, 0, bodies.skipped
            )
        self.report.add(
            "spend lines",
            *_sync(
                SpendLine,
                "code",
                {code: {"code": code, "name": name} for code, (_y, name) in lines.items()},
                SpendLine.objects.all(),
            ),
        )
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        line_ids = dict(SpendLine.objects.values_list("code", "pk"))
        wanted: dict[tuple[int, int, str], dict[str, Any]] = {}
        for (gss, ro_line, fy), values in records.items():
            record_key = (ids[gss], line_ids[ro_line], fy)
            wanted[record_key] = {
                "authority_id": record_key[0],
                "line_id": record_key[1],
                "year": fy,
                **values,
            }
        years = {year for (_c, _l, year) in records}
        existing = SpendRecord.objects.filter(year__in=years)
        for obj in existing:
            obj.key = (obj.authority_id, obj.line_id, obj.year)  # type: ignore[attr-defined]
        self.report.add(
            f"spend records ({', '.join(sorted(years))})",
            *_sync(SpendRecord, "key", wanted, existing),
        )

    def _spend_authority(
        self, row: _Row, year: str, current: set[str], bodies: "_SpendBodies"
    ) -> str | None:
        """The register code a spend row belongs to (None: a body not in the register yet)."""
        status = row.text("authority_status_2025", required=True)
        if status == "other_body":
            return bodies.other_body(row)
        code = SPEND_CODE_ALIASES.get(row.values["gss_code"].strip()) or row.gss("gss_code")
        if status == "current":
            if code not in current:
                raise row.refuse(f"{code} is marked current but is not a current authority")
            return code
        if status != "abolished":
            raise row.refuse(
                f"authority_status_2025 {status!r} must be current, abolished or other_body"
            )
        ro_class = row.text("class", required=True)
        if ro_class not in TYPE_BY_RO_CLASS:
            raise row.refuse(f"class {ro_class!r} is not a council class we import")
        type_code, tier = TYPE_BY_RO_CLASS[ro_class]
        name = row.text("authority_name_in_source", required=True)
        known = bodies.abolished_year.get(code)
        if known is None or known <= year:  # the newest year's name and E-code win
            bodies.abolished_year[code] = year
            bodies.abolished[code] = {
                "gss_code": code,
                "name": name,
                "short_name": name,
                "kind": Authority.Kind.PRINCIPAL_COUNCIL,
                "authority_type": type_code,
                "tier": tier,
                "nation": Authority.Nation.ENGLAND,
                "status": Authority.Status.ABOLISHED,
                "mhclg_ecode": row.text("mhclg_ecode", max_length=10),
                "notes": "Abolished before 2025; known here from its revenue outturn return.",
            }
        # Cumbria and Northamptonshire each split into two successors.
        for successor in filter(None, row.text("current_successor_gss").split(";")):
            if successor not in current:
                raise row.refuse(f"successor {successor!r} is not a current authority")
            bodies.successors.setdefault(code, set()).add(successor)
        return code

    def _sync_abolished(self, bodies: "_SpendBodies") -> None:
        abolished = bodies.abolished
        self.report.add(
            "abolished authorities (from spend)",
            *_sync(
                Authority, "gss_code", abolished, Authority.objects.filter(gss_code__in=abolished)
            ),
        )
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        links = Authority.successors.through
        wanted_links = {
            (ids[old], ids[new]) for old, news in bodies.successors.items() for new in news
        }
        existing_links = set(
            links.objects.filter(from_authority_id__in=[ids[c] for c in abolished]).values_list(
                "from_authority_id", "to_authority_id"
            )
        )
        links.objects.bulk_create(
            [
                links(from_authority_id=a, to_authority_id=b)
                for a, b in wanted_links - existing_links
            ]
        )
        for a, b in existing_links - wanted_links:
            links.objects.filter(from_authority_id=a, to_authority_id=b).delete()


@dataclass
class _SpendBodies:
    """What the spend rows say about who reported: abolished councils (with the
    year their details come from) and their successors; bodies other than councils."""

    abolished: dict[str, dict[str, Any]] = field(default_factory=dict)
    abolished_year: dict[str, str] = field(default_factory=dict)
    successors: dict[str, set[str]] = field(default_factory=dict)
    skipped: int = 0

    def other_body(self, row: _Row) -> str | None:
        # Police, fire, parks, combined and waste authorities and the GLA make RO
        # returns too; their organisations join the register separately, and until
        # then their rows are counted as skipped rather than refusing the file.
        row.text("authority_name_in_source", required=True)
        self.skipped += 1
        return None


def _spend_values(row: _Row, year: str) -> dict[str, Any]:
    """The stored fields of one spend row. RSX files carry their edition and
    certification; the 2017-18 RS file has neither."""
    rsx = "edition" in row.values
    certified: bool | None = None
    edition = None
    if rsx:
        edition = row.day("edition")
        if edition is None:
            raise row.refuse("edition is empty (an RSX file names its release date)")
        if row.values["certified"].strip():  # blank: not received, or not asked (2021-22)
            certified = row.flag("certified")
    return {
        "net_expenditure_thousands": row.number("net_expenditure_gbp_thousands", Decimal),
        "source": RSX_SOURCE if rsx else SPEND_SOURCE,
        "edition": edition,
        "certified": certified,
        "detailed_class": row.text("detailed_class", max_length=40) if rsx else "",
    }


FILE_KINDS: list[tuple[str, list[str]]] = [
    ("combined_authorities", COMBINED_HEADER),
    ("authorities", AUTHORITIES_HEADER),
    ("combined_membership", MEMBERSHIP_HEADER),
    ("adjacency_district", ADJACENCY_HEADER),
    ("adjacency_upper", ADJACENCY_UPPER_HEADER),
    ("spend", SPEND_HEADER),
    ("spend", SPEND_RSX_HEADER),  # same columns plus edition, certified, detailed_class
]
ORDER = list(dict.fromkeys(kind for kind, _ in FILE_KINDS))


def identify(path: Path, header: list[str]) -> str:
    for kind, expected in FILE_KINDS:
        if header == expected:
            return kind
    raise ImportRefused(
        f"{path.name}: the header row matches none of the files we import "
        "(authorities, combined authorities, their membership, adjacency, upper-tier "
        "adjacency, revenue outturn spend); see data/reference/SOURCES.md"
    )


def default_files(directory: Path) -> list[Path]:
    names = [
        "combined_authorities.csv",
        "authorities.csv",
        "combined_authority_membership.csv",
        "adjacency.csv",
        "adjacency_upper_tier.csv",
    ]
    files = [directory / name for name in names]
    files += sorted(directory.glob("spend_ro_*.csv"))  # each year sits beside the others
    files += sorted(directory.glob("spend_rsx_*.csv"))
    return files


@transaction.atomic
def import_reference_files(paths: Sequence[Path]) -> ImportReport:
    """Import the given files (any order) in one transaction; raise ImportRefused if any is bad."""
    parsed: list[tuple[str, list[_Row]]] = []
    for path in paths:
        if not path.is_file():
            raise ImportRefused(f"{path}: no such file")
        header, rows = _read(path)
        parsed.append((identify(path, header), rows))
    # Spend files are read as one (see ReferenceImporter.spend).
    spend = [row for kind, rows in parsed if kind == "spend" for row in rows]
    parsed = [item for item in parsed if item[0] != "spend"]
    if spend:
        parsed.append(("spend", spend))
    parsed.sort(key=lambda item: ORDER.index(item[0]))
    importer = ReferenceImporter()
    for kind, rows in parsed:
        if kind == "adjacency_district":
            importer.adjacency(rows, layer=Adjacency.Layer.DISTRICT)
        elif kind == "adjacency_upper":
            importer.adjacency(rows, layer=Adjacency.Layer.UPPER)
        else:
            getattr(importer, kind)(rows)
    # Bulk writes send no signals: this tells every process, once the import commits.
    # Always, not only when the report counts a change: a no-op costs one rebuild.
    reference_data_changed()
    return importer.report
