#!/usr/bin/env python
"""Benchmark the database path of one listing's change to the suggestions (issue 17).

    .venv/bin/python bench/bench_groups_db.py                 # 5,000 listings, database benchgroups
    .venv/bin/python bench/bench_groups_db.py --count 50000 --samples 40

Creates the database if it is missing, migrates it, imports the reference data
and generates SYNTHETIC listings (offers' generate_synthetic_listings: real
councils, services their tier delivers, Listing.is_synthetic=True) when it holds
fewer than --count. Then, in one process:
 1. the --services largest services' suggestions stored from scratch
    (groups_recompute without a listing), as the starting state;
 2. for --samples listings from those services: the listing
    withdrawn and groups_recompute(service, listing) run, as the receiver does in
    the withdrawing transaction (its reads, the incremental update, its writes),
    then published again and run again; and, as the baseline, the whole service
    recomputed (groups_recompute without a listing) after each;
 3. the share of that time spent reading the service's live listings (one
    query, two with named partners), the part that still grows with the service.
Wall and CPU time, median and p95, with the listings per service. Each step runs
in a transaction that is rolled back, so the stored state stays the start's.

Not a unit test: timings depend on the machine (the shared one: read CPU first).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/benchgroups")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")

from benchdb import ensure_database  # noqa: E402

ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from councils.models import Authority  # noqa: E402
from groups.models import Suggestion  # noqa: E402
from groups.selectors import live_entries  # noqa: E402
from groups.services import groups_recompute  # noqa: E402
from offers.models import Listing  # noqa: E402


class Rollback(Exception):
    pass


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, CPU ms) of fn run inside a transaction that is then rolled back."""
    cpu, start = time.process_time(), time.perf_counter()
    try:
        with transaction.atomic():
            fn()
            wall, used = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
            raise Rollback
    except Rollback:
        pass
    return wall, used


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(len(values) * 0.95) - 1)]


def line(label: str, rows: list[tuple[float, float]]) -> None:
    walls, cpus = [w for w, _c in rows], [c for _w, c in rows]
    print(
        f"{label} median {statistics.median(walls):7.1f} ms  p95 {p95(walls):7.1f} ms  "
        f"(CPU median {statistics.median(cpus):6.1f}, p95 {p95(cpus):6.1f} ms; n={len(rows)})"
    )


def prepare(count: int) -> None:
    call_command("migrate", verbosity=0)
    if not Authority.objects.filter(kind="fire").exists():
        call_command("import_authorities", verbosity=0)
    have = Listing.objects.filter(is_synthetic=True).count()
    if have < count:
        call_command("generate_synthetic_listings", count=count - have, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--services", type=int, default=3)
    args = parser.parse_args()
    prepare(args.count)
    live = Listing.objects.published().filter(is_synthetic=True)
    sizes = dict(live.values("service_id").annotate(n=Count("pk")).values_list("service_id", "n"))
    print(
        f"groups database benchmark: {sum(sizes.values()):,} live SYNTHETIC listings over "
        f"{len(sizes)} services (median {statistics.median(sizes.values()):,.0f} per service, "
        f"largest {max(sizes.values()):,}); {os.cpu_count()} CPUs (shared)"
    )
    # The generator gives each organisation dozens of listings (real ones list a
    # few), so swaps multiply: only the sampled services are stored from scratch.
    biggest = sorted(sizes, key=lambda pk: -sizes[pk])[: args.services]
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        for service_pk in biggest:
            groups_recompute(service_pk=service_pk, synthetic=True)
    print(
        f"1. the {len(biggest)} largest services from scratch: "
        f"{time.perf_counter() - started:7.1f} s (CPU {time.process_time() - cpu:6.1f} s): "
        f"{Suggestion.objects.filter(kind='consortium').count():,} consortia, "
        f"{Suggestion.objects.filter(kind='swap').count():,} swaps stored"
    )
    rng = random.Random(args.seed)
    pool = list(live.filter(service_id__in=biggest).values_list("pk", "service_id"))
    changes, wholes, reads = [], [], []
    for listing_pk, service_pk in rng.sample(pool, min(args.samples, len(pool))):

        def change(listing_pk: int = listing_pk, service_pk: int = service_pk) -> None:
            Listing.objects.filter(pk=listing_pk).update(status=Listing.Status.WITHDRAWN)
            groups_recompute(service_pk=service_pk, listing_pk=listing_pk, synthetic=True)

        def whole(listing_pk: int = listing_pk, service_pk: int = service_pk) -> None:
            Listing.objects.filter(pk=listing_pk).update(status=Listing.Status.WITHDRAWN)
            groups_recompute(service_pk=service_pk, synthetic=True)

        def read(service_pk: int = service_pk) -> None:
            live_entries(service_pks=[service_pk], synthetic=True)

        changes.append(timed(change))
        wholes.append(timed(whole))
        reads.append(timed(read))
    print(f"   (listings in those services: {[sizes[pk] for pk in biggest]})")
    line("2. one listing withdrawn, incremental:", changes)
    line("   baseline, whole service recomputed:", wholes)
    line("3. of which reading the service:     ", reads)


if __name__ == "__main__":
    main()
