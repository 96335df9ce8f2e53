"""Import the reference data in data/reference/ (see its SOURCES.md).

Each file is recognised by its header row, validated row by row, and written
in one transaction: a malformed or unknown file raises ImportRefused and
nothing from the run is kept. Rows are keyed on GSS codes (never names), so
re-running changes nothing and a corrected row is updated in place.

Councils come from authorities.csv; every other public body (fire, police,
integrated care boards, combined authorities, the GLA, parks, waste) from
public_bodies.csv, and which council areas each body covers from
public_body_areas.csv. A register file may carry a `replaced_by` column: a row
with one is recorded as abolished, linked to its successors (ADR 14).
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
from .models import (
    Adjacency,
    Authority,
    BodyArea,
    Deprivation,
    RuralUrban,
    SpendLine,
    SpendRecord,
)
from .services import successor_invitations

GSS_RE = re.compile(r"^[ENSWK]\d{8}$")
# MHCLG's E-code: the key of a body with no GSS code (Lee Valley is E6803).
ECODE_RE = re.compile(r"^E\d{4}$")
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
PUBLIC_BODIES_HEADER = [
    "gss_code",
    "name",
    "body_type",
    "nation",
    "mhclg_ecode",
    "ods_code",
    "latitude",
    "longitude",
    "population",
    "member_count",
    "name_in_rsx",
    "rsx_latest_year",
    "source",
    "notes",
]
PUBLIC_BODY_AREAS_HEADER = [
    "body_gss",
    "body_type",
    "council_gss",
    "council_name_in_source",
    "share",
    "share_basis",
    "n_lsoa",
    "source",
]
# An optional last column of a register file (authorities.csv, public_bodies.csv):
# the successor codes, joined with ";", of an organisation that has been replaced.
REPLACED_BY = "replaced_by"
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
DEPRIVATION_HEADER = [
    "gss_code",
    "name",
    "authority_type_code",
    "nation",
    "index",
    "tier",
    "preferred_row",
    "source_id",
    "source_area_code",
    "source_area_name",
    "code_mapping",
    "n_areas_ranked",
    "avg_score",
    "rank_avg_score",
    "avg_rank",
    "rank_avg_rank",
    "prop_most_deprived_10pct",
    "rank_prop_most_deprived_10pct",
    "extent",
    "rank_extent",
    "local_concentration",
    "rank_local_concentration",
    "value_type",
    "notes",
]
RURAL_URBAN_HEADER = [
    "gss_code",
    "name",
    "authority_type_code",
    "nation",
    "classification",
    "ruc21_code",
    "ruc21_name",
    "urban_rural",
    "source_id",
    "source_area_code",
    "code_mapping",
    "notes",
]
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
# Bodies that made RSX returns and were then replaced, so no register file lists
# them: North East CA (E47000010) and North of Tyne CA (E47000011), whose last
# returns are 2023-24, were replaced by the North East Mayoral CA (E47000014) in
# May 2024 (data README, RSX 2024-25 lists only E47000014; issue 13).
FORMER_BODY_SUCCESSORS = {"E47000010": "E47000014", "E47000011": "E47000014"}
# RSX "Detailed Class" of such a body -> its kind (the labels changed in 2023-24).
KIND_BY_DETAILED_CLASS = {
    "CA": Authority.Kind.COMBINED,
    "Combined Authority": Authority.Kind.COMBINED,
}
RSX_SOURCE = "MHCLG Revenue Outturn Service Expenditure Summary (RSX), Open Government Licence v3.0"
# Codes a spend file uses for a body the register knows by another code.
SPEND_CODE_ALIASES = {
    # RSX gives the Greater London Authority the London region's code (data README).
    "E12000007": "E61000001",
    # The 2017-18 RS file codes North Yorkshire County Council E10000022, a code
    # no council ever held; the register and RSX use E10000023 (data README).
    "E10000022": "E10000023",
}

KIND_BY_BODY_TYPE = {
    "fire_and_rescue_authority": Authority.Kind.FIRE,
    "police_force_area": Authority.Kind.POLICE,
    "integrated_care_board": Authority.Kind.NHS,
    "combined_authority": Authority.Kind.COMBINED,
    "greater_london_authority": Authority.Kind.GLA,
    "national_park_authority": Authority.Kind.NATIONAL_PARK,
    "waste_disposal_authority": Authority.Kind.WASTE,
    "regional_park_authority": Authority.Kind.REGIONAL_PARK,
}
# The register names fire and police areas bare ("Kent" is both); where no body
# name is published the area is named with what it is (ADR 14).
AREA_NOUN: dict[str, str] = {
    Authority.Kind.FIRE: "fire and rescue area",
    Authority.Kind.POLICE: "police force area",
}
# Area names that already name a body ("Metropolitan Police") need no suffix.
_NAMES_A_BODY = re.compile(r"\b(Authority|Police|Board|Council)\b")
MEMBERSHIP_KINDS = frozenset({Authority.Kind.COMBINED, Authority.Kind.GLA})


class ImportRefused(Exception):
    """The input is not something we can import; nothing was written."""


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, what: str, created: int, updated: int, unchanged: int, removed: int = 0) -> None:
        self.counts[what] = {
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "removed": removed,
        }

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] or c["removed"] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{what}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            + (f", {c['removed']} removed" if c["removed"] else "")
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

    def code(self, column: str) -> str:
        """A GSS code, or the E-code that keys a body without one."""
        value = self.values[column].strip()
        if not (GSS_RE.match(value) or ECODE_RE.match(value)):
            raise self.refuse(f"{column} {value!r} is neither a GSS code nor an E-code")
        return value

    def successors(self) -> list[str]:
        """The `replaced_by` codes (";"-separated), or [] when the file has no such column."""
        value = self.values.get(REPLACED_BY, "").strip()
        codes = [c.strip() for c in value.split(";") if c.strip()]
        for code in codes:
            if not (GSS_RE.match(code) or ECODE_RE.match(code)):
                raise self.refuse(f"{REPLACED_BY} {code!r} is neither a GSS code nor an E-code")
        return codes

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

    def authorities(self, rows: Sequence[_Row]) -> None:
        types = set(Authority.Type.values)
        nations = set(Authority.Nation.values)
        bodies = set(Authority.objects.bodies().values_list("gss_code", flat=True))
        wanted: dict[str, dict[str, Any]] = {}
        parents: dict[str, str] = {}
        replaced: dict[str, list[str]] = {}
        for row in rows:
            code = row.gss("gss_code")
            if code in wanted:
                raise row.refuse(f"{code} appears twice")
            if code in bodies:
                raise row.refuse(f"{code} is a public body (public_bodies.csv), not a council")
            type_code = row.text("authority_type_code", required=True)
            if type_code not in types:
                raise row.refuse(f"authority_type_code {type_code!r} is not one we know")
            tier = TIER_BY_CSV.get(row.text("tier", required=True))
            if tier is None:
                raise row.refuse(f"tier {row.values['tier']!r} is not one we know")
            nation = row.text("nation", required=True)
            if nation not in nations:
                raise row.refuse(f"nation {nation!r} is not a UK nation")
            # Validated, not stored: membership now comes from public_body_areas.csv,
            # which is newer (the North East Mayoral CA) and covers every body (ADR 14).
            row.gss("combined_authority_gss", required=False)
            parent = row.gss("parent_county_gss", required=False)
            if parent:
                parents[code] = parent
            replaced[code] = row.successors()
            wanted[code] = {
                "gss_code": code,
                "name": row.text("name", required=True),
                "short_name": row.text("short_name", required=True),
                "kind": Authority.Kind.PRINCIPAL_COUNCIL,
                "authority_type": type_code,
                "tier": tier,
                "nation": nation,
                "region": row.text("region"),
                "status": (
                    Authority.Status.ABOLISHED if replaced[code] else Authority.Status.CURRENT
                ),
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
        self._successors("authorities", replaced)

    def public_bodies(self, rows: Sequence[_Row]) -> None:
        """Fire, police, ICBs, combined authorities, the GLA, parks and waste authorities."""
        councils = set(Authority.objects.councils().values_list("gss_code", flat=True))
        nations = set(Authority.Nation.values)
        wanted: dict[str, dict[str, Any]] = {}
        replaced: dict[str, list[str]] = {}
        for row in rows:
            body_type = row.text("body_type", required=True)
            kind = KIND_BY_BODY_TYPE.get(body_type)
            if kind is None:
                raise row.refuse(f"body_type {body_type!r} is not one we know")
            ecode = row.text("mhclg_ecode", max_length=10)
            if ecode and not ECODE_RE.match(ecode):
                raise row.refuse(f"mhclg_ecode {ecode!r} is not an E-code (like E6803)")
            # A body with no GSS code (Lee Valley) is keyed on its E-code.
            code = row.gss("gss_code", required=False) or ecode
            if not code:
                raise row.refuse("the body has neither a GSS code nor an E-code")
            if code in wanted:
                raise row.refuse(f"{code} appears twice")
            if code in councils:
                raise row.refuse(f"{code} is a council (authorities.csv), not a public body")
            nation = row.text("nation", required=True)
            if nation not in nations:
                raise row.refuse(f"nation {nation!r} is not a UK nation")
            row.number("member_count", int)
            area = row.text("name", required=True)
            name = body_display_name(kind, area, row.text("name_in_rsx"))
            population = row.number("population", int)
            replaced[code] = row.successors()
            wanted[code] = {
                "gss_code": code,
                "name": name,
                "short_name": name,
                "area_name": area,
                "kind": kind,
                "authority_type": "",
                "tier": "",
                "nation": nation,
                "status": (
                    Authority.Status.ABOLISHED if replaced[code] else Authority.Status.CURRENT
                ),
                "latitude": row.number("latitude"),
                "longitude": row.number("longitude"),
                "population": population,
                "population_year": 2023 if population is not None else None,
                "population_source": (
                    "ONS mid-2023 estimates of the council areas it covers, summed (derived)"
                    if population is not None
                    else ""
                ),
                "mhclg_ecode": ecode,
                "ods_code": row.text("ods_code", max_length=5),
                "notes": row.text("notes", max_length=2000),
            }
        self.report.add(
            "public bodies",
            *_sync(Authority, "gss_code", wanted, Authority.objects.filter(gss_code__in=wanted)),
        )
        self._successors("public bodies", replaced)

    def public_body_areas(self, rows: Sequence[_Row]) -> None:
        orgs = {
            code: (pk, kind, tier)
            for code, pk, kind, tier in Authority.objects.values_list(
                "gss_code", "pk", "kind", "tier"
            )
        }
        wanted: dict[tuple[int, int], dict[str, Any]] = {}
        share_sums: dict[tuple[str, str], Decimal] = {}
        for row in rows:
            body = row.code("body_gss")
            if body not in orgs or orgs[body][1] == Authority.Kind.PRINCIPAL_COUNCIL:
                raise row.refuse(f"{body} is not a public body in public_bodies.csv")
            body_type = row.text("body_type", required=True)
            if KIND_BY_BODY_TYPE.get(body_type) != orgs[body][1]:
                raise row.refuse(f"{body} is not a {body_type}")
            council = row.gss("council_gss")
            if council not in orgs or orgs[council][1] != Authority.Kind.PRINCIPAL_COUNCIL:
                raise row.refuse(f"{council} is not a council in authorities.csv")
            if orgs[council][2] == Authority.Tier.UPPER:
                raise row.refuse(f"{council} is a county: list its districts instead")
            share = row.number("share", Decimal)
            if share is None or not Decimal(0) < share <= Decimal(1):
                raise row.refuse("share must be above 0 and at most 1")
            key = (orgs[body][0], orgs[council][0])
            if key in wanted:
                raise row.refuse(f"{body} covers {council} twice")
            kind_key = (orgs[body][1], council)
            share_sums[kind_key] = share_sums.get(kind_key, Decimal(0)) + share
            # Split districts' shares are rounded to 4 dp; three can sum to 1.0001.
            if share_sums[kind_key] > Decimal("1.0005"):
                raise row.refuse(f"the shares of {council} in {body_type} bodies add up to over 1")
            wanted[key] = {
                "body_id": key[0],
                "council_id": key[1],
                "share": share,
                "share_basis": row.text("share_basis", max_length=20),
                "n_lsoa": row.text("n_lsoa", max_length=20),
                "source": row.text("source", max_length=300),
            }
        existing = list(BodyArea.objects.all())
        for obj in existing:
            obj.pair = (obj.body_id, obj.council_id)  # type: ignore[attr-defined]
        created, updated, unchanged = _sync(BodyArea, "pair", wanted, existing)
        gone = [obj.pk for obj in existing if obj.pair not in wanted]  # type: ignore[attr-defined]
        BodyArea.objects.filter(pk__in=gone).delete()
        self.report.add("areas covered by public bodies", created, updated, unchanged, len(gone))
        self._derive_from_areas()

    def _derive_from_areas(self) -> None:
        """What follows from coverage: who is a member of which combined authority,
        each body's region, and who runs the fire and rescue areas that have no
        authority of their own. Derived afresh on every run, so it cannot drift."""
        orgs = {a.pk: a for a in Authority.objects.all()}
        covers: dict[int, set[int]] = {}
        for body_id, council_id in BodyArea.objects.values_list("body_id", "council_id"):
            covers.setdefault(body_id, set()).add(council_id)
        districts: dict[int, set[int]] = {}
        for org in orgs.values():
            if org.parent_county_id is not None and org.is_current:
                districts.setdefault(org.parent_county_id, set()).add(org.pk)
        member_of = _memberships(orgs, covers, districts)
        owners = _area_owners(orgs, covers, districts)
        changed: list[Authority] = []
        for org in orgs.values():
            fields: dict[str, Any] = {}
            if org.kind == Authority.Kind.PRINCIPAL_COUNCIL:
                fields["combined_authority_id"] = member_of.get(org.pk)
            else:
                regions = {orgs[c].region for c in covers.get(org.pk, set())}
                fields["region"] = regions.pop() if len(regions) == 1 else ""
                # An English fire area with no RSX return of its own (no E-code) is run
                # by the council, combined authority or GLA whose area it is.
                runs_own = (
                    org.kind != Authority.Kind.FIRE
                    or org.nation != Authority.Nation.ENGLAND
                    or org.mhclg_ecode
                )
                area = frozenset(covers.get(org.pk, set()))
                fields["run_by_id"] = None if runs_own else owners.get(area)
            if any(getattr(org, f) != v for f, v in fields.items()):
                for f, v in fields.items():
                    setattr(org, f, v)
                changed.append(org)
        Authority.objects.bulk_update(changed, ["combined_authority", "region", "run_by"])
        self.report.add("memberships, regions and services run for others", 0, len(changed), 0)

    def _successors(self, what: str, replaced: dict[str, list[str]]) -> None:
        """Record `replaced_by`: links from each listed organisation to its successors.

        Only organisations in this file are touched; one with no successor keeps
        none (a current organisation cannot have been replaced).
        """
        status = dict(Authority.objects.values_list("gss_code", "status"))
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        for old, news in replaced.items():
            for new in news:
                if new == old:
                    raise ImportRefused(f"{what}: {old} cannot replace itself")
                if status.get(new) != Authority.Status.CURRENT:
                    raise ImportRefused(
                        f"{what}: successor {new} of {old} is not a current organisation"
                    )
        links = Authority.successors.through
        from_ids = [ids[code] for code in replaced]
        wanted = {(ids[old], ids[new]) for old, news in replaced.items() for new in news}
        existing = set(
            links.objects.filter(from_authority_id__in=from_ids).values_list(
                "from_authority_id", "to_authority_id"
            )
        )
        links.objects.bulk_create(
            [links(from_authority_id=a, to_authority_id=b) for a, b in wanted - existing]
        )
        for a, b in existing - wanted:
            links.objects.filter(from_authority_id=a, to_authority_id=b).delete()
        self._invite_successors_members(wanted)
        if wanted or existing:
            self.report.add(
                f"successors recorded ({what})",
                len(wanted - existing),
                0,
                len(wanted & existing),
                len(existing - wanted),
            )

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
        bodies = _SpendBodies(
            known=set(
                Authority.objects.exclude(kind=Authority.Kind.PRINCIPAL_COUNCIL).values_list(
                    "gss_code", flat=True
                )
            ),
            current=current,
        )
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

        clash = (set(bodies.abolished) - set(FORMER_BODY_SUCCESSORS)) & current
        if clash:
            raise ImportRefused(f"spend: {sorted(clash)} are marked abolished but are current")
        self._sync_abolished(bodies)
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
        """The register code a spend row belongs to."""
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
        self._invite_successors_members(wanted_links)

    def _invite_successors_members(self, links: set[tuple[int, int]]) -> None:
        """Members are not moved: each is invited to join the successor, once."""
        queued = successor_invitations(links=links)
        if queued:
            self.report.add("invitations to join a successor", queued, 0, 0)

    # Deprivation and rural-urban class (matching's statistical neighbours) --

    def deprivation(self, rows: Sequence[_Row]) -> None:
        """One row per (council, index); rows with no values (value_type none) are
        left out, so "no figure" is the absence of a row."""
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        wanted: dict[tuple[int, str], dict[str, Any]] = {}
        for row in rows:
            code = row.gss("gss_code")
            if code not in ids:
                raise row.refuse(f"{code} is not an authority we know")
            if row.text("value_type") == "none":
                continue
            index = row.text("index", required=True, max_length=20)
            key = (ids[code], index)
            if key in wanted:
                raise row.refuse(f"{code} {index} appears twice")
            for column in ("prop_most_deprived_10pct", "extent"):
                value = row.number(column, Decimal)
                if value is not None and not 0 <= value <= 1:
                    raise row.refuse(f"{column} {value} is not a share between 0 and 1")
            wanted[key] = {
                "authority_id": ids[code],
                "index": index,
                "tier": row.text("tier", max_length=40),
                "preferred": row.flag("preferred_row"),
                "source_id": row.text("source_id", required=True, max_length=20),
                "n_areas_ranked": row.number("n_areas_ranked", int),
                "avg_score": row.number("avg_score", Decimal),
                "rank_avg_score": row.number("rank_avg_score", int),
                "prop_most_deprived_10pct": row.number("prop_most_deprived_10pct", Decimal),
                "extent": row.number("extent", Decimal),
                "value_type": row.text("value_type", required=True, max_length=40),
            }
        existing = list(Deprivation.objects.all())
        for obj in existing:
            obj.key = (obj.authority_id, obj.index)  # type: ignore[attr-defined]
        self.report.add("deprivation", *_sync(Deprivation, "key", wanted, existing))

    def rural_urban(self, rows: Sequence[_Row]) -> None:
        """Councils with a class (England and Wales districts and unitaries)."""
        ids = dict(Authority.objects.values_list("gss_code", "pk"))
        wanted: dict[int, dict[str, Any]] = {}
        for row in rows:
            code = row.gss("gss_code")
            if code not in ids:
                raise row.refuse(f"{code} is not an authority we know")
            ruc = row.text("ruc21_code", max_length=3)
            if not ruc:
                continue
            if ids[code] in wanted:
                raise row.refuse(f"{code} appears twice")
            wanted[ids[code]] = {
                "authority_id": ids[code],
                "classification": row.text("classification", required=True, max_length=40),
                "ruc21_code": ruc,
                "ruc21_name": row.text("ruc21_name", required=True, max_length=100),
                "urban_rural": row.text("urban_rural", required=True, max_length=10),
            }
        self.report.add(
            "rural-urban classes",
            *_sync(RuralUrban, "authority_id", wanted, RuralUrban.objects.all()),
        )


@dataclass
class _SpendBodies:
    """What the spend rows say about who reported: abolished councils (with the
    year their details come from) and their successors; bodies other than councils."""

    abolished: dict[str, dict[str, Any]] = field(default_factory=dict)
    abolished_year: dict[str, str] = field(default_factory=dict)
    successors: dict[str, set[str]] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # bodies in the register (public_bodies.csv)
    current: set[str] = field(default_factory=set)

    def other_body(self, row: _Row) -> str:
        """Police, fire, parks, combined and waste authorities and the GLA: matched on
        the register's code (the GLA's RSX code is the London region's, Lee Valley's
        its E-code). A body the register no longer lists is imported as abolished,
        linked to its successor; any other unknown body refuses the file."""
        raw = row.values["gss_code"].strip()
        code = SPEND_CODE_ALIASES.get(raw, raw)
        if not (GSS_RE.match(code) or ECODE_RE.match(code)):
            raise row.refuse(f"gss_code {raw!r} is neither a GSS code nor an E-code")
        successor = FORMER_BODY_SUCCESSORS.get(code)
        if code in self.known and successor is None:
            return code
        # A former body is recorded abolished even if a register once listed it as
        # current (the MYS combined-authority file still does).
        kind = KIND_BY_DETAILED_CLASS.get(row.text("detailed_class", max_length=40))
        if successor is None or kind is None:
            raise row.refuse(f"{code} is not a public body in public_bodies.csv")
        if successor not in self.current:
            raise row.refuse(f"successor {successor} of {code} is not a current organisation")
        year = row.text("year")
        name = row.text("authority_name_in_source", required=True)
        if self.abolished_year.get(code, "") <= year:  # the newest year's name wins
            self.abolished_year[code] = year
            self.abolished[code] = {
                "gss_code": code,
                "name": name,
                "short_name": name,
                "kind": kind,
                "authority_type": "",
                "tier": "",
                "nation": Authority.Nation.ENGLAND,
                "status": Authority.Status.ABOLISHED,
                "mhclg_ecode": row.text("mhclg_ecode", max_length=10),
                "notes": ("Replaced before 2025; known here from its revenue outturn returns."),
            }
        self.successors.setdefault(code, set()).add(successor)
        return code


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
    ("authorities", AUTHORITIES_HEADER),
    ("public_bodies", PUBLIC_BODIES_HEADER),
    ("public_body_areas", PUBLIC_BODY_AREAS_HEADER),
    ("adjacency_district", ADJACENCY_HEADER),
    ("adjacency_upper", ADJACENCY_UPPER_HEADER),
    ("spend", SPEND_HEADER),
    ("spend", SPEND_RSX_HEADER),  # same columns plus edition, certified, detailed_class
    ("deprivation", DEPRIVATION_HEADER),
    ("rural_urban", RURAL_URBAN_HEADER),
]
ORDER = list(dict.fromkeys(kind for kind, _ in FILE_KINDS))


# Register files, which may end with a `replaced_by` column.
REGISTERS = frozenset({"authorities", "public_bodies"})


def identify(path: Path, header: list[str]) -> str:
    for kind, expected in FILE_KINDS:
        if header == expected or (kind in REGISTERS and header == [*expected, REPLACED_BY]):
            return kind
    raise ImportRefused(
        f"{path.name}: the header row matches none of the files we import "
        "(authorities, public bodies, the areas they cover, adjacency, upper-tier "
        "adjacency, revenue outturn spend, deprivation, rural-urban class); see "
        "data/reference/SOURCES.md"
    )


def default_files(directory: Path) -> list[Path]:
    names = [
        "authorities.csv",
        "public_bodies.csv",
        "public_body_areas.csv",
        "adjacency.csv",
        "adjacency_upper_tier.csv",
        "deprivation_la.csv",
        "rural_urban_la.csv",
    ]
    files = [directory / name for name in names]
    files += sorted(directory.glob("spend_ro_*.csv"))  # each year sits beside the others
    files += sorted(directory.glob("spend_rsx_*.csv"))
    return files


def _memberships(
    orgs: dict[int, Authority], covers: dict[int, set[int]], districts: dict[int, set[int]]
) -> dict[int, int]:
    """Council pk -> the combined authority (or GLA) whose area it is in.

    The areas file lists districts, never counties, so a county whose every
    district is in one combined authority's area is its member too.
    """
    member_of: dict[int, int] = {}
    for body_id, councils in covers.items():
        if orgs[body_id].kind not in MEMBERSHIP_KINDS:
            continue
        for council_id in councils:
            if council_id in member_of:
                raise ImportRefused(
                    f"public_body_areas: {orgs[council_id].gss_code} is in two combined "
                    f"authorities ({orgs[member_of[council_id]].gss_code} and "
                    f"{orgs[body_id].gss_code})"
                )
            member_of[council_id] = body_id
    for county_id, its_districts in districts.items():
        found = {member_of.get(d) for d in its_districts}
        if len(found) == 1:
            (only,) = found
            if only is not None:
                member_of[county_id] = only
    return member_of


def _area_owners(
    orgs: dict[int, Authority], covers: dict[int, set[int]], districts: dict[int, set[int]]
) -> dict[frozenset[int], int]:
    """A set of districts -> the council or combined authority whose area is exactly it."""
    owners: dict[frozenset[int], int] = {}
    for org in orgs.values():
        if org.kind == Authority.Kind.PRINCIPAL_COUNCIL and org.tier == Authority.Tier.UNITARY:
            owners.setdefault(frozenset({org.pk}), org.pk)
    for county_id, its_districts in districts.items():
        owners.setdefault(frozenset(its_districts), county_id)
    for body_id, councils in covers.items():
        if orgs[body_id].kind in MEMBERSHIP_KINDS:
            owners.setdefault(frozenset(councils), body_id)
    return owners


def body_display_name(kind: str, area: str, own_name: str) -> str:
    """The body's own published name, else the bare area name with what it is
    ("Kent — police force area"), so two bodies never share a name."""
    if own_name:
        return own_name
    noun = AREA_NOUN.get(kind)
    if noun is None or _NAMES_A_BODY.search(area):
        return area
    return f"{area} — {noun}"


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
