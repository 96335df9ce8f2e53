"""Pure tests of matching/scoring.py: each factor, eligibility, limits, sentences, savings.

No database: bodies, spend and listings are plain records built here. The factors'
mechanics are tested with the hand-set `v1` points (`V1`), whose numbers the
assertions spell out; the fitted weights in use are tested where an officer would
expect partners to rank (test_officer_expectations.py).
"""

import dataclasses
import itertools
import json
import math

import pytest

from core.geo import haversine_km
from matching import scoring as matching
from matching.scoring import (
    Body,
    Context,
    Limits,
    ListingRef,
    Reference,
    SavingsRate,
    ServiceInfo,
    Weights,
)
from matching.selectors import Arrangement, experience_signals, successor_spend_fill

BUILDING_CONTROL = ServiceInfo(
    pk=1,
    name="Building control",
    family_pk=10,
    family_name="Planning and building control",
    tiers=frozenset({"lower", "unitary", "ni_district"}),
    ro_line="599",
    ro_line_name="Planning and development services",
)
PLANNING = ServiceInfo(
    2,
    "Planning policy",
    10,
    "Planning and building control",
    BUILDING_CONTROL.tiers,
    "599",
    "Planning and development services",
)
ADULT_CARE = ServiceInfo(
    pk=3,
    name="Adult social care",
    family_pk=11,
    family_name="Adult social care",
    tiers=frozenset({"upper", "unitary"}),
    ro_line="360",
    ro_line_name="Adult social care",
)


def body(gss: str, lat: float, lon: float, **kwargs: object) -> Body:
    defaults: dict[str, object] = {
        "name": f"{gss} Council",
        "short_name": gss,
        "tier": "lower",
        "region": "South East",
        "population": 100_000,
    }
    defaults.update(kwargs)
    return Body(gss_code=gss, latitude=lat, longitude=lon, **defaults)  # type: ignore[arg-type]


ORIGIN = body("E0", 51.0, 0.0, short_name="Origin")
V1 = matching.load_weights("v1")


def rank(
    bodies: list[Body],
    service: ServiceInfo = BUILDING_CONTROL,
    *,
    adjacency: list[tuple[str, str]] | list[tuple[str, str, int, int]] | None = None,
    spend: dict[tuple[str, str], dict[str, float | None]] | None = None,
    context: Context | None = None,
) -> matching.Ranking:
    reference = Reference([ORIGIN, *bodies], adjacency or [], spend or {})
    return matching.rank_partners(reference, ORIGIN, service, context or Context(weights=V1))


def codes(ranking: matching.Ranking) -> list[str]:
    return [s.body.gss_code for s in ranking.suggestions]


def test_closer_ranks_higher_all_else_equal() -> None:
    near, far = body("E2", 51.1, 0.0), body("E1", 51.5, 0.0)
    assert codes(rank([far, near])) == ["E2", "E1"]


def test_shared_boundary_lifts_a_candidate_past_a_nearer_one() -> None:
    nearer, bordering = body("E1", 51.05, 0.0), body("E2", 51.10, 0.0)
    plain = rank([nearer, bordering])
    assert codes(plain) == ["E1", "E2"]
    lifted = rank([nearer, bordering], adjacency=[("E0", "E2")])
    assert codes(lifted) == ["E2", "E1"]
    top = lifted.suggestions[0]
    assert dict(top.points)["boundary"] == V1.weight("boundary")
    assert "shares a boundary" in top.geography


def test_tier_ineligible_councils_never_appear_and_say_why() -> None:
    county = body("E10", 51.01, 0.0, tier="upper", short_name="Westshire")
    worthing = body("E7", 51.02, 0.0, short_name="Worthing")
    ranking = rank([county, worthing])
    assert codes(ranking) == ["E7"]
    assert [e.reason for e in ranking.excluded] == [
        "Westshire is a county council; building control is delivered by district, "
        "single-tier and Northern Ireland district councils."
    ]
    unitary = body("E6", 51.0, 0.0, tier="unitary", short_name="Brighton")
    reference = Reference([unitary, county, worthing])
    care = matching.rank_partners(reference, unitary, ADULT_CARE, Context(weights=V1))
    assert codes(care) == ["E10"]
    assert care.excluded[0].reason == (
        "Worthing is a district council; adult social care is delivered by county and "
        "single-tier councils."
    )


