"""Consortium and swap detection as pure functions: no database.

Property tests (Hypothesis) over random organisations, places and limits: every
consortium is a clique of mutual acceptance, 3 to 8 members, each listing in one
consortium at most; the answer does not depend on input order and equals the
every-pair baseline's; withdrawing a listing dissolves what depended on it.
The West Sussex payroll and Arun/Chichester cases use the real codes and
centroids of /work/shared/data/authorities.csv.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from groups import detection as d
from matching.scoring import LOWER, Body, Limits, ServiceInfo

PAYROLL = ServiceInfo(1, "Payroll", 10, "Corporate services", frozenset({LOWER}))
LEGAL = ServiceInfo(2, "Legal services", 10, "Corporate services", frozenset({LOWER}))
SERVICES = {1: PAYROLL, 2: LEGAL}

# Real GSS codes, names and centroids (authorities.csv).
WEST_SUSSEX = {
    "E07000223": ("Adur", 50.844441, -0.298531),
    "E07000224": ("Arun", 50.840875, -0.568188),
    "E07000225": ("Chichester", 50.937422, -0.742264),
    "E07000227": ("Horsham", 50.993759, -0.366333),
    "E07000229": ("Worthing", 50.829206, -0.395812),
}


def body(gss: str, name: str, lat: float | None, lon: float | None, region: str = "South East"):
    return Body(gss, name, name, LOWER, region=region, latitude=lat, longitude=lon)


def ws(gss: str) -> Body:
    name, lat, lon = WEST_SUSSEX[gss]
    return body(gss, name, lat, lon)


def test_west_sussex_payroll_is_one_consortium_explained() -> None:
    needs = [
        d.Entry(pk, d.NEED, 1, ws(gss), Limits("radius", 50.0), "Payroll", 200_000)
        for pk, gss in enumerate(["E07000223", "E07000224", "E07000225", "E07000229"], 1)
    ]
    horsham = d.Entry(9, d.OFFER, 1, ws("E07000227"), Limits("radius", 40.0), "Payroll for you")
    found = d.consortia([*needs, horsham], PAYROLL)
    assert len(found) == 1
    c = found[0]
    assert {m.pk for m in c.members} == {1, 2, 3, 4}
    assert c.key == "consortium:1:1-2-3-4"
    assert c.explanation.startswith("Adur, Arun, Chichester and Worthing each need payroll.")
    assert "Every pair accepts the other" in c.explanation
    assert "Chichester: within 50 km" in c.explanation
    assert [o.entry.pk for o in c.offers] == [9]
    assert c.offers[0].sentence.startswith("Horsham offers payroll within 40 km, and is within")
    assert "of all four" in c.offers[0].sentence
    assert c.savings.combined_gbp == 800_000
    assert c.savings.low_gbp is not None and c.savings.low_gbp < c.savings.high_gbp  # type: ignore[operator]


def test_a_listing_limit_keeps_a_member_out_even_in_one_county() -> None:
    """Chichester's need names only Arun: a shared county does not override it."""
    needs = [
        d.Entry(1, d.NEED, 1, ws("E07000223"), Limits()),
        d.Entry(2, d.NEED, 1, ws("E07000224"), Limits()),
        d.Entry(3, d.NEED, 1, ws("E07000225"), Limits("named", named=frozenset({"E07000224"}))),
        d.Entry(4, d.NEED, 1, ws("E07000229"), Limits()),
    ]
    found = d.consortia(needs, PAYROLL)
    assert [sorted(m.pk for m in c.members) for c in found] == [[1, 2, 4]]


def test_arun_chichester_is_one_swap_explained() -> None:
    arun, chi = ws("E07000224"), ws("E07000225")
    entries = [
        d.Entry(1, d.OFFER, 1, arun, Limits("radius", 60.0), "Arun payroll", 150_000),
        d.Entry(2, d.NEED, 2, arun, Limits(), "Arun needs legal", 90_000),
        d.Entry(3, d.OFFER, 2, chi, Limits("region", region="South East"), "Legal", 80_000),
        d.Entry(4, d.NEED, 1, chi, Limits(), "Chichester needs payroll", 120_000),
    ]
    found = d.swaps(entries, SERVICES)
    assert len(found) == 1
    s = found[0]
    assert set(s.listing_pks) == {1, 2, 3, 4}
    assert "Arun offers payroll, which Chichester needs" in s.explanation
    assert "Chichester offers legal services, which Arun needs" in s.explanation
    assert s.savings_a_offer.combined_gbp == 270_000
    assert s.savings_b_offer.combined_gbp == 170_000
    # Arun's offer reaches 10 km only: no swap.
    entries[0] = d.Entry(1, d.OFFER, 1, arun, Limits("radius", 10.0))
    assert d.swaps(entries, SERVICES) == []


