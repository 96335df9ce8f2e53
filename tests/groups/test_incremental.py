"""Incremental consortium and swap detection equals detection from scratch.

Hypothesis draws organisations packed close together (most pairs within reach, so
a change cascades through other groups), a pool of listings, which are live at the
start, and a sequence of publishes, withdrawals, expiries and edits (new limits or
value, the same listing id). After every step the kept index, an index resumed
from the previous step's groups (what groups.services does with the stored
suggestions) and the change each reports are checked against detection run from
scratch on the listings then live. Pure: no database.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groups import detection as d
from groups.incremental import ConsortiumIndex, StaleGroups, SwapIndex
from matching.scoring import LOWER, Body, Limits, ServiceInfo

PAYROLL = ServiceInfo(1, "Payroll", 10, "Corporate services", frozenset({LOWER}))
LEGAL = ServiceInfo(2, "Legal services", 10, "Corporate services", frozenset({LOWER}))
WASTE = ServiceInfo(3, "Waste collection", 11, "Environment", frozenset({LOWER}))
SERVICES = {1: PAYROLL, 2: LEGAL, 3: WASTE}


def _org(i: int, lat: float, lon: float, region: str) -> Body:
    name = f"Org {i}"
    return Body(f"E0700{i:04d}", name, name, LOWER, region=region, latitude=lat, longitude=lon)


@st.composite
def limits(draw: st.DrawFn, orgs: list[Body], home: Body) -> Limits:
    scope = draw(st.sampled_from(["any", "any", "radius", "radius", "region", "named"]))
    if scope == "radius":
        return Limits("radius", radius_km=float(draw(st.integers(10, 90))))
    if scope == "region":
        return Limits("region", region=home.region)
    if scope == "named":
        named = draw(st.lists(st.sampled_from([o.gss_code for o in orgs]), max_size=len(orgs)))
        return Limits("named", named=frozenset(named))
    return Limits()


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[d.Entry], list[tuple[str, d.Entry]]]:
    """Listings live at the start, then steps: ("publish" | "withdraw" | "expire" |
    "edit", listing). Listing ids grow as they would in the database."""
    n_orgs = draw(st.integers(3, 16))
    # About 40 km by 50 km: most pairs are within detection's 80 km.
    orgs = [
        _org(
            i,
            draw(st.floats(50.7, 51.1)),
            draw(st.floats(-1.0, -0.3)),
            draw(st.sampled_from(["South East", "South East", "London"])),
        )
        for i in range(n_orgs)
    ]

    def listing(pk: int) -> d.Entry:
        org = draw(st.sampled_from(orgs))
        return d.Entry(
            pk,
            draw(st.sampled_from([d.NEED, d.NEED, d.OFFER])),
            draw(st.sampled_from([1, 1, 1, 2, 3])),
            org,
            draw(limits(orgs, org)),
            f"Listing {pk}",
            draw(st.one_of(st.none(), st.integers(10_000, 900_000).map(float))),
        )

    start = [listing(pk) for pk in range(1, draw(st.integers(0, 30)) + 1)]
    live = {e.pk: e for e in start}
    gone: dict[int, d.Entry] = {}
    next_pk = len(start) + 1
    steps: list[tuple[str, d.Entry]] = []
    for _ in range(draw(st.integers(1, 25))):
        action = draw(st.sampled_from(["publish", "publish", "withdraw", "expire", "edit"]))
        if action in ("withdraw", "expire", "edit") and not live:
            action = "publish"
        if action == "publish":
            if gone and draw(st.booleans()):  # type: ignore[arg-type]  # renewed or republished
                e = gone.pop(draw(st.sampled_from(sorted(gone))))
            else:
                e = listing(next_pk)
                next_pk += 1
            live[e.pk] = e
        else:
            e = live[draw(st.sampled_from(sorted(live)))]
            if action == "edit":
                e = replace(
                    e,
                    limits=draw(limits(orgs, e.body)),
                    annual_value_gbp=draw(st.one_of(st.none(), st.just(123_000.0))),
                )
                live[e.pk] = e
            else:
                gone[e.pk] = live.pop(e.pk)
        steps.append((action, e))
    return start, steps


def _keyed(found: list) -> dict[str, object]:
    return {x.key: x for x in found}


@settings(max_examples=150, deadline=None)
@given(histories())
def test_incremental_consortia_equal_detection_from_scratch(history) -> None:
    start, steps = history
    live = {e.pk: e for e in start}
    indexes = {s.pk: ConsortiumIndex.build(start, s) for s in SERVICES.values()}
    for service in SERVICES.values():
        assert indexes[service.pk].consortia() == d.consortia(start, service)
    for action, e in steps:
        before = {pk: indexes[pk].groups() for pk in SERVICES}
        previous = {pk: _keyed(indexes[pk].consortia()) for pk in SERVICES}
        if action in ("publish", "edit"):
            live[e.pk] = e
            changes = {pk: ix.apply(added=[e]) for pk, ix in indexes.items()}
        else:
            del live[e.pk]
            changes = {pk: ix.apply(removed=[e.pk]) for pk, ix in indexes.items()}
        for service in SERVICES.values():
            scratch = d.consortia(live.values(), service)
            assert indexes[service.pk].consortia() == scratch, (action, e)
            # The change reported, applied to what was stored, is the new answer.
            change = changes[service.pk]
            stored = {k: v for k, v in previous[service.pk].items() if k not in change.removed}
            stored.update(_keyed(list(change.found)))
            assert stored == _keyed(scratch)
            # Resumed from the groups stored before, as groups.services does.
            resumed, change = ConsortiumIndex.resume(
                live.values(), service, None, before[service.pk], changed=[e]
            )
            assert resumed.consortia() == scratch
            stored = {k: v for k, v in previous[service.pk].items() if k not in change.removed}
            stored.update(_keyed(list(change.found)))
            assert stored == _keyed(scratch)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_incremental_swaps_equal_detection_from_scratch(history) -> None:
    start, steps = history
    live = {e.pk: e for e in start}
    index = SwapIndex.build(start, SERVICES)
    assert index.swaps() == d.swaps(start, SERVICES)
    for action, e in steps:
        previous = _keyed(index.swaps())
        if action in ("publish", "edit"):
            live[e.pk] = e
            change = index.apply(added=[e])
        else:
            del live[e.pk]
            change = index.apply(removed=[e.pk])
        scratch = d.swaps(live.values(), SERVICES)
        assert index.swaps() == scratch, (action, e)
        stored = {k: v for k, v in previous.items() if k not in change.removed}
        stored.update(_keyed(list(change.found)))
        assert stored == _keyed(scratch)


def _need(pk: int, org: Body, limits: Limits | None = None) -> d.Entry:
    return d.Entry(pk, d.NEED, 1, org, limits or Limits())


def test_a_new_need_that_takes_a_member_moves_the_cascade_to_the_next_group() -> None:
    """Five needs in a row 30 km apart, each accepting partners within 65 km: the
    greedy groups are {1,2,3} and, once 2 is taken by a closer pair, others. The
    replay re-evaluates only the pairs the change reaches and agrees with scratch."""
    orgs = [_org(i, 51.0, -1.0 + i * 0.2, "South East") for i in range(8)]
    entries = [_need(i + 1, orgs[i], Limits("radius", 65.0)) for i in range(7)]
    index = ConsortiumIndex.build(entries[:6], PAYROLL)
    assert index.consortia() == d.consortia(entries[:6], PAYROLL)
    change = index.apply(added=[entries[6]])
    assert index.consortia() == d.consortia(entries, PAYROLL)
    assert change.evaluated < len(entries) ** 2


def test_stored_groups_that_do_not_fit_the_listings_are_refused() -> None:
    orgs = [_org(i, 51.0, -1.0 + i * 0.05, "South East") for i in range(4)]
    entries = [_need(i + 1, orgs[i]) for i in range(3)]
    with pytest.raises(StaleGroups):
        ConsortiumIndex.resume(entries, PAYROLL, None, [(1, 2, 99)], changed=[])
    index, change = ConsortiumIndex.resume(entries, PAYROLL, None, [], changed=entries[:1])
    assert index.consortia() == d.consortia(entries, PAYROLL)
    assert [c.key for c in change.found] == ["consortium:1:1-2-3"]