def test_an_asker_that_does_not_deliver_the_service_ranks_nothing_and_names_who_does() -> None:
    county = body("E10", 51.01, 0.0, tier="upper", short_name="Westshire", name="Westshire CC")
    adur = body("E7", 51.02, 0.0, short_name="Adur", county="E10")
    other = body("E8", 51.03, 0.0, tier="unitary")
    ranking = matching.rank_partners(
        Reference([county, adur, other]), adur, ADULT_CARE, Context(weights=V1)
    )
    assert ranking.suggestions == () and ranking.excluded == ()
    assert ranking.asker_reason == (
        "Adur is a district council; adult social care is delivered by county and "
        "single-tier councils."
    )
    assert [d.gss_code for d in ranking.deliverers] == ["E10"]  # not the unitary next door


def test_abolished_councils_are_left_out() -> None:
    gone = body("E3", 51.01, 0.0, is_current=False, short_name="Oldtown")
    ranking = rank([gone])
    assert codes(ranking) == []
    assert ranking.excluded[0].kind == "abolished"


def test_radius_limit_is_respected_with_the_distance_in_the_reason() -> None:
    near, far = body("E1", 51.1, 0.0), body("E2", 52.0, 0.0)
    ranking = rank(
        [near, far], context=Context(weights=V1, limits=Limits(scope="radius", radius_km=30))
    )
    assert codes(ranking) == ["E1"]
    km = haversine_km(51.0, 0.0, 52.0, 0.0)
    assert ranking.excluded[0].reason == (
        f"E2 is {round(km)} km away, beyond the listing's limit of 30 km."
    )


def test_region_and_named_limits_are_respected() -> None:
    inside = body("E1", 51.1, 0.0)
    outside = body("E2", 51.2, 0.0, region="London")
    by_region = rank(
        [inside, outside],
        context=Context(weights=V1, limits=Limits(scope="region", region="South East")),
    )
    assert codes(by_region) == ["E1"]
    named = rank(
        [inside, outside],
        context=Context(weights=V1, limits=Limits(scope="named", named=frozenset({"E2"}))),
    )
    assert codes(named) == ["E2"]
    assert named.excluded[0].reason == "E1 is not one of the councils the listing names."


def test_distance_sentence_matches_the_number() -> None:
    candidate = body("E1", 51.3, 0.2)
    suggestion = rank([candidate]).suggestions[0]
    km = haversine_km(51.0, 0.0, 51.3, 0.2)
    assert suggestion.distance_km == pytest.approx(km)
    assert suggestion.contributions[0].sentence == f"{round(km)} km away"
    weights = V1
    scale, most = weights.param("distance_scale_km"), weights.param("distance_max_km")
    feature = 1 - math.log1p(km / scale) / math.log1p(most / scale)
    assert suggestion.contributions[0].points == pytest.approx(weights.weight("distance") * feature)


def test_reference_distances_agree_with_offers_geo() -> None:
    bodies = [body(f"E{i}", 50 + i * 0.7, -3 + i * 0.9) for i in range(1, 6)]
    reference = Reference([ORIGIN, *bodies])
    row = reference.distances_from("E0")
    for b in bodies:
        got = row[reference.index[b.gss_code]]
        assert got is not None
        assert got == pytest.approx(
            haversine_km(51.0, 0.0, b.latitude or 0, b.longitude or 0), rel=1e-12
        )


