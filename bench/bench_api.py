#!/usr/bin/env python
"""Benchmark the open data API's list endpoints at 50,000 listings, on PostgreSQL under gunicorn.

    .venv/bin/python bench/bench_api.py [--duration 15] [--workers 4] [--skip-load]

One run, so every figure sits next to a baseline from the same machine and moment:
 1. prepares its own PostgreSQL database `benchapi` (created if missing): migrate,
    import_authorities, 50,000 synthetic listings, ANALYZE;
 2. counts SQL queries per page in-process, on a cache miss and on a hit, for a
    small and a large page of each endpoint (the counts must not grow with rows);
 3. serves the site with gunicorn under the production settings (the API's
    throttle raised so wrk measures the API, not the 429 page; the throttle
    still counts every request in Redis);
 4. runs wrk against the trivial view (baseline), /api/v1/organisations/,
    /api/v1/listings/ and filtered pages of both (repeated URLs: cache hits), a
    conditional GET answered 304, and listings pages that rotate over 2,000
    distinct URLs (cache misses, for information);
 5. prints a table, checks the targets (throughput of a cached page >= 25% of
    the trivial view; queries per page constant) and writes
    bench/results/api-<date>.txt.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_browse as browse

ROOT = browse.ROOT
PYTHON = browse.PYTHON
DB_NAME = "benchapi"
PORT = 8108  # this helper's port; bench_browse uses 8106
THROUGHPUT_TARGET = 0.25
TARGETS = [
    ("trivial view (baseline)", "/listings/bench/trivial/"),
    ("organisations, page 1", "/api/v1/organisations/"),
    ("organisations, South East, page 2", "/api/v1/organisations/?region=South+East&page=2"),
    ("listings, page 1", "/api/v1/listings/"),
    (
        "listings, offers + family + 100 km",
        "/api/v1/listings/?kind=offer&family=planning-and-building-control"
        "&near=E07000223&within=100",
    ),
    ("listings, page 200", "/api/v1/listings/?page=200"),
    ("/market/ (cached figures)", "/market/"),
]
NOT_MODIFIED_LABEL = "listings page 1, If-None-Match (304)"
MISS_LABEL = "listings, rotating pages, all MISSES"
MISS_PATHS = 2000
COUNT_PATHS = [
    "/api/v1/organisations/?page_size=5",
    "/api/v1/organisations/?page_size=200&include_abolished=true",
    "/api/v1/listings/?page_size=5",
    "/api/v1/listings/?page_size=200",
    "/api/v1/listings/?kind=offer&family=planning-and-building-control&near=E07000223&within=100",
]

QUERY_COUNT_SCRIPT = """
import json
import django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
cache.clear()
client.get("/api/v1/listings/?kind=need&page=3")  # loads the browse reference data
out = {}
for path in %r:
    counts = []
    for _attempt in ("miss", "hit"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        # The generations are read at most once a second (core.generations): left
        # out here so a page's own queries are compared, not the clock.
        own = [q for q in ctx.captured_queries if "core_cachegeneration" not in q["sql"]]
        counts.append(len(own))
    out[path] = [response.status_code, len(response.json().get("results", [])), *counts]
etag = client.get("/api/v1/listings/")["ETag"]
cache.clear()
print("COUNTS " + json.dumps(out))
print("ETAG " + etag)
"""


MARKET_SCRIPT = """
import json, time
import django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from api.market import _compute, market_figures
from django.urls import get_resolver
from offers.models import Listing
# A web process has imported the URLconf (every view module) before it serves a request;
# this script has not, and the figures' first reverse() would pay that import (~0.75 s)
# inside the first timing. Load it first, so the timings are of the figures alone.
get_resolver().url_patterns
timings = []
for _ in range(3):
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        _compute(staff=True)
        timings.append(time.perf_counter() - started)
cache.clear()
started = time.perf_counter(); market_figures(staff=False); miss = time.perf_counter() - started
started = time.perf_counter(); market_figures(staff=False); hit = time.perf_counter() - started
live = Listing.objects.published().count()
print("MARKET " + json.dumps({"scratch": timings, "queries": len(ctx.captured_queries),
      "miss": miss, "hit": hit, "listings": live}))
"""


def market_timing(env: dict[str, str]) -> dict[str, Any]:
    output = browse.run([PYTHON, "-c", MARKET_SCRIPT], env)
    line = next(x for x in output.splitlines() if x.startswith("MARKET "))
    return dict(json.loads(line[7:]))


def ensure_database(host: str) -> None:
    exists = browse.run(
        [
            "psql",
            "-h",
            host,
            "-U",
            "postgres",
            "-tAc",
            "SELECT 1 FROM pg_database WHERE datname = 'benchapi'",  # DB_NAME
        ],
        dict(os.environ),
    ).strip()
    if exists != "1":
        subprocess.run(["createdb", "-h", host, "-U", "postgres", DB_NAME], check=True)


def query_counts(env: dict[str, str]) -> tuple[dict[str, list[int]], str]:
    output = browse.run([PYTHON, "-c", QUERY_COUNT_SCRIPT % (COUNT_PATHS,)], env)
    counts = next(x for x in output.splitlines() if x.startswith("COUNTS "))
    etag = next(x for x in output.splitlines() if x.startswith("ETAG "))
    return json.loads(counts[7:]), etag[5:]


def miss_paths() -> Path:
    """Listings pages 1-1000 at two page sizes: each a URL nobody asked for yet."""
    paths = [f"/api/v1/listings/?page={n}&page_size={s}" for s in (25, 50) for n in range(1, 1001)]
    out = ROOT / "bench" / "results" / "api-miss-paths.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(paths[:MISS_PATHS]) + "\n")
    return out


def wrk_with_header(
    wrk_path: str,
    path: str,
    header: str,
    *,
    duration: int,
    connections: int,
    threads: int,
    port: int = PORT,
) -> dict[str, float]:
    """A wrk run that sends one extra header on every request (the conditional GET)."""
    import re

    url = f"http://{browse.HOST}:{PORT}{path}"
    script = str(ROOT / "bench" / "wrk_report.lua")
    base = [
        wrk_path,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "--latency",
        "-s",
        script,
        "-H",
        header,
    ]
    env = dict(os.environ, BENCH_DIR=str(ROOT / "bench"))
    subprocess.run([*base, "-d", "3s", url], capture_output=True, check=True, env=env)
    output = subprocess.run(
        [*base, "-d", f"{duration}s", url], capture_output=True, text=True, check=True, env=env
    ).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/8",
        help="a Redis database for the bench alone (it is cleared)",
    )
    parser.add_argument("--skip-load", action="store_true", help="reuse 50,000 listings if present")
    args = parser.parse_args()

    wrk_path = browse.ensure_wrk()
    ensure_database(args.db_host)
    env = browse.bench_env(f"postgres://postgres@{args.db_host}:5432/{DB_NAME}", args.redis_url)
    env["DJANGO_API_THROTTLE_RATE"] = "100000000/min"
    browse.prepare(env, skip_load=args.skip_load)
    browse.run([PYTHON, "manage.py", "seed_arrangements"], env)
    counts, etag = query_counts(env)
    market = market_timing(env)
    rotate = miss_paths()

    server = browse.start_server(env, args.workers, PORT)
    results: dict[str, dict[str, float]] = {}
    common = {
        "duration": args.duration,
        "connections": args.connections,
        "threads": args.threads,
        "port": PORT,
    }
    try:
        for label, path in TARGETS:
            print(f"wrk {args.connections} connections × {args.duration} s: {label}")
            results[label] = browse.wrk(wrk_path, path, **common)
        print(f"wrk: {NOT_MODIFIED_LABEL}")
        results[NOT_MODIFIED_LABEL] = wrk_with_header(
            wrk_path, "/api/v1/listings/", f"If-None-Match: {etag}", **common
        )
        print(f"wrk: {MISS_LABEL}")
        browse.MISS_PATHS = MISS_PATHS
        results[MISS_LABEL] = browse.wrk(wrk_path, TARGETS[3][1], rotate=rotate, **common)
    finally:
        server.terminate()
        server.wait(timeout=30)

    baseline = results[TARGETS[0][0]]["rps"]
    lines = [
        f"API benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPU cores shared by gunicorn "
        f"({args.workers} sync workers), PostgreSQL, Redis, wrk ({args.threads} threads) and "
        "whatever else runs (other engineers' test suites): figures are noisy.",
        f"Data: {browse.LISTINGS:,} synthetic published listings over 382 councils "
        f"(database {DB_NAME}).",
        f"Load: wrk, {args.connections} connections, {args.duration} s per target after a "
        "3 s warm-up. Repeated URLs are cache hits after the warm-up (API_CACHE_SECONDS=60); "
        f"the last row rotates over {MISS_PATHS:,} distinct pages (misses).",
        "",
        f"{'target':40} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} "
        f"{'% trivial':>9} {'errors':>6}",
    ]
    for label, r in results.items():
        errors = int(r["errors"] + r["non2xx"]) if label != NOT_MODIFIED_LABEL else int(r["errors"])
        lines.append(
            f"{label:40} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['rps']:>8.1f} "
            f"{100 * r['rps'] / baseline:>8.1f}% {errors:>6}"
        )
    lines += [
        "",
        "SQL queries per page, in-process (status, rows, on a miss, on a hit), not counting",
        "the generations' read (one query at most once a second per process):",
    ]
    for path, (status, rows, miss, hit) in counts.items():
        lines.append(f"  {path:95} {status} {rows:>4} rows  {miss} / {hit}")
    org = [c for p, c in counts.items() if "organisations" in p]
    lst = [c for p, c in counts.items() if "listings" in p and "near" not in p]
    checks = [
        (
            "queries per page constant (5 and 200 rows: same count; 0 on a hit)",
            len({c[2] for c in org}) == 1
            and len({c[2] for c in lst}) == 1
            and all(c[3] == 0 for c in counts.values()),
            f"organisations {[c[2] for c in org]}, listings {[c[2] for c in lst]}",
        )
    ]
    for label, _path in TARGETS[1:]:
        share = results[label]["rps"] / baseline
        checks.append(
            (
                f"throughput of {label} >= {THROUGHPUT_TARGET:.0%} of trivial (cached page)",
                share >= THROUGHPUT_TARGET,
                f"{share:.1%}",
            )
        )
    worst = max(market["scratch"])
    lines += [
        "",
        f"/market/ figures from scratch, in-process, {int(market['listings']):,} published "
        f"listings: {', '.join(f'{t * 1000:.0f} ms' for t in market['scratch'])} "
        f"({int(market['queries'])} queries); through the cache: miss "
        f"{market['miss'] * 1000:.0f} ms, hit {market['hit'] * 1000:.1f} ms.",
    ]
    checks.append(("/market/ computed from scratch in under 1 s", worst < 1.0, f"{worst:.2f} s"))
    lines.append("")
    for text, ok, figure in checks:
        lines.append(f"[{'MET ' if ok else 'MISS'}] {text}: {figure}")
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    out = ROOT / "bench" / "results" / f"api-{dt.date.today():%Y-%m-%d}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
