#!/usr/bin/env python
"""Benchmark consortium and swap detection, with a naive baseline in the same run.

    .venv/bin/python bench/bench_groups.py            # 50,000 listings, seed 17
    .venv/bin/python bench/bench_groups.py 20000 3    # listings, seed

The listings are SYNTHETIC in-memory records (groups.detection.Entry) of 10,000
synthetic organisations ("Synthetic body N", placed at random in Great Britain's
bounding box) and 80 synthetic services, fed straight to the pure detection
functions, as bench_matching.py's part 4 does: no database is read or written
(the real path adds one query per service and its organisations' listings, see
groups/selectors.py). Each organisation has five listings, a mix of offers and
needs, with limits drawn like real ones: any partner (40%), a distance of 20 to
100 km (30%), its region (20%) or named organisations (10%).

Measures, in one process:
 1. from scratch: every service's consortia (grid candidates) and every swap;
 2. the naive baseline: every service's consortia from a graph built by
    comparing every pair of NEEDs in the service (consortia_naive), checked to
    give the same consortia; and swaps by comparing every (offer, need) pair of
    listings within each service, checked to give the same swaps;
 3. one listing's incremental update (groups.incremental): an index per
    service and one of swaps built once; 200 random listings each withdrawn, then
    published again, each step timed (median and p95, by the size of the
    listing's service), checked to equal from scratch at the end; and the path
    groups.services takes after its reads: an index resumed from the groups
    stored before the change and the service's live listings, plus the swaps
    holding the listing's slots from the listings of the organisations near it.
Targets (issue 17): 1. under 10 s; 3. under 100 ms. Wall and CPU time printed:
the machine is shared.

Not a unit test: timings depend on the machine. Read them next to the baseline.
"""

from __future__ import annotations

import math
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")

from groups import detection as d  # noqa: E402
from groups import incremental as inc  # noqa: E402
from matching.scoring import UNITARY, Body, Limits, ServiceInfo  # noqa: E402