def test_spend_sentence_and_savings_arithmetic() -> None:
    candidate = body("E1", 51.1, 0.0, short_name="Worthing", population=110_000)
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E0", "599"): {"2017-18": 1234.0},
        ("E1", "599"): {"2017-18": 1700.0},
    }
    s = rank([candidate], spend=spend).suggestions[0]
    assert s.spend.year == "2017-18"
    assert s.spend.combined_thousands == pytest.approx(2934.0)
    assert s.savings.low_gbp == pytest.approx(2_934_000 * 0.018)
    assert s.savings.high_gbp == pytest.approx(2_934_000 * 0.036)
    assert s.savings.display == "up to £53,000 to £106,000 a year"  # a whole spend line
    assert s.savings.upper_bound
    similarity = ((1234 / 1700) + (1234 / 100_000) / (1700 / 110_000)) / 2
    assert dict(s.points)["spend"] == pytest.approx(8 * similarity)
    assert s.spend_sentence == (
        "Spend on planning and development services (2017-18): Origin £1.2m (£12 a head); "
        f"Worthing £1.7m (£15 a head); {round(similarity * 100)}% alike in scale."
    )
    assert "1.8% to 3.6%" in s.savings.sentence
    assert "(2017-18)" in s.savings.sentence


def test_admin_rate_changes_the_estimate() -> None:
    candidate = body("E1", 51.1, 0.0)
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E0", "599"): {"2017-18": 1000.0},
        ("E1", "599"): {"2017-18": 1000.0},
    }
    rate = SavingsRate(low_percent=1.0, high_percent=5.0, source="Test source")
    s = rank([candidate], spend=spend, context=Context(weights=V1, rate=rate)).suggestions[0]
    assert (s.savings.low_gbp, s.savings.high_gbp) == (
        pytest.approx(20_000),
        pytest.approx(100_000),
    )
    assert "Test source" in s.savings.sentence


@pytest.mark.parametrize(
    "candidate_spend",
    [None, {"2017-18": None}],
    ids=["no record (Scotland, Wales, NI)", "return not received"],
)
def test_missing_spend_is_neutral_and_said(
    candidate_spend: dict[str, float | None] | None,
) -> None:
    candidate = body("S1", 51.1, 0.0, short_name="Fife", nation="Scotland")
    spend: dict[tuple[str, str], dict[str, float | None]] = {("E0", "599"): {"2017-18": 900.0}}
    if candidate_spend is not None:
        spend[("S1", "599")] = candidate_spend
    s = rank([candidate], spend=spend).suggestions[0]
    assert s.savings.enough_data is False
    assert s.savings.display == "Not enough data"
    # Half the factor's points: neither the 0 of an unlike pair nor the 8 of a twin.
    assert dict(s.points)["spend"] == pytest.approx(8 * matching.NEUTRAL_SPEND_FEATURE)
    assert s.spend_sentence == (
        "Spend not compared: no 2017-18 return from Fife, and no earlier year both report; "
        "counted as neutral (half this factor's points), not against either."
    )
    assert math.isfinite(s.score)


def test_income_exceeding_spend_is_not_enough_data_and_scores_nothing() -> None:
    candidate = body("E1", 51.1, 0.0, short_name="Worthing")
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E0", "599"): {"2017-18": 900.0},
        ("E1", "599"): {"2017-18": -50.0},
    }
    s = rank([candidate], spend=spend).suggestions[0]
    assert dict(s.points)["spend"] == 0.0
    assert s.spend_sentence.startswith("Not enough data: net spend on")


def test_a_missing_newest_return_compares_the_newest_year_both_report() -> None:
    candidate = body("E1", 51.1, 0.0, short_name="Birmingham")
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E0", "599"): {"2021-22": 1000.0, "2024-25": 1100.0},
        ("E1", "599"): {"2021-22": 1000.0, "2024-25": None},
    }
    s = rank([candidate], spend=spend).suggestions[0]
    assert s.spend.year == "2021-22"
    assert dict(s.points)["spend"] == pytest.approx(8.0)  # equal spend, no population
    assert s.spend_sentence.startswith(
        "No 2024-25 return from Birmingham: compared on 2021-22, the newest year both report. "
        "Spend on planning and development services (2021-22): Origin £1.0m (£10 a head); "
        "Birmingham £1.0m (£10 a head);"
    )


