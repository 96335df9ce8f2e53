"""Hypothesis properties of the scorer: finite scores, a total and repeatable order,
contributions that add up to the score, and eligibility that always holds."""

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import scoring as matching
from matching.scoring import Body, Context, ListingRef, Reference, ServiceInfo

TIERS = ["upper", "lower", "unitary", "ni_district"]
REGIONS = ["South East", "London", "Wales", "Scotland"]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Reference, Body, ServiceInfo, Context]:
    n = draw(st.integers(min_value=1, max_value=25))
    bodies = []
    for i in range(n + 1):
        located = draw(st.booleans()) or i == 0
        bodies.append(
            Body(
                gss_code=f"E{i:08d}",
                name=f"Council {i}",
                short_name=f"C{i}",
                tier=draw(st.sampled_from(TIERS)),
                region=draw(st.sampled_from(REGIONS)),
                is_current=draw(st.booleans()) or i == 0,
                county=draw(st.sampled_from(["", "E10000001", "E10000002"])),
                combined_authority=draw(st.sampled_from(["", "E47000001"])),
                latitude=draw(st.floats(49.5, 61.0)) if located else None,
                longitude=draw(st.floats(-8.7, 1.8)) if located else None,
                population=draw(st.one_of(st.none(), st.integers(1, 2_000_000))),
            )
        )
    codes = [b.gss_code for b in bodies]
    adjacency = draw(
        st.lists(st.tuples(st.sampled_from(codes), st.sampled_from(codes)), max_size=30)
    )
    money = st.one_of(st.none(), st.floats(-500.0, 500_000.0, allow_nan=False))
    spend = {(code, "599"): {"2017-18": draw(money)} for code in codes if draw(st.booleans())}
    service = ServiceInfo(
        pk=1,
        name="Building control",
        family_pk=1,
        family_name="Planning",
        tiers=frozenset(draw(st.lists(st.sampled_from(TIERS), min_size=1, unique=True))),
        ro_line="599",
        ro_line_name="Planning and development services",
    )
    listings: dict[str, list[ListingRef]] = {}
    for code in codes:
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["offer", "need"]))
            listings[code] = [
                ListingRef(
                    len(listings) + 1, code, kind, draw(st.sampled_from([1, 2])), "S", 1, "T"
                )
            ]
    hub = {
        code: (draw(st.integers(1, 20)), ("Arrangement",)) for code in codes if draw(st.booleans())
    }
    shares = {code: ("ICT (Pair)",) for code in codes if draw(st.booleans())}
    limits = draw(
        st.sampled_from(
            [
                matching.Limits(),
                matching.Limits(scope="radius", radius_km=50),
                matching.Limits(scope="region", region="South East"),
                matching.Limits(scope="named", named=frozenset(codes[1:3])),
            ]
        )
    )
    context = Context(listings=listings, hub=hub, shares_with_asker=shares, limits=limits)
    reference = Reference(bodies, adjacency, spend)
    return reference, bodies[0], service, context


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_scores_are_finite_and_contributions_sum_to_the_score(world: tuple) -> None:
    reference, origin, service, context = world
    ranking = matching.rank_partners(reference, origin, service, context)
    for s in ranking.suggestions:
        assert math.isfinite(s.score)
        assert all(math.isfinite(c.points) and c.points >= 0 for c in s.contributions)
        assert sum(c.points for c in s.contributions) == s.score
        assert [c.factor for c in s.contributions] == [f for f, _p in s.points]
        assert all(c.sentence for c in s.contributions)


@settings(max_examples=150, deadline=None)
@given(worlds(), st.randoms(use_true_random=False))
def test_order_is_total_and_does_not_depend_on_input_order(
    world: tuple, rnd: random.Random
) -> None:
    reference, origin, service, context = world
    first = matching.rank_partners(reference, origin, service, context)
    shuffled = list(reference.bodies)
    rnd.shuffle(shuffled)
    again = matching.rank_partners(reference, origin, service, context, candidates=shuffled)
    assert [s.body.gss_code for s in first.suggestions] == [
        s.body.gss_code for s in again.suggestions
    ]
    keys = [matching.sort_key(s) for s in first.suggestions]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)  # no two candidates tie on the full key


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_every_body_is_ranked_or_excluded_never_both(world: tuple) -> None:
    reference, origin, service, context = world
    ranking = matching.rank_partners(reference, origin, service, context)
    ranked = {s.body.gss_code for s in ranking.suggestions}
    excluded = {e.body.gss_code for e in ranking.excluded}
    if origin.tier not in service.tiers:  # the asker cannot share it: rank nothing, say why
        assert not ranked and not excluded and ranking.asker_reason
        return
    assert not ranked & excluded
    assert ranked | excluded == {b.gss_code for b in reference.bodies} - {origin.gss_code}
    for s in ranking.suggestions:
        assert s.body.is_current and s.body.tier in service.tiers
        if context.limits.scope == "radius":
            assert s.distance_km is not None and s.distance_km <= 50
        if context.limits.scope == "named":
            assert s.body.gss_code in context.limits.named
    assert all(e.reason for e in ranking.excluded)
