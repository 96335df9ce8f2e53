"""A ranking scores factor by factor (`Factor.column` over the whole pool); one
candidate alone is scored factor after factor (`Factor.feature`, what
`score_candidate`, the evaluation and the digests use). On the real organisations,
every kind asking, with live listings and recorded arrangements, and under every
weights file, the two must give the same floats, the same order and the same
sentences: a faster column that disagreed would change rankings silently."""

import random

import pytest

from councils.models import Authority
from matching import scoring as matching
from matching.models import SharedArrangement
from matching.selectors import (
    _family_listings,
    arrangements_all,
    experience_signals,
    matching_reference,
    savings_rate,
    service_info,
    whole_organisation_rate,
)
from offers.models import Listing, Service
from tests.offers.factories import make_listing

pytestmark = pytest.mark.django_db


def _weights_files() -> list[matching.Weights]:
    """The weights in use and every other file the factors of today can read (v0
    names a factor since removed, so it no longer loads)."""
    out = []
    for path in sorted(matching.WEIGHTS_DIR.glob("*.json")):
        try:
            out.append(matching.load_weights(path.stem))
        except ValueError:
            continue
    assert matching.WEIGHTS_VERSION in {w.version for w in out}
    return out


def _askers(rng: random.Random) -> list[Authority]:
    """One current organisation of every kind and type, and a few more councils."""
    current = list(Authority.objects.current().order_by("gss_code"))
    by_type: dict[tuple[str, str], Authority] = {}
    for a in current:
        by_type.setdefault((a.kind, a.authority_type or ""), a)
    return [*by_type.values(), *rng.sample(current, 8)]


def _context(
    origin: matching.Body, service: Service, weights: matching.Weights
) -> matching.Context:
    family = _family_listings(service=service, exclude_gss=origin.gss_code, include_signed_in=False)
    hub, shares = experience_signals(
        arrangements_all(), origin=origin.gss_code, service_pk=service.pk
    )
    return matching.Context(
        listings=family.by_council,
        hub=hub,
        shares_with_asker=shares,
        weights=weights,
        rate=savings_rate(family_pk=service.family_id),
        whole_rate=whole_organisation_rate(),
        service_costs=family.costs,
    )


def test_ranking_by_column_equals_scoring_each_candidate_on_real_data():
    rng = random.Random(14)
    services = list(Service.objects.select_related("family").order_by("slug"))
    chosen = rng.sample(services, 8)
    current = list(Authority.objects.current().order_by("gss_code"))
    for service in chosen:  # live listings, of the service and of its family
        for authority in rng.sample(current, 6):
            make_listing(authority=authority, service=service, status=Listing.Status.PUBLISHED)
    for service in chosen[:3]:  # hubs, and partners that already share with the asker
        arrangement = SharedArrangement.objects.create(
            name=f"Test {service.name} partnership", service=service, source_url="https://x.org/"
        )
        arrangement.members.set(rng.sample(current, 5))
    askers = _askers(rng)
    reference = matching_reference()
    compared = 0
    for weights in _weights_files():
        for asker in askers:
            origin = reference.by_gss[asker.gss_code]
            for service in rng.sample(chosen, 3):
                info = service_info(service=service)
                context = _context(origin, service, weights)
                ranking = matching.rank_partners(reference, origin, info, context)
                alone = sorted(
                    (
                        matching.score_candidate(
                            reference, origin, s.body, info, context, s.distance_km
                        )
                        for s in ranking.suggestions
                    ),
                    key=matching.sort_key,
                )
                assert [s.body.gss_code for s in ranking.suggestions] == [
                    s.body.gss_code for s in alone
                ]
                for by_column, by_one in zip(ranking.suggestions, alone, strict=True):
                    assert by_column.score == by_one.score  # the same floats, not nearly
                    assert by_column.points == by_one.points
                for by_column, by_one in zip(ranking.suggestions[:5], alone[:5], strict=True):
                    assert by_column.contributions == by_one.contributions
                    assert by_column.spend == by_one.spend
                    assert by_column.savings.sentence == by_one.savings.sentence
                compared += len(alone)
    assert compared > 10_000  # the loops above ran over real rankings