def test_a_successor_is_compared_on_its_predecessors_combined_figures() -> None:
    candidate = body("E06000066", 51.1, 0.0, short_name="Somerset")
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E0", "599"): {"2021-22": 3000.0},
        ("E1", "599"): {"2021-22": 1000.0},  # a district
        ("E2", "599"): {"2021-22": 2000.0},  # the county
        ("E06000066", "599"): {"2024-25": 3500.0},
    }
    links = [("E1", "E06000066"), ("E2", "E06000066")]
    notes = successor_spend_fill(spend, links, {"E06000066": "Somerset"})
    reference = Reference([ORIGIN, candidate], [], spend, spend_notes=notes)
    s = matching.rank_partners(
        reference, ORIGIN, BUILDING_CONTROL, Context(weights=V1)
    ).suggestions[0]
    assert s.spend.year == "2021-22"
    assert s.spend.candidate_thousands == 3000.0
    assert dict(s.points)["spend"] == pytest.approx(8.0)
    assert "Somerset £3.0m (£30 a head), the combined figures of Somerset's 2 predecessors" in (
        s.spend_sentence
    )
    assert s.spend_sentence.startswith("No 2024-25 return from Origin: compared on 2021-22")


def test_a_split_predecessor_is_never_summed_into_a_successor() -> None:
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E1", "360"): {"2021-22": 10.0},  # a district of Cumberland
        ("CUMBRIA", "360"): {"2021-22": 500.0},
    }
    links = [("E1", "CUMB"), ("CUMBRIA", "CUMB"), ("CUMBRIA", "WF")]
    notes = successor_spend_fill(spend, links, {"CUMB": "Cumberland", "CUMBRIA": "Cumbria"})
    assert spend[("CUMB", "360")] == {"2021-22": None}
    assert spend[("WF", "360")] == {"2021-22": None}
    assert notes[("CUMB", "360", "2021-22")].startswith(
        "no combined figure for Cumberland's predecessors: Cumbria covered more"
    )


def test_newest_common_year_is_compared() -> None:
    year, a, b = matching.common_year(
        {"2017-18": 1.0, "2018-19": 2.0}, {"2017-18": 3.0, "2018-19": None}
    )
    assert (year, a, b) == ("2017-18", 1.0, 3.0)


def _listing(pk: int, gss: str, kind: str, service: ServiceInfo, title: str = "T") -> ListingRef:
    return ListingRef(pk, gss, kind, service.pk, service.name, service.family_pk, title)


def test_complementary_listing_for_the_service_counts_most_then_the_family() -> None:
    same, family, none = body("E1", 51.2, 0.0), body("E2", 51.2, 0.001), body("E3", 51.2, 0.002)
    listings = {
        "E1": [_listing(1, "E1", "offer", BUILDING_CONTROL, "Shared building control")],
        "E2": [_listing(2, "E2", "offer", PLANNING)],
    }
    ranking = rank(
        [none, family, same],
        context=Context(weights=V1, listings=listings, complementary_kinds=frozenset({"offer"})),
    )
    assert codes(ranking) == ["E1", "E2", "E3"]
    top = ranking.suggestions[0]
    assert dict(top.points)["listing_service"] == 30.0
    assert "Has published an offer for building control: “Shared building control”." in top.reasons
    assert dict(ranking.suggestions[1].points)["listing_family"] == 12.0
    assert "listing_family" not in dict(top.points)


def test_same_kind_listing_is_not_complementary() -> None:
    other_need = body("E1", 51.2, 0.0)
    listings = {"E1": [_listing(1, "E1", "need", BUILDING_CONTROL)]}
    s = rank(
        [other_need],
        context=Context(weights=V1, listings=listings, complementary_kinds=frozenset({"offer"})),
    ).suggestions[0]
    assert not {"listing_service", "listing_family"} & set(dict(s.points))
    assert s.listings  # still shown as a live listing


