"""`manage.py import_authorities`: the real reference data, re-runs and bad files.

tests/conftest.py imports data/reference/ once per session; these tests check
what that import produced and then feed the command edited copies of the
real files (in tmp_path) to prove it updates, refuses and rolls back.
"""

import csv
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from councils.models import (
    Adjacency,
    Authority,
    BodyArea,
    SpendLine,
    SpendRecord,
)

pytestmark = pytest.mark.django_db

REFERENCE = Path(settings.BASE_DIR) / "data" / "reference"
ADUR, WORTHING, WEST_SUSSEX = "E07000223", "E07000229", "E10000032"


def run(*files: Path) -> str:
    out = StringIO()
    call_command("import_authorities", *[str(f) for f in files], stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    """Row counts and a sample of values; equal snapshots mean nothing changed."""
    return {
        "authorities": Authority.objects.count(),
        "current": Authority.objects.current().count(),
        "current councils": Authority.objects.current().councils().count(),
        "kinds": dict(Authority.objects.values_list("gss_code", "kind")),
        "areas": set(BodyArea.objects.values_list("body_id", "council_id", "share")),
        "members of": dict(Authority.objects.values_list("gss_code", "combined_authority_id")),
        "run by": dict(Authority.objects.values_list("gss_code", "run_by_id")),
        "adjacency": Adjacency.objects.count(),
        "spend lines": SpendLine.objects.count(),
        "spend": SpendRecord.objects.count(),
        "successor links": Authority.successors.through.objects.count(),
        "names": dict(Authority.objects.values_list("gss_code", "name")),
        "populations": dict(Authority.objects.values_list("gss_code", "population")),
    }


def copy_csv(source: str, target: Path, edit=None) -> Path:
    """Copy a reference file, letting `edit(line_number, row)` change rows."""
    with (REFERENCE / source).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if edit:
        for number, row in enumerate(rows[1:], start=2):
            edit(number, row)
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return target


def adjacent(a: str, b: str, layer: str) -> bool:
    a, b = sorted([a, b])
    return Adjacency.objects.filter(
        authority_a__gss_code=a, authority_b__gss_code=b, layer=layer
    ).exists()


# What the real data produced ---------------------------------------------


def test_current_councils_by_nation():
    counts = dict(
        Authority.objects.current()
        .councils()
        .values_list("nation")
        .annotate(n=Count("pk"))
        .values_list("nation", "n")
    )
    assert Authority.objects.current().councils().count() == 382
    assert counts == {"England": 317, "Scotland": 32, "Wales": 22, "Northern Ireland": 11}


def test_current_councils_by_type():
    counts = dict(
        Authority.objects.current()
        .councils()
        .values_list("authority_type")
        .annotate(n=Count("pk"))
        .values_list("authority_type", "n")
    )
    assert counts == {
        "CTY": 21,
        "NMD": 164,
        "UA": 63,
        "MD": 36,
        "LBO": 32,
        "CC": 1,
        "SCO": 32,
        "WPA": 22,
        "NID": 11,
    }


def test_abolished_councils_come_from_the_spend_file_with_successors():
    # 47 from 2017-18 and Somerset West and Taunton (2019-2023) from the RSX years;
    # the 2017-18 file's E10000022 is North Yorkshire County Council, E10000023.
    abolished = Authority.objects.filter(status=Authority.Status.ABOLISHED)
    assert abolished.filter(kind=Authority.Kind.PRINCIPAL_COUNCIL).count() == 48
    assert abolished.count() == 48 + 2  # and the two former North East combined authorities
    assert not Authority.objects.filter(gss_code="E10000022").exists()
    swt = Authority.objects.get(gss_code="E07000246")
    assert swt.status == Authority.Status.ABOLISHED
    assert list(swt.successors.values_list("gss_code", flat=True)) == ["E06000066"]
    cumbria = Authority.objects.get(gss_code="E10000006")
    assert cumbria.status == Authority.Status.ABOLISHED
    assert set(cumbria.successors.values_list("gss_code", flat=True)) == {
        "E06000063",
        "E06000064",
    }


def test_districts_point_at_their_county():
    adur = Authority.objects.select_related("parent_county").get(gss_code=ADUR)
    assert adur.parent_county is not None
    assert adur.parent_county.gss_code == WEST_SUSSEX
    assert Authority.objects.filter(parent_county__isnull=False).count() == 164


@pytest.mark.parametrize(
    "neighbour",
    [WORTHING, "E07000224", "E07000227", "E06000043"],  # Worthing, Arun, Horsham, B&H
)
def test_adur_neighbours_in_the_district_layer(neighbour):
    assert adjacent(ADUR, neighbour, Adjacency.Layer.DISTRICT)


def test_west_sussex_neighbours_in_the_upper_layer():
    west_sussex = Authority.objects.get(gss_code=WEST_SUSSEX)
    pairs = Adjacency.objects.filter(layer=Adjacency.Layer.UPPER).filter(
        authority_a=west_sussex
    ) | Adjacency.objects.filter(layer=Adjacency.Layer.UPPER, authority_b=west_sussex)
    codes = {
        p.authority_b.gss_code if p.authority_a_id == west_sussex.pk else p.authority_a.gss_code
        for p in pairs.select_related("authority_a", "authority_b")
    }
    # Brighton & Hove, East Sussex, Hampshire, Surrey
    assert codes == {"E06000043", "E10000011", "E10000014", "E10000030"}
    assert not adjacent(ADUR, WORTHING, Adjacency.Layer.UPPER)  # districts are not in it


def test_adjacency_layer_sizes():
    assert Adjacency.objects.filter(layer=Adjacency.Layer.DISTRICT).count() == 929
    assert Adjacency.objects.filter(layer=Adjacency.Layer.UPPER).count() == 528


@pytest.mark.parametrize(
    "island",
    ["E06000046", "E06000053", "S12000013", "S12000023", "S12000027", "W06000001"],
)
def test_island_authorities_have_no_neighbours(island):
    authority = Authority.objects.get(gss_code=island)
    assert not Adjacency.objects.filter(authority_a=authority).exists()
    assert not Adjacency.objects.filter(authority_b=authority).exists()


def test_spend_for_a_known_council_and_line():
    record = SpendRecord.objects.get(
        authority__gss_code=ADUR, line__code="599", year="2017-18"
    )  # Adur, planning and development, as published by MHCLG
    assert record.net_expenditure_thousands == Decimal("1219")
    assert record.line.name == "Planning and development services"
    assert SpendRecord.objects.filter(year="2017-18").count() == 5295
    assert not SpendRecord.objects.filter(authority__nation="Scotland").exists()


# Spend over time (RSX 2021-22 to 2024-25) ------------------------------------

# Council rows per RSX file (current and abolished): all rows less those of the
# bodies that are not councils (class O: 93, 93, 94 and 93 bodies x 14 lines).
RSX_COUNCIL_ROWS = {
    "2021-22": 5964 - 93 * 14,
    "2022-23": 5964 - 93 * 14,
    "2023-24": 5754 - 94 * 14,
    "2024-25": 5740 - 93 * 14,
}


def test_spend_rows_per_year():
    counts = dict(
        SpendRecord.objects.values_list("year").annotate(n=Count("pk")).values_list("year", "n")
    )
    # Every row of every file (data README: 5,964, 5,964, 5,754 and 5,740 rows).
    assert counts == {
        "2017-18": 5295,
        "2021-22": 5964,
        "2022-23": 5964,
        "2023-24": 5754,
        "2024-25": 5740,
    }
    councils = dict(
        SpendRecord.objects.filter(authority__kind=Authority.Kind.PRINCIPAL_COUNCIL)
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
    assert councils == {"2017-18": 5295, **RSX_COUNCIL_ROWS}


def test_rsx_rows_keep_edition_certification_and_not_received():
    adur = SpendRecord.objects.get(authority__gss_code=ADUR, line__code="690", year="2021-22")
    assert adur.net_expenditure_thousands == Decimal("6264")  # README spot check
    assert str(adur.edition) == "2023-11-23"
    assert adur.certified is None  # 2021-22 has no certification column
    assert adur.detailed_class == "SD"
    assert adur.source.startswith("MHCLG Revenue Outturn Service Expenditure Summary (RSX)")
    middlesbrough = SpendRecord.objects.get(
        authority__gss_code="E06000002", line__code="190", year="2024-25"
    )
    assert middlesbrough.net_expenditure_thousands == Decimal("83701.83")
    assert middlesbrough.certified in (True, False)
    # Woking sent no return for 2021-22: 14 rows kept, each without a figure.
    woking = SpendRecord.objects.filter(authority__gss_code="E07000217", year="2021-22")
    assert woking.count() == 14
    assert all(not r.received for r in woking)
    not_received = SpendRecord.objects.filter(year="2024-25", net_expenditure_thousands=None)
    assert not_received.values("authority").distinct().count() == 9
    assert not not_received.exclude(certified=None).exists()


def test_bodies_spend_is_imported_for_every_year():
    counts = dict(
        SpendRecord.objects.exclude(authority__kind=Authority.Kind.PRINCIPAL_COUNCIL)
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
    assert counts == {
        "2021-22": 93 * 14,
        "2022-23": 93 * 14,
        "2023-24": 94 * 14,
        "2024-25": 93 * 14,
    }
    # README spot checks: a police, a park, a fire and a waste authority.
    for code, line, year, value in [
        ("E23000036", "601", "2021-22", "347555"),  # Avon & Somerset PCC
        ("E26000006", "509", "2021-22", "4817"),  # Peak District NPA
        ("E31000045", "602", "2022-23", "91522"),  # West Yorkshire Fire
        ("E50000002", "590", "2022-23", "45470"),  # North London Waste Authority
    ]:
        record = SpendRecord.objects.get(authority__gss_code=code, line__code=line, year=year)
        assert record.net_expenditure_thousands == Decimal(value), code


def test_the_gla_and_lee_valley_are_matched_on_the_register_codes():
    # RSX codes the GLA with the London region's E12000007 and Lee Valley with E6803.
    assert not Authority.objects.filter(gss_code="E12000007").exists()
    gla = SpendRecord.objects.filter(authority__gss_code="E61000001")
    assert gla.count() == 4 * 14
    assert set(gla.values_list("detailed_class", flat=True)) == {"GLA"}
    lee_valley = Authority.objects.get(gss_code="E6803")
    assert lee_valley.kind == Authority.Kind.REGIONAL_PARK
    assert lee_valley.spend.count() == 4 * 14


def test_former_combined_authorities_are_abolished_and_linked_to_their_successor():
    successor = Authority.objects.get(gss_code="E47000014")
    for code, name in [
        ("E47000010", "North East Combined Authority post Nov 2018"),
        ("E47000011", "North of Tyne Combined Authority"),
    ]:
        former = Authority.objects.get(gss_code=code)
        assert former.status == Authority.Status.ABOLISHED
        assert former.kind == Authority.Kind.COMBINED
        assert former.name == name  # from the newest year they appear, 2023-24
        assert list(former.successors.all()) == [successor]
        years = set(former.spend.values_list("year", flat=True))
        assert years == {"2021-22", "2022-23", "2023-24"}


def test_an_unknown_body_in_a_spend_file_refuses_the_file(tmp_path):
    def stranger(number, row):
        if row[0] == "E26000006":  # Peak District NPA, as if the register lacked it
            row[0] = "E26000099"

    bad = copy_csv("spend_rsx_2024_25.csv", tmp_path / "spend.csv", stranger)
    before = snapshot()
    with pytest.raises(CommandError, match=r"E26000099 is not a public body in public_bodies"):
        run(bad)
    assert snapshot() == before


def test_a_spend_file_with_a_bad_edition_is_refused(tmp_path):
    def bad_edition(number, row):
        if number == 3000:
            row[11] = "December 2025"

    bad = copy_csv("spend_rsx_2024_25.csv", tmp_path / "spend_rsx_2024_25.csv", bad_edition)
    before = snapshot()
    with pytest.raises(CommandError, match=r"line 3000: edition 'December 2025' is not a date"):
        run(bad)
    assert snapshot() == before


def test_a_spend_file_with_a_bad_certification_is_refused(tmp_path):
    def bad(number, row):
        if number == 10:
            row[12] = "yes"

    with pytest.raises(CommandError, match=r"line 10: certified must be Y or N, not 'YES'"):
        run(copy_csv("spend_rsx_2023_24.csv", tmp_path / "spend.csv", bad))


def test_a_spend_row_repeated_across_files_is_refused(tmp_path):
    one = copy_csv("spend_rsx_2022_23.csv", tmp_path / "a.csv")
    two = copy_csv("spend_rsx_2022_23.csv", tmp_path / "b.csv")
    before = snapshot()
    with pytest.raises(CommandError, match=r"line 2: E07000223 line 190 2022-23 appears twice"):
        run(one, two)
    assert snapshot() == before


# Re-running and updating ---------------------------------------------------


def test_rerun_changes_nothing():
    before = snapshot()
    output = run()
    assert snapshot() == before
    lines = [line for line in output.splitlines() if "created" in line]
    assert len(lines) == 11  # nine kinds of record, deprivation, rural-urban class
    for line in lines:
        assert ": 0 created, 0 updated," in line, line
    assert "Already up to date." in output


def test_a_changed_row_is_updated_in_place(tmp_path):
    def rename(number, row):
        if row[0] == ADUR:
            row[1] = "Adur District Council (renamed)"

    adur_pk = Authority.objects.get(gss_code=ADUR).pk
    output = run(copy_csv("authorities.csv", tmp_path / "authorities.csv", rename))
    assert "authorities: 0 created, 1 updated, 381 unchanged" in output
    adur = Authority.objects.get(gss_code=ADUR)
    assert adur.pk == adur_pk  # keyed on the GSS code: same row, new name
    assert adur.name == "Adur District Council (renamed)"
    assert Authority.objects.current().councils().count() == 382


def test_a_newer_spend_year_imports_beside_2017_18(tmp_path):
    def next_year(number, row):
        row[4] = "2018-19"
        row[7] = str(Decimal(row[7]) + 1) if row[7] else row[7]

    source = copy_csv("spend_ro_2017_18.csv", tmp_path / "all.csv", next_year)
    with source.open(encoding="utf-8") as handle:
        lines = handle.readlines()
    newer = tmp_path / "spend_ro_2018_19.csv"
    newer.write_text(lines[0] + "".join(line for line in lines if line.startswith(ADUR)))

    output = run(newer)
    assert "spend records (2018-19): 15 created, 0 updated, 0 unchanged" in output
    assert SpendRecord.objects.filter(year="2017-18").count() == 5295
    assert SpendRecord.objects.filter(year="2018-19").count() == 15
    planning = SpendRecord.objects.filter(authority__gss_code=ADUR, line__code="599")
    assert dict(planning.values_list("year", "net_expenditure_thousands")) == {
        "2017-18": Decimal("1219"),
        "2018-19": Decimal("1220"),
        "2021-22": Decimal("734"),
        "2022-23": Decimal("1775"),
        "2023-24": Decimal("2160"),
        "2024-25": Decimal("2118"),
    }
    assert "Already up to date." in run(newer)


# Refusing bad files: nothing is kept ------------------------------------------


def test_unknown_header_is_refused(tmp_path):
    bad = tmp_path / "councils.csv"
    bad.write_text("code,title\nE07000223,Adur\n", encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match=r"Nothing was imported\. councils\.csv: the header row"):
        run(bad)
    assert snapshot() == before


def _break_row(line: int, column: int, value: str):
    def edit(number, row):
        if number == 2:
            row[1] = "Renamed before the bad row"  # would be updated if not rolled back
        if number == line:
            row[column] = value

    return edit


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (0, "X0700022", "line 200: gss_code 'X0700022' is not a GSS code"),
        (15, "lots", "line 200: population 'lots' is not a number"),
        (6, "Atlantis", "line 200: nation 'Atlantis' is not a UK nation"),
    ],
)
def test_a_malformed_row_is_refused_with_its_line_number(tmp_path, column, value, message):
    bad = copy_csv("authorities.csv", tmp_path / "authorities.csv", _break_row(200, column, value))
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run(bad)
    assert snapshot() == before


def test_several_files_with_only_the_last_bad_import_nothing(tmp_path):
    def rename(number, row):
        if row[0] == ADUR:
            row[1] = "Adur (should not stick)"

    def bad_amount(number, row):
        if number == 5000:
            row[7] = "twelve"

    good = copy_csv("authorities.csv", tmp_path / "authorities.csv", rename)
    bodies = copy_csv("public_bodies.csv", tmp_path / "public_bodies.csv")
    bad = copy_csv("spend_ro_2017_18.csv", tmp_path / "spend.csv", bad_amount)
    before = snapshot()
    with pytest.raises(
        CommandError, match=r"spend\.csv, line 5000: net_expenditure_gbp_thousands 'twelve'"
    ):
        run(bodies, good, bad)
    assert snapshot() == before
    assert Authority.objects.get(gss_code=ADUR).name == "Adur District Council"


def test_a_row_with_missing_columns_is_refused(tmp_path):
    bad = copy_csv("adjacency.csv", tmp_path / "adjacency.csv")
    with bad.open("a", encoding="utf-8") as handle:
        handle.write("E07000223,E07000229\n")
    before = snapshot()
    with pytest.raises(CommandError, match=r"adjacency\.csv, line 931: expected 9 columns"):
        run(bad)
    assert snapshot() == before


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.csv")
