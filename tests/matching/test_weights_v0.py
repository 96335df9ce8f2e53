"""The factor refactor (features x weights from matching/weights/v0.json) ranks exactly
as the scorer it replaced did.

`_old_score` is the previous scorer's arithmetic written out by hand (the points
that lived in settings.MATCHING_WEIGHTS until 2026-12-01), an oracle independent
of FACTOR_TABLE: if v0 is loaded, every score and every order must agree with it.
"""

import json

from hypothesis import given, settings

from matching import scoring as matching
from tests.matching.test_properties import worlds

# settings.MATCHING_WEIGHTS as it stood before the refactor.
OLD = {
    "distance": 30.0,
    "distance_half_km": 20.0,
    "boundary": 20.0,
    "same_county": 10.0,
    "same_combined_authority": 6.0,
    "same_region": 4.0,
    "listing_same_service": 30.0,
    "listing_same_family": 12.0,
    "experienced": 8.0,
    "spend_similarity": 8.0,
}


def _old_score(
    reference: matching.Reference,
    origin: matching.Body,
    candidate: matching.Body,
    service: matching.ServiceInfo,
    context: matching.Context,
    km: float | None,
) -> float:
    score = 0.0 if km is None else OLD["distance"] * 0.5 ** (km / OLD["distance_half_km"])
    if candidate.gss_code in reference.neighbours.get(origin.gss_code, frozenset()):
        score += OLD["boundary"]
    if origin.county and origin.county == candidate.county:
        score += OLD["same_county"]
    if origin.combined_authority and origin.combined_authority == candidate.combined_authority:
        score += OLD["same_combined_authority"]
    if origin.region and origin.region == candidate.region:
        score += OLD["same_region"]
    own = context.listings.get(candidate.gss_code, [])
    kinds = context.complementary_kinds
    if any(x.service_pk == service.pk and x.kind in kinds for x in own):
        score += OLD["listing_same_service"]
    elif any(x.family_pk == service.family_pk and x.kind in kinds for x in own):
        score += OLD["listing_same_family"]
    if context.experience.get(candidate.gss_code):
        score += OLD["experienced"]
    mine = reference.spend_of(origin.gss_code, service.ro_line) or {}
    theirs = reference.spend_of(candidate.gss_code, service.ro_line) or {}
    for year in sorted(mine, reverse=True):
        a, b = mine[year], theirs.get(year)
        if a is not None and b is not None:
            if a > 0 and b > 0:
                similarity = matching.spend_similarity(
                    a, b, origin.population, candidate.population
                )
                score += OLD["spend_similarity"] * similarity
            break
    else:
        # Since issue 14 (spend that is fair): no year both report counts as neutral,
        # half the spend points, where the old scorer gave none.
        if service.ro_line:
            score += OLD["spend_similarity"] * matching.NEUTRAL_SPEND_FEATURE
    return score


def test_v0_file_holds_the_points_of_the_old_settings() -> None:
    data = json.loads((matching.WEIGHTS_DIR / "v0.json").read_text())
    renamed = {
        "county": "same_county",
        "combined_authority": "same_combined_authority",
        "region": "same_region",
        "listing_service": "listing_same_service",
        "listing_family": "listing_same_family",
        "spend": "spend_similarity",
    }
    assert {renamed.get(k, k): v for k, v in data["weights"].items()} | data["params"] == OLD


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_v0_scores_and_orders_are_those_of_the_old_scorer(world: tuple) -> None:
    reference, origin, service, context = world
    context = matching.Context(
        listings=context.listings,
        experience=context.experience,
        limits=context.limits,
        weights=matching.load_weights("v0"),
    )
    ranking = matching.rank_partners(reference, origin, service, context)
    old = {
        s.body.gss_code: _old_score(reference, origin, s.body, service, context, s.distance_km)
        for s in ranking.suggestions
    }
    for s in ranking.suggestions:
        assert s.score == old[s.body.gss_code]  # exactly: same terms, same order
    expected = sorted(
        ranking.suggestions,
        key=lambda s: (
            -old[s.body.gss_code],
            s.distance_km if s.distance_km is not None else float("inf"),
            s.body.gss_code,
        ),
    )
    assert [s.body.gss_code for s in ranking.suggestions] == [s.body.gss_code for s in expected]