def test_experience_signals_come_from_the_register_and_leave_out_what_they_are_told() -> None:
    arrangements = [
        Arrangement("Pair", 1, "Building control", frozenset({"E0", "E1"})),
        Arrangement("Trio", 1, "Building control", frozenset({"E1", "E4", "E5"})),
        Arrangement("Audit hub", 1, "Building control", frozenset({"E4", "E6", "E7", "E8"})),
        Arrangement("ICT", 9, "ICT", frozenset({"E0", "E4"})),
    ]
    hub, shares = experience_signals(arrangements, origin="E0", service_pk=1)
    # The asker's own arrangements are not hub experience; they are "shares with you".
    assert hub["E1"] == (2, ("Trio",))
    assert hub["E4"] == (5, ("Trio", "Audit hub"))
    assert shares == {"E1": ("building control (Pair)",), "E4": ("ICT (ICT)",)}
    hub, shares = experience_signals(
        arrangements, origin="E0", service_pk=1, leave_out=frozenset({"Trio", "ICT"})
    )
    assert "E1" not in hub and hub["E4"] == (3, ("Audit hub",))
    assert "E4" not in shares


def test_a_hub_partner_rises_past_nearer_councils_and_says_why() -> None:
    near = [body(f"E{i}", 51.0 + 0.05 * i, 0.0) for i in range(1, 6)]
    hub_council = body("E9", 51.6, 0.0, short_name="Hubton")  # 67 km: the farthest
    plain = rank([*near, hub_council])
    assert codes(plain)[-1] == "E9"
    context = Context(weights=V1, hub={"E9": (6, ("Anglia Revenues Partnership",))})
    ranked = rank([*near, hub_council], context=context)
    position = codes(ranked).index("E9")
    assert position < 3  # above the nearer councils that share nothing
    top = ranked.suggestions[position]
    assert dict(top.points)["hub"] == pytest.approx(12 * math.log1p(6) / math.log1p(8))
    assert (
        "Already shares building control with 6 organisations (Anglia Revenues Partnership)."
        in top.reasons
    )


def test_sharing_another_service_with_the_asker_counts_strongly() -> None:
    near, partner = body("E1", 51.05, 0.0), body("E2", 51.3, 0.0, short_name="Worthing")
    context = Context(
        weights=V1, shares_with_asker={"E2": ("ICT (Adur and Worthing shared services)",)}
    )
    ranked = rank([near, partner], context=context)
    assert codes(ranked) == ["E2", "E1"]
    assert (
        "Already shares ICT (Adur and Worthing shared services) with Origin."
        in ranked.suggestions[0].reasons
    )


def test_ties_break_on_distance_then_gss_code() -> None:
    # Same distance (mirror images in longitude), same everything else.
    west, east = body("E9", 51.0, -0.2), body("E1", 51.0, 0.2)
    assert codes(rank([west, east])) == ["E1", "E9"]


def _weights_data(**changes: object) -> dict[str, object]:
    data = json.loads((matching.WEIGHTS_DIR / "v1.json").read_text())
    data.update(changes)
    return data


def test_weights_file_refuses_typos_missing_factors_and_negatives() -> None:
    v0 = _weights_data()
    assert Weights.from_data(v0).weight("boundary") == 20.0
    assert Weights.from_data(v0).version == "v1"
    typo = {**v0["weights"], "bondary": 5}  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="bondary"):
        Weights.from_data(_weights_data(weights=typo))
    short = {k: v for k, v in v0["weights"].items() if k != "spend"}  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="spend"):
        Weights.from_data(_weights_data(weights=short))
    with pytest.raises(ValueError):
        Weights.from_data(_weights_data(weights={**v0["weights"], "distance": -1}))  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        Weights.from_data(_weights_data(params={"distance_scale_km": 0, "distance_max_km": 1200}))
    with pytest.raises(ValueError, match="distance_scale_km"):
        Weights.from_data(_weights_data(params={"distance_max_km": 1200}))