ORGS = 10_000
SERVICES = 80
PER_ORG = 5
REGIONS = ["North", "Midlands", "South", "Scotland", "Wales"]


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall ms, process CPU ms)."""
    cpu, start = time.process_time(), time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


def synthetic(n_listings: int, rng: random.Random) -> tuple[list[d.Entry], dict[int, ServiceInfo]]:
    services = {
        pk: ServiceInfo(
            pk, f"Synthetic service {pk}", pk % 8, f"Family {pk % 8}", frozenset({UNITARY})
        )
        for pk in range(1, SERVICES + 1)
    }
    n_orgs = max(2, n_listings // PER_ORG)
    bodies = []
    for i in range(n_orgs):
        lat, lon = rng.uniform(50.0, 58.5), rng.uniform(-5.5, 1.8)
        region = REGIONS[min(4, int((lat - 50.0) / 1.8))]
        bodies.append(
            Body(
                f"S{i:08d}",
                f"Synthetic body {i}",
                f"Synthetic {i}",
                UNITARY,
                region=region,
                latitude=lat,
                longitude=lon,
            )
        )
    # Popular services are listed more (weights fall with rank), as real ones are.
    weights = [1 / (k**0.7) for k in range(1, SERVICES + 1)]
    entries = []
    pk = 0
    for body in bodies:
        chosen: list[int] = []
        while len(chosen) < PER_ORG:  # five different services: exactly n listings
            pick = rng.choices(list(services), weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        for service_pk in chosen:
            pk += 1
            roll = rng.random()
            if roll < 0.4:
                limits = Limits()
            elif roll < 0.7:
                limits = Limits("radius", radius_km=float(rng.randint(20, 100)))
            elif roll < 0.9:
                limits = Limits("region", region=body.region)
            else:
                named = frozenset(b.gss_code for b in rng.sample(bodies, 6))
                limits = Limits("named", named=named)
            entries.append(
                d.Entry(
                    pk,
                    rng.choice([d.OFFER, d.NEED]),
                    service_pk,
                    body,
                    limits,
                    f"Synthetic listing {pk}",
                    float(rng.randint(50, 2000)) * 1000,
                )
            )
    return entries, services


def by_service(entries: list[d.Entry]) -> dict[int, list[d.Entry]]:
    out: dict[int, list[d.Entry]] = defaultdict(list)
    for e in entries:
        out[e.service_pk].append(e)
    return out


def from_scratch(entries: list[d.Entry], services: dict[int, ServiceInfo]) -> tuple[int, int]:
    grouped = by_service(entries)
    consortia = [c for pk, s in services.items() for c in d.consortia(grouped.get(pk, []), s)]
    swaps = d.swaps(entries, services)
    return len(consortia), len(swaps)


def naive_swaps(entries: list[d.Entry], services: dict[int, ServiceInfo]) -> set[str]:
    """Every (offer, need) pair of listings within each service compared; a pair
    of different organisations that each also list the reverse is a swap."""
    oldest: dict[tuple[str, str, int], d.Entry] = {}
    for e in entries:
        k = (e.org, e.kind, e.service_pk)
        if k not in oldest or e.pk < oldest[k].pk:
            oldest[k] = e
    grouped = by_service(list(oldest.values()))
    offers_of: dict[str, list[d.Entry]] = defaultdict(list)
    for (org, kind, _y), e in oldest.items():
        if kind == d.OFFER:
            offers_of[org].append(e)
    keys = set()
    for x, listed in grouped.items():
        offers = [e for e in listed if e.kind == d.OFFER]
        needs = [e for e in listed if e.kind == d.NEED]
        for o in offers:
            for n in needs:
                if o.org == n.org:
                    continue
                km = d.distance_km(o.body, n.body)
                if km is None or km > d.MAX_KM or not d._swap_ok(o, n, services[x], km):
                    continue
                # the reverse: n's organisation offers y, o's organisation needs y
                for back in offers_of[n.org]:
                    y = back.service_pk
                    need_y = oldest.get((o.org, d.NEED, y)) if y != x else None
                    if need_y is not None and d._swap_ok(back, need_y, services[y], km):
                        keys.add(d.swap_key(o.pk, need_y.pk, back.pk, n.pk))
    return keys


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 17
    rng = random.Random(seed)
    entries, services = synthetic(n, rng)
    print(
        f"groups detection benchmark: {len(entries):,} SYNTHETIC listings, "
        f"{len({e.org for e in entries}):,} synthetic organisations, {len(services)} services, "
        f"seed {seed}; Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared)"
    )

    (n_consortia, n_swaps), wall, cpu = timed(lambda: from_scratch(entries, services))
    print(
        f"1. from scratch (grid):        {wall / 1000:7.2f} s  (CPU {cpu / 1000:6.2f} s): "
        f"{n_consortia:,} consortia, {n_swaps:,} swaps"
    )

    grouped = by_service(entries)
    fast = {pk: d.consortia(grouped.get(pk, []), s) for pk, s in services.items()}
    naive, wall_c, cpu_c = timed(
        lambda: {pk: d.consortia_naive(grouped.get(pk, []), s) for pk, s in services.items()}
    )
    same_c = naive == fast
    swaps_fast = {s.key for s in d.swaps(entries, services)}
    naive_keys, wall_s, cpu_s = timed(lambda: naive_swaps(entries, services))
    print(
        f"2. naive baseline, consortia:  {wall_c / 1000:7.2f} s  (CPU {cpu_c / 1000:6.2f} s), "
        f"same consortia: {same_c}"
    )
    print(
        f"   naive baseline, swaps:      {wall_s / 1000:7.2f} s  (CPU {cpu_s / 1000:6.2f} s), "
        f"same swaps: {naive_keys == swaps_fast}"
    )

    # Incremental: an index per service (groups.incremental) and one of swaps, built
    # once; each sampled listing is withdrawn, then published again (the state is the
    # same after each pair), each step timed.
    (indexes, swap_index), wall_b, cpu_b = timed(
        lambda: (
            {pk: inc.ConsortiumIndex.build(grouped.get(pk, []), s) for pk, s in services.items()},
            inc.SwapIndex.build(entries, services),
        )
    )
    print(f"   incremental indexes built:  {wall_b / 1000:7.2f} s  (CPU {cpu_b / 1000:6.2f} s)")
    by_org: dict[str, list[d.Entry]] = defaultdict(list)
    for e in entries:
        by_org[e.org].append(e)
    withdraws, publishes, resumes = [], [], []
    evaluated = []
    sample = rng.sample(entries, 200)
    for gone in sample:
        index = indexes[gone.service_pk]
        size = len(grouped[gone.service_pk])

        def withdraw(gone: d.Entry = gone, index: inc.ConsortiumIndex = index) -> int:
            change = index.apply(removed=[gone.pk])
            swap_index.apply(removed=[gone.pk])
            return change.evaluated

        def publish(gone: d.Entry = gone, index: inc.ConsortiumIndex = index) -> int:
            change = index.apply(added=[gone])
            swap_index.apply(added=[gone])
            return change.evaluated

        before = index.groups()
        n_eval, wall, cpu = timed(withdraw)
        withdraws.append((wall, cpu, size))
        evaluated.append(n_eval)
        listed = [e for e in grouped[gone.service_pk] if e.pk != gone.pk]

        # What groups.services does after its reads: resume from the stored groups
        # and the service's live listings (neighbourhoods found lazily), then the
        # swaps holding the changed listing's slots, from the organisation's listings
        # and those of the partners near it.
        def resume(
            gone: d.Entry = gone, listed: list[d.Entry] = listed, before: Any = before
        ) -> int:
            _ix, change = inc.ConsortiumIndex.resume(
                listed, services[gone.service_pk], None, before, changed=[gone]
            )
            near = [
                e
                for e in listed
                if (km := d.distance_km(e.body, gone.body)) is not None and km <= d.MAX_KM
            ]
            partners = {e.org for e in near} | {gone.org}
            swaps = inc.SwapIndex(services)
            for e in (e for org in partners for e in by_org[org] if e.pk != gone.pk):
                swaps._put(e)
            for kind in (d.OFFER, d.NEED):
                swaps.slot_swaps((gone.org, kind, gone.service_pk))
            return change.evaluated

        _n, wall, cpu = timed(resume)
        resumes.append((wall, cpu, size))
        _n, wall, cpu = timed(publish)
        publishes.append((wall, cpu, size))
    same_after = (
        all(indexes[pk].consortia() == fast[pk] for pk in {e.service_pk for e in sample})
        and {s.key for s in swap_index.swaps()} == swaps_fast
    )
    print(
        f"   after {len(sample)} withdrawals and republications, indexes equal from scratch: "
        f"{same_after}; pairs re-evaluated per change: median "
        f"{statistics.median(evaluated):,.0f}, largest {max(evaluated):,}"
    )

    def line(label: str, rows: list[tuple[float, float, int]]) -> None:
        if not rows:
            return

        def p95(values: list[float]) -> float:
            values = sorted(values)
            return values[min(len(values) - 1, math.ceil(len(values) * 0.95) - 1)]

        walls, cpus = [w for w, _c, _n in rows], [c for _w, c, _n in rows]
        print(
            f"{label} median {statistics.median(walls):6.1f} ms  p95 {p95(walls):6.1f} ms  "
            f"(CPU median {statistics.median(cpus):6.1f}, p95 {p95(cpus):6.1f} ms; n={len(rows)})"
        )

    for label, rows in (
        ("3. withdraw (index in memory):", withdraws),
        ("   publish (index in memory): ", publishes),
        ("   resumed from stored groups:", resumes),
    ):
        line(label, rows)
        # The cost follows the neighbourhood, not the service: a real service has at
        # most one need and one offer per organisation (about 1,100 listings).
        line("     service of <= 1,100:     ", [r for r in rows if r[2] <= 1_100])
        line("     service of >  1,100:     ", [r for r in rows if r[2] > 1_100])
    sizes = sorted(len(v) for v in grouped.values())
    print(f"   listings per service: median {statistics.median(sizes):,.0f}, largest {sizes[-1]:,}")


if __name__ == "__main__":
    main()