def test_an_organisation_that_does_not_deliver_the_service_is_left_out() -> None:
    county = Body("E10000032", "West Sussex", "West Sussex", "upper", latitude=50.9, longitude=-0.4)
    needs = [d.Entry(i, d.NEED, 1, ws(g), Limits()) for i, g in enumerate(WEST_SUSSEX, 1)]
    found = d.consortia([*needs[:2], d.Entry(99, d.NEED, 1, county, Limits())], PAYROLL)
    assert found == []


# --- Properties ----------------------------------------------------------------------------

scopes = st.sampled_from(["any", "radius", "region", "named"])


@st.composite
def entries(draw: st.DrawFn) -> list[d.Entry]:
    n_orgs = draw(st.integers(2, 14))
    orgs = [
        body(
            f"E0700{i:04d}",
            f"Org {i}",
            draw(st.floats(50.5, 51.5)),
            draw(st.floats(-1.5, 0.5)),
            draw(st.sampled_from(["South East", "London"])),
        )
        for i in range(n_orgs)
    ]
    out = []
    for pk in range(1, draw(st.integers(2, 30)) + 1):
        org = draw(st.sampled_from(orgs))
        scope = draw(scopes)
        limits = Limits(
            scope,
            radius_km=draw(st.floats(5, 120)) if scope == "radius" else None,
            region=org.region if scope == "region" else "",
            named=frozenset(
                draw(st.lists(st.sampled_from([o.gss_code for o in orgs]), max_size=n_orgs))
            )
            if scope == "named"
            else frozenset(),
        )
        out.append(
            d.Entry(
                pk,
                draw(st.sampled_from([d.OFFER, d.NEED])),
                draw(st.sampled_from([1, 2])),
                org,
                limits,
                f"Listing {pk}",
                draw(st.one_of(st.none(), st.integers(1_000, 1_000_000))),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(entries(), st.randoms(use_true_random=False))
def test_consortia_are_cliques_deterministic_and_match_the_baseline(data, rnd) -> None:
    for service in (PAYROLL, LEGAL):
        found = d.consortia(data, service)
        shuffled = list(data)
        rnd.shuffle(shuffled)
        assert d.consortia(shuffled, service) == found
        assert d.consortia_naive(data, service) == found
        seen: set[int] = set()
        for c in found:
            assert d.MIN_MEMBERS <= len(c.members) <= d.MAX_MEMBERS
            assert len({m.org for m in c.members}) == len(c.members)
            for i, a in enumerate(c.members):
                assert a.kind == d.NEED and a.service_pk == service.pk
                assert a.pk not in seen
                seen.add(a.pk)
                for b in c.members[i + 1 :]:
                    km = d.distance_km(a.body, b.body)
                    assert d.mutually_accept(a, b, service, km)
            for offer in c.offers:
                for m in c.members:
                    km = d.distance_km(offer.entry.body, m.body)
                    assert d.accepts(offer.entry, m, km) and d.accepts(m, offer.entry, km)


@settings(max_examples=150, deadline=None)
@given(entries(), st.randoms(use_true_random=False))
def test_swaps_are_mutual_and_deterministic(data, rnd) -> None:
    found = d.swaps(data, SERVICES)
    shuffled = list(data)
    rnd.shuffle(shuffled)
    assert d.swaps(shuffled, SERVICES) == found
    assert len({s.key for s in found}) == len(found)
    for s in found:
        assert s.a_offer.org == s.a_need.org != s.b_offer.org == s.b_need.org
        assert s.a_offer.service_pk == s.b_need.service_pk != s.a_need.service_pk
        assert s.b_offer.service_pk == s.a_need.service_pk
        for offer, need in ((s.a_offer, s.b_need), (s.b_offer, s.a_need)):
            km = d.distance_km(offer.body, need.body)
            assert d.accepts(offer, need, km) and d.accepts(need, offer, km)
        touching = d.swaps(data, SERVICES, touching=s.a_offer.service_pk)
        assert s in touching


@settings(max_examples=150, deadline=None)
@given(entries(), st.data())
def test_withdrawing_a_listing_dissolves_what_depended_on_it(data, draw) -> None:
    gone = draw.draw(st.sampled_from(data))
    rest = [e for e in data if e.pk != gone.pk]
    for service in (PAYROLL, LEGAL):
        assert all(gone.pk not in {m.pk for m in c.members} for c in d.consortia(rest, service))
        assert all(
            gone.pk not in {o.entry.pk for o in c.offers} for c in d.consortia(rest, service)
        )
    after = d.swaps(rest, SERVICES)
    assert all(gone.pk not in s.listing_pks for s in after)
    # Swaps are independent of each other: those that did not rest on the withdrawn
    # listing's place (its organisation's oldest listing of that kind and service) stay.
    slot = (gone.org, gone.kind, gone.service_pk)
    for s in d.swaps(data, SERVICES):
        if all(
            (e.org, e.kind, e.service_pk) != slot
            for e in (s.a_offer, s.a_need, s.b_offer, s.b_need)
        ):
            assert s in after