def test_a_stale_weights_file_is_refused_at_load() -> None:
    # v0 predates the two-tier, overlap, likeness and register factors (and named
    # "experienced", which is gone): loading it must fail, not rank with gaps.
    with pytest.raises(ValueError, match="experienced"):
        matching.load_weights_file(matching.WEIGHTS_DIR / "v0.json")


def test_weights_are_read_once_per_process() -> None:
    assert matching.load_weights() is matching.load_weights()
    assert matching.load_weights().version == matching.WEIGHTS_VERSION


def test_score_is_the_weighted_sum_of_the_feature_vector() -> None:
    neighbour = body("E1", 51.1, 0.0, county="E10000001")
    far = body("E2", 52.5, -1.0)
    origin = body("E0", 51.0, 0.0, short_name="Origin", county="E10000001")
    spend: dict[tuple[str, str], dict[str, float | None]] = {
        ("E0", "599"): {"2017-18": 900.0},
        ("E1", "599"): {"2017-18": 1200.0},
    }
    reference = Reference([origin, neighbour, far], [("E0", "E1")], spend)
    context = Context(weights=V1)
    ranking = matching.rank_partners(reference, origin, BUILDING_CONTROL, context)
    rows = {
        b.gss_code: (km, f)
        for b, km, f in matching.feature_rows(reference, origin, BUILDING_CONTROL, context)
    }
    assert set(rows) == {"E1", "E2"}
    for s in ranking.suggestions:
        features = matching.feature_vector(reference, origin, s.body, BUILDING_CONTROL, context)
        assert features == rows[s.body.gss_code][1]
        assert list(features) == list(matching.FACTORS)
        assert all(0.0 <= v <= 1.0 for v in features.values())
        assert matching.score_features(features, context.weights) == pytest.approx(s.score)
    near = rows["E1"][1]
    assert near["boundary"] == 1.0 and near["county"] == 1.0
    assert rows["E2"][1]["boundary"] == 0.0


def test_format_helpers() -> None:
    assert matching.format_km(0.4) == "under 1 km"
    assert matching.format_km(12.4) == "12 km"
    assert matching.format_gbp(1_234_567) == "£1.2m"
    assert matching.format_gbp(53_460) == "£53,000"
    assert matching.format_gbp(1_643_200_000) == "£1.6bn"
    assert matching.format_gbp(999_900_000) == "£999.9m"


def test_distance_feature_is_monotone_and_does_not_saturate_in_the_far_tail() -> None:
    weights = V1
    scale, most = weights.param("distance_scale_km"), weights.param("distance_max_km")
    values = [matching.distance_feature(km, scale, most) for km in range(0, 1201, 20)]
    assert values[0] == 1.0 and values[-1] == 0.0
    assert all(a > b for a, b in itertools.pairwise(values))
    # Beyond 60 km, 100 km more is still worth more points than sharing a region.
    gap = matching.distance_feature(60, scale, most) - matching.distance_feature(160, scale, most)
    assert gap * weights.weight("distance") > weights.weight("region")


def test_the_longest_shared_boundary_counts_most() -> None:
    long_, short = body("E1", 51.1, 0.0), body("E2", 51.1, 0.0001)
    adjacency = [("E0", "E1", 1, 3), ("E0", "E2", 2, 1)]
    ranking = rank([short, long_], adjacency=adjacency)
    assert codes(ranking) == ["E1", "E2"]
    points = {s.body.gss_code: dict(s.points)["boundary"] for s in ranking.suggestions}
    assert points == {"E1": 20.0, "E2": 10.0}
    assert "Shares a boundary: the longest of Origin's 2" in ranking.suggestions[0].reasons


def test_a_county_and_its_own_district_are_linked_with_a_sentence() -> None:
    county = body("E10", 51.2, 0.0, tier="upper", short_name="Westshire")
    own = body("E1", 51.1, 0.0, county="E10", short_name="Owntown")
    reference = Reference([county, own, body("E2", 51.15, 0.0, tier="upper")])
    ranking = matching.rank_partners(
        reference,
        county,
        matching.ServiceInfo(9, "ICT", 20, "ICT", frozenset({"upper", "lower", "unitary"})),
        Context(weights=V1),
    )
    top = ranking.suggestions[0]
    assert top.body.gss_code == "E1" and dict(top.points)["two_tier"] == 18.0
    assert "Owntown is one of Westshire's districts: the same residents, two tiers." in top.reasons


