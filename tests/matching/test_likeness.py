"""Pure tests of matching/likeness.py: standardised features, Euclidean distance
rebased to 0-1, same kind only, indices never compared across nations."""

import pytest

from matching.likeness import Likeness, Profile, groups_phrase


def council(gss: str, pop: float, area: float, **kwargs: object) -> Profile:
    return Profile(gss_code=gss, kind="council", population=pop, area_km2=area, **kwargs)  # type: ignore[arg-type]


def test_the_most_alike_ranks_first_and_likeness_is_rebased_to_0_1() -> None:
    world = Likeness(
        [
            council("A", 60_000, 40),
            council("B", 65_000, 45),  # nearly A's twin
            council("C", 300_000, 400),
            council("D", 1_000_000, 3000),  # the least like A
        ]
    )
    row = world.row("A")
    assert [n.gss_code for n in sorted(row.values(), key=lambda n: n.rank)] == ["B", "C", "D"]
    assert row["D"].likeness == 0.0
    assert 0.0 < row["C"].likeness < row["B"].likeness <= 1.0
    assert row["B"].compared == ("size", "area", "density")
    assert row["B"].missing == ()


def test_only_the_same_kind_is_compared() -> None:
    world = Likeness(
        [
            council("A", 60_000, 40),
            council("B", 65_000, 45),
            Profile("F", "fire", 60_000, 40),
            Profile("G", "fire", 900_000, 2000),
        ]
    )
    assert set(world.row("A")) == {"B"}
    assert set(world.row("F")) == {"G"}


def test_a_feature_missing_for_either_side_is_left_out_and_named() -> None:
    world = Likeness(
        [
            council("A", 60_000, 40, ruc_code="UUN"),
            council("B", 65_000, 45),  # no rural-urban class (a county, Scotland, NI)
            council("C", 300_000, 400, ruc_code="RMF"),
        ]
    )
    pair = world.row("A")["B"]
    assert "rurality" not in pair.compared and pair.missing == ("rurality",)
    assert "rurality" in world.row("A")["C"].compared


def test_deprivation_is_compared_only_within_one_index() -> None:
    world = Likeness(
        [
            council("E1", 60_000, 40, deprivation_index="IoD2025", deprivation_extent=0.05),
            council("E2", 61_000, 41, deprivation_index="IoD2025", deprivation_extent=0.30),
            council("W1", 60_500, 40, deprivation_index="WIMD2019", deprivation_extent=0.05),
            council("W2", 62_000, 42, deprivation_index="WIMD2019", deprivation_extent=0.20),
        ]
    )
    row = world.row("E1")
    assert "deprivation" in row["E2"].compared
    assert "deprivation" not in row["W1"].compared and "deprivation" in row["W1"].missing


def test_spend_per_head_lines_are_compared_on_the_lines_both_have() -> None:
    world = Likeness(
        [
            council("A", 60_000, 40, spend_per_head={"599": 20.0, "690": 100.0}),
            council("B", 60_000, 40, spend_per_head={"599": 21.0}),
            council("C", 60_000, 40, spend_per_head={"599": 80.0, "690": 300.0}),
        ]
    )
    row = world.row("A")
    assert row["B"].rank == 1 and "spend" in row["B"].compared
    assert row["C"].likeness == pytest.approx(0.0)


def test_groups_phrase() -> None:
    assert groups_phrase(("size", "density", "spend")) == "size, density and spend"
    assert groups_phrase(("tier",)) == "type"
