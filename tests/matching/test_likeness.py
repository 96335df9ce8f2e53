"""Pure tests of matching/likeness.py: standardised features, Euclidean distance
rebased to 0-1, same kind only, indices never compared across nations."""

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.likeness import GROUPS, RUC_ORDER, Likeness, Profile, _columns, groups_phrase


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


# --- The row against the plain definition, pair by pair -------------------------------------

_TIERS = ("", "NMD", "UA", "MD")
_LINES = ("190", "290", "490", "599")
_INDICES = ("", "IoD2025", "WIMD2019")
_RUC = ("", *RUC_ORDER)

profiles_strategy = st.lists(
    st.builds(
        Profile,
        gss_code=st.just(""),  # numbered below, so codes are unique
        kind=st.sampled_from(("council", "fire")),
        population=st.one_of(st.none(), st.floats(1_000, 2_000_000)),
        area_km2=st.one_of(st.none(), st.floats(1, 30_000)),
        tier=st.sampled_from(_TIERS),
        spend_per_head=st.dictionaries(st.sampled_from(_LINES), st.floats(-50, 5_000), max_size=4),
        deprivation_index=st.sampled_from(_INDICES),
        deprivation_extent=st.one_of(st.none(), st.floats(0, 1)),
        ruc_code=st.sampled_from(_RUC),
    ),
    min_size=2,
    max_size=12,
)


def _plain_distance(
    columns: dict[str, dict[str, dict[str, float]]], a: str, b: str
) -> tuple[float | None, tuple[str, ...], tuple[str, ...]]:
    """The definition in the module docstring, one pair at a time."""
    total, used, missing = 0.0, [], []
    for group in GROUPS:
        cols = columns[group]
        ga = {c: z[a] for c, z in cols.items() if a in z}
        gb = {c: z[b] for c, z in cols.items() if b in z}
        common = [c for c in ga if c in gb]
        if not common:
            if ga or gb:
                missing.append(group)
            continue
        total += sum((ga[c] - gb[c]) ** 2 for c in common) / len(common)
        used.append(group)
    if not used:
        return None, (), tuple(missing)
    return math.sqrt(total / len(used)), tuple(used), tuple(missing)


@settings(max_examples=200, deadline=None)
@given(profiles_strategy)
def test_every_row_agrees_with_the_pair_by_pair_definition(raw: list[Profile]) -> None:
    profiles = [replace(p, gss_code=f"X{i:02d}") for i, p in enumerate(raw)]
    world = Likeness(profiles)
    for kind in {p.kind for p in profiles}:
        members = sorted((p for p in profiles if p.kind == kind), key=lambda p: p.gss_code)
        columns = _columns(members)
        for a in members:
            expected = {}
            for b in members:
                if b is a:
                    continue
                d, used, missing = _plain_distance(columns, a.gss_code, b.gss_code)
                if d is not None:
                    expected[b.gss_code] = (d, used, missing)
            row = world.row(a.gss_code)
            assert set(row) == set(expected)
            if not expected:
                continue
            furthest = max(d for d, _u, _m in expected.values())
            order = sorted(expected, key=lambda code: (expected[code][0], code))
            for code, (d, used, missing) in expected.items():
                got = row[code]
                assert got.compared == used and got.missing == missing
                want = 1.0 - d / furthest if furthest > 0 else 1.0
                assert got.likeness == pytest.approx(want, abs=1e-9)
            # Ranks follow distance; exact ties (identical profiles) go by GSS code.
            ranks = sorted(row, key=lambda code: row[code].rank)
            assert [expected[c][0] for c in ranks] == pytest.approx(
                [expected[c][0] for c in order], abs=1e-9
            )