FIRE_SERVICE = ServiceInfo(
    pk=5,
    name="Fire control rooms",
    family_pk=30,
    family_name="Fire and rescue",
    tiers=frozenset(),
    kinds=frozenset({"fire", "police"}),
)


def _blue_light_world() -> tuple[Reference, Body]:
    d1 = body("E1", 51.1, 0.0, population=100_000)
    d2 = body("E2", 51.2, 0.0, population=100_000)
    d3 = body("E3", 51.3, 0.0, population=100_000)
    fire = body("F1", 51.15, 0.0, kind="fire", tier="", short_name="Kent Fire")
    police = body("P1", 51.15, 0.0, kind="police", tier="", short_name="Kent Police")
    other_fire = body("F2", 51.3, 0.0, kind="fire", tier="", short_name="Essex Fire")
    nowhere = body("N1", 51.0, 0.0, kind="fire", tier="", short_name="Nowhere Fire")
    reference = Reference(
        [d1, d2, d3, fire, police, other_fire, nowhere],
        [("E1", "E2"), ("E2", "E3")],
        areas={"F1": {"E1": 1.0, "E2": 1.0}, "P1": {"E1": 1.0, "E2": 1.0}, "F2": {"E3": 1.0}},
    )
    return reference, fire


def test_a_fire_authority_ranks_its_police_force_area_with_the_overlap_sentence() -> None:
    reference, fire = _blue_light_world()
    ranking = matching.rank_partners(reference, fire, FIRE_SERVICE, Context(weights=V1))
    police = next(s for s in ranking.suggestions if s.body.gss_code == "P1")
    assert ranking.suggestions[0] is police
    assert "Covers the same area as Kent Fire." in police.reasons
    assert any("Policing and Crime Act 2017" in r for r in police.reasons)
    neighbour = next(s for s in ranking.suggestions if s.body.gss_code == "F2")
    assert dict(neighbour.points)["boundary"] > 0  # borders it through E2-E3
    assert "overlap" not in dict(neighbour.points)
    # Councils do not deliver fire control rooms: left out with the reason.
    assert any(e.body.gss_code == "E1" for e in ranking.excluded)


def test_an_organisation_with_no_location_is_ranked_without_distance() -> None:
    reference, _fire = _blue_light_world()
    nowhere = Body(gss_code="N2", name="Nowhere Fire", short_name="Nowhere", tier="", kind="fire")
    reference = Reference(
        [*reference.bodies, nowhere],
        [("E1", "E2"), ("E2", "E3")],
        areas={"F1": {"E1": 1.0, "E2": 1.0}, "P1": {"E1": 1.0, "E2": 1.0}, "N2": {"E2": 1.0}},
    )
    ranking = matching.rank_partners(reference, nowhere, FIRE_SERVICE, Context(weights=V1))
    assert ranking.suggestions and all(s.distance_km is None for s in ranking.suggestions)
    assert all("distance" not in dict(s.points) for s in ranking.suggestions)
    top = ranking.suggestions[0]
    assert top.body.gss_code in {"F1", "P1"} and "overlap" in dict(top.points)
    assert top.geography == "Distance unknown (no location recorded)"


def test_why_not_higher_lists_what_the_one_above_has_more_of() -> None:
    nearer, bordering = body("E1", 51.05, 0.0), body("E2", 51.10, 0.0)
    ranking = rank([nearer, bordering], adjacency=[("E0", "E2")])
    top, second = ranking.suggestions
    gaps = second.lacks(top)
    assert gaps[0][0].factor == "boundary" and gaps[0][1] == pytest.approx(20.0)
    assert all(c.factor != "distance" for c, _gap in gaps)  # second is nearer: no gap there


