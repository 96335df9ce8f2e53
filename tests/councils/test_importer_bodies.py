"""public_bodies.csv and public_body_areas.csv: every kind of body, the areas
they cover, names people recognise, and `replaced_by` in a register file.

tests/conftest.py imports data/reference/ once per session; these tests check
what that produced and feed the command edited copies to prove it refuses
bad rows (keeping nothing) and records a merger.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError
from django.db.models import Count, Sum

from councils.models import Authority, BodyArea
from tests.councils.test_importer import copy_csv, run, snapshot

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
EAST_SUFFOLK, NORTH_YORKSHIRE = "E07000244", "E06000065"


def test_bodies_by_kind():
    counts = dict(
        Authority.objects.current()
        .bodies()
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    assert counts == {
        "fire": 47,
        "police": 43,
        "nhs": 42,
        "combined": 13,
        "gla": 1,
        "park": 10,
        "waste": 5,
        "regional_park": 1,
    }
    # Bodies are not councils: no tier, no council type, so no council service by tier.
    assert not Authority.objects.bodies().exclude(tier="").exists()
    assert not Authority.objects.bodies().exclude(authority_type="").exists()


def test_a_body_without_a_gss_code_is_keyed_on_its_e_code(client):
    lee_valley = Authority.objects.get(gss_code="E6803")
    assert lee_valley.kind == Authority.Kind.REGIONAL_PARK
    assert lee_valley.name == "Lee Valley Regional Park Authority"
    assert lee_valley.get_absolute_url() == "/councils/E6803/"
    assert client.get("/councils/E6803/").status_code == 200
    assert client.get("/councils/e6803/").status_code == 200  # the converter upper-cases
    assert client.get("/councils/E68031/").status_code == 404


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # The body's own (RSX) name where it has one...
        ("E31000022", "Kent Combined Fire and Rescue Authority"),
        ("E23000032", "Kent Police and Crime Commissioner and Chief Constable"),
        # ...else the bare area with its kind, so "Kent" never means two things.
        ("E31000035", "Surrey — fire and rescue area"),
        ("W15000001", "North Wales — police force area"),
        ("W25000001", "North Wales — fire and rescue area"),
        # An area name that already names a body needs no suffix.
        ("E23000001", "Metropolitan Police"),
        ("E54000034", "NHS Frimley Integrated Care Board"),
    ],
)
def test_names_people_recognise(code, name):
    body = Authority.objects.get(gss_code=code)
    assert body.name == name
    assert body.short_name == name


def test_fire_areas_run_by_a_council_combined_authority_or_the_gla():
    run_by = dict(
        Authority.objects.filter(run_by__isnull=False).values_list("gss_code", "run_by__gss_code")
    )
    assert len(run_by) == 14
    assert run_by["E31000035"] == "E10000030"  # Surrey: Surrey County Council
    assert run_by["E31000008"] == "E06000052"  # Cornwall: Cornwall Council
    assert run_by["E31000040"] == "E47000001"  # Greater Manchester: the combined authority
    assert run_by["E31000046"] == "E61000001"  # London: the GLA
    assert set(Authority.objects.filter(run_by__isnull=False).values_list("kind", flat=True)) == {
        "fire"
    }


def test_a_split_district_has_its_icb_shares():
    east_suffolk = dict(
        BodyArea.objects.filter(council__gss_code=EAST_SUFFOLK, body__kind="nhs").values_list(
            "body__name", "share"
        )
    )
    assert east_suffolk == {
        "NHS Norfolk and Waveney Integrated Care Board": Decimal("0.4966"),
        "NHS Suffolk and North East Essex Integrated Care Board": Decimal("0.5034"),
    }
    north_yorkshire = BodyArea.objects.filter(council__gss_code=NORTH_YORKSHIRE, body__kind="nhs")
    assert north_yorkshire.count() == 3
    assert north_yorkshire.aggregate(total=Sum("share"))["total"] == pytest.approx(Decimal(1))
    split = BodyArea.objects.filter(share__lt=1).values("council").distinct().count()
    assert split == 13
    assert BodyArea.objects.count() == 1062


def test_membership_of_combined_authorities_comes_from_the_areas_they_cover():
    north_east = Authority.objects.get(gss_code="E47000014")
    assert north_east.members.count() == 7  # the two former North East CAs' members
    assert set(
        Authority.objects.filter(
            tier=Authority.Tier.UPPER, combined_authority__isnull=False
        ).values_list("gss_code", "combined_authority__gss_code")
    ) == {
        ("E10000003", "E47000008"),  # Cambridgeshire
        ("E10000007", "E47000013"),  # Derbyshire
        ("E10000019", "E47000017"),  # Lincolnshire
        ("E10000024", "E47000013"),  # Nottinghamshire
    }
    assert Authority.objects.get(gss_code="E61000001").members.count() == 33


def test_bodies_take_the_region_of_the_areas_they_cover():
    assert Authority.objects.get(gss_code="E31000022").region == "South East"  # Kent fire
    # Greater Lincolnshire spans two regions, so it has none.
    assert Authority.objects.get(gss_code="E47000017").region == ""


# Refusing bad files: nothing is kept -------------------------------------------


def _edit_row(line: int, column: int, value: str):
    def edit(number, row):
        if number == 2:
            row[1] = "Renamed before the bad row"  # would be updated if not rolled back
        if number == line:
            row[column] = value

    return edit


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (2, "ambulance_trust", "line 40: body_type 'ambulance_trust' is not one we know"),
        (0, "E0700022X", "line 40: gss_code 'E0700022X' is not a GSS code"),
        (0, "E07000223", "line 40: E07000223 is a council"),
        (8, "many", "line 40: population 'many' is not a number"),
    ],
)
def test_a_malformed_public_body_is_refused_and_nothing_is_imported(
    tmp_path, column, value, message
):
    edit = _edit_row(40, column, value)
    bad = copy_csv("public_bodies.csv", tmp_path / "public_bodies.csv", edit)
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run(bad)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (4, "1.5", "line 700: share must be above 0 and at most 1"),
        (4, "0", "line 700: share must be above 0 and at most 1"),
        (2, "E10000032", "line 700: E10000032 is a county"),
        (0, "E99999999", "line 700: E99999999 is not a public body"),
        (1, "police_force_area", "line 700: .* is not a police_force_area"),
    ],
)
def test_a_malformed_area_row_is_refused_and_nothing_is_imported(tmp_path, column, value, message):
    def edit(number, row):
        if number == 2:
            row[4] = "0.5"  # would be updated if not rolled back
        if number == 700:
            row[column] = value

    bodies = copy_csv("public_bodies.csv", tmp_path / "public_bodies.csv", _edit_row(0, 0, ""))
    bad = copy_csv("public_body_areas.csv", tmp_path / "public_body_areas.csv", edit)
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run(bodies, bad)
    assert snapshot() == before


def test_shares_over_one_are_refused(tmp_path):
    def double(number, row):
        if row[2] == EAST_SUFFOLK and row[1] == "integrated_care_board":
            row[4] = "0.9"

    bad = copy_csv("public_body_areas.csv", tmp_path / "public_body_areas.csv", double)
    before = snapshot()
    with pytest.raises(CommandError, match=f"the shares of {EAST_SUFFOLK} .* add up to over 1"):
        run(bad)
    assert snapshot() == before


def test_an_area_dropped_from_the_file_is_removed(tmp_path):
    def drop(number, row):
        if row[0] == "E31000022" and row[2] == "E07000105":  # Kent fire, Ashford
            row[:] = [""] * len(row)  # a blank line is skipped

    edited = copy_csv("public_body_areas.csv", tmp_path / "public_body_areas.csv", drop)
    output = run(edited)
    assert "areas covered by public bodies: 0 created, 0 updated, 1061 unchanged, 1 removed" in (
        output
    )
    assert not BodyArea.objects.filter(
        body__gss_code="E31000022", council__gss_code="E07000105"
    ).exists()


# replaced_by ------------------------------------------------------------------


def test_two_districts_merge_into_a_new_unitary():
    output = run(FIXTURES / "merger_authorities.csv")
    assert "authorities: 1 created, 2 updated, 1 unchanged" in output
    assert "successors recorded (authorities): 2 created" in output
    merged = Authority.objects.get(gss_code="E06000099")
    assert merged.is_current and merged.tier == Authority.Tier.UNITARY
    for code in ("E07000223", "E07000229"):  # Adur, Worthing
        old = Authority.objects.get(gss_code=code)
        assert old.status == Authority.Status.ABOLISHED
        assert list(old.successors.values_list("gss_code", flat=True)) == ["E06000099"]
    assert set(merged.predecessors.values_list("gss_code", flat=True)) == {
        "E07000223",
        "E07000229",
    }
    # Re-running the same file changes nothing.
    before = snapshot()
    again = run(FIXTURES / "merger_authorities.csv")
    assert "Already up to date." in again
    assert snapshot() == before


def test_a_replaced_body_is_recorded_as_abolished_with_its_successor():
    run(FIXTURES / "replaced_public_bodies.csv")
    old = Authority.objects.get(gss_code="E47000011")
    assert old.status == Authority.Status.ABOLISHED
    assert old.kind == Authority.Kind.COMBINED
    assert list(old.successors.values_list("gss_code", flat=True)) == ["E47000014"]


def test_a_successor_that_is_not_current_is_refused(tmp_path):
    bad = tmp_path / "authorities.csv"
    text = (FIXTURES / "merger_authorities.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace(",E06000099\n", ",E06000098\n"), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="successor E06000098 of E07000223 is not a current"):
        run(bad)
    assert snapshot() == before