def test_distance_rank_counts_everyone_who_delivers_and_says_so() -> None:
    near, middle, far = body("E1", 51.05, 0.0), body("E2", 51.2, 0.0), body("E3", 52.0, 0.0)
    county = body("E10", 51.01, 0.0, tier="upper")  # nearer, but no building control
    gone = body("E4", 51.02, 0.0, is_current=False)
    reference = Reference([ORIGIN, near, middle, far, county, gone])
    assert reference.eligible_distances("E0", BUILDING_CONTROL) == sorted(
        reference.distance_km("E0", b.gss_code) or 0.0 for b in (near, middle, far)
    )
    base = V1
    # The weights in use give the rank 0 (so it adds nothing and is not scored): give it
    # points here to see its sentence.
    weights = dataclasses.replace(base, values={**base.values, "distance_rank": 10.0})
    ranking = matching.rank_partners(reference, ORIGIN, BUILDING_CONTROL, Context(weights=weights))
    features = {
        s.body.gss_code: matching.feature_vector(reference, ORIGIN, s.body, BUILDING_CONTROL)[
            "distance_rank"
        ]
        for s in ranking.suggestions
    }
    in_use = matching.rank_partners(reference, ORIGIN, BUILDING_CONTROL, Context(weights=V1))
    assert all("distance_rank" not in dict(s.points) for s in in_use.suggestions)
    assert features == pytest.approx({"E1": 1.0, "E2": 1 - math.log(2) / math.log(3), "E3": 0.0})
    sentences = {s.body.gss_code: s.contributions for s in ranking.suggestions}
    second = next(c for c in sentences["E2"] if c.factor == "distance_rank")
    assert (
        second.sentence == "The 2nd nearest of the 3 organisations that deliver building control."
    )
    first = next(c for c in sentences["E1"] if c.factor == "distance_rank")
    assert first.sentence.startswith("The nearest of the 3 ")


def test_distance_rank_is_the_same_under_a_listing_limit() -> None:
    """A radius limit leaves candidates out of the ranking, not out of the count: a
    candidate's rank (and so its points) does not depend on who else is shown."""
    near, middle, far = body("E1", 51.05, 0.0), body("E2", 51.2, 0.0), body("E3", 52.0, 0.0)
    reference = Reference([ORIGIN, near, middle, far])
    free = matching.rank_partners(reference, ORIGIN, BUILDING_CONTROL, Context(weights=V1))
    limited = matching.rank_partners(
        reference,
        ORIGIN,
        BUILDING_CONTROL,
        Context(weights=V1, limits=Limits(scope="radius", radius_km=30)),
    )
    assert codes(limited) == ["E1", "E2"]
    assert [s.points for s in limited.suggestions] == [s.points for s in free.suggestions[:2]]


def test_distance_rank_feature_falls_with_the_log_of_the_rank() -> None:
    assert matching.distance_rank_feature(1, 100) == 1.0
    assert matching.distance_rank_feature(100, 100) == 0.0
    assert matching.distance_rank_feature(10, 100) == pytest.approx(0.5)
    assert matching.distance_rank_feature(1, 1) == 1.0


def test_likeness_sentence_names_what_was_left_out_and_why() -> None:
    from matching.likeness import Neighbour, groups_phrase

    county = body("E10", 51.0, 0.0, short_name="West Sussex", tier="upper")
    district = body("E07", 51.0, 0.1, short_name="Horsham")
    near = Neighbour("E07", 0.68, 3, ("size", "spend"), ("deprivation", "rurality"))
    text = matching.likeness_sentence(county, district, near)
    assert text.startswith("Among the 15 councils most like West Sussex by ")
    assert text.endswith(
        "(3rd); deprivation and rurality not compared (no figure on the same basis for both)."
    )
    far = dataclasses.replace(near, rank=108, missing=())
    assert matching.likeness_sentence(county, district, far).endswith(
        "68% alike West Sussex by " + groups_phrase(("size", "spend")) + " (108th most alike)."
    )
