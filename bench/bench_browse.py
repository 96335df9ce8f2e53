#!/usr/bin/env python
"""Benchmark /listings/ at national scale on PostgreSQL, served by gunicorn, measured by wrk.

    .venv/bin/python bench/bench_browse.py [--duration 20] [--workers 4] [--skip-load]

What it does, in one run (so every figure is compared with a baseline taken
on the same machine at the same moment):
 1. prepares the PostgreSQL database `benchf`: migrate, import_authorities,
    50,000 synthetic listings (generate_synthetic_listings), ANALYZE;
 2. counts SQL queries per page in-process (CaptureQueriesContext), for a
    page of 1 result's worth of data and for the full data set alike;
 3. serves the site with gunicorn under the production settings (DEBUG off,
    manifest static files, same middleware), plain HTTP on 127.0.0.1:8106;
 4. runs wrk from a second process (16 connections) against a trivial
    Django view on the same stack (the baseline), /listings/, a filtered text
    search and page 50;
 5. prints a table, checks the targets and writes bench/results/browse-<date>.txt.

Nothing here is a unit test: timings depend on the machine. Read the figures
next to the baseline, not on their own.
"""

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchdb import ensure_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
PORT = 8106  # the default; --port for another
DB_NAME = "benchf"  # the default; --db-name for another
LISTINGS = 50_000
TARGETS = [
    ("trivial view (baseline)", "/listings/bench/trivial/"),
    ("/listings/ unfiltered", "/listings/"),
    (
        "text search + family + distance",
        "/listings/?q=building+control&family=planning-and-building-control"
        "&near=E07000223&within=100",
    ),
    ("/listings/?page=50", "/listings/?page=50"),
]
# The cache-miss run: the filtered search's shape with a different service name,
# council and distance on every request (see miss_paths and wrk_rotate.lua).
MISS_LABEL = "text search + distance, all MISSES"
MISS_PATHS = 6000
P95_TARGET_MS = 100.0
THROUGHPUT_TARGET = 0.15


def bench_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings, plain HTTP, the trivial view switched on, the shared
    (Redis) cache that production uses for the results cache."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_BENCH_VIEWS": "true",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_LOG_LEVEL": "WARNING",
            "REDIS_URL": redis_url,
        }
    )
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print("wrk not found; installing the Debian package (apt-get install -y wrk)")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        path = shutil.which("wrk")
        if path:
            return path
    sys.exit("wrk is not installed. Install it (Debian/Ubuntu: sudo apt-get install wrk).")


def prepare(env: dict[str, str], *, skip_load: bool) -> None:
    manage = [PYTHON, "manage.py"]
    print("migrate, import_authorities, collectstatic …")
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "import_authorities", "-v0"], env)
    run([*manage, "collectstatic", "--noinput", "-v0"], env)
    count = (
        run(
            [
                *manage,
                "shell",
                "-c",
                "from offers.models import Listing;"
                "print(Listing.objects.filter(is_synthetic=True).count())",
            ],
            env,
        )
        .strip()
        .splitlines()[-1]
    )
    if skip_load and int(count) == LISTINGS:
        print(f"{count} synthetic listings already loaded")
    else:
        print(f"loading {LISTINGS:,} synthetic listings (found {count}) …")
        started = time.monotonic()
        run([*manage, "generate_synthetic_listings", "--delete"], env)
        run([*manage, "generate_synthetic_listings", "--count", str(LISTINGS), "--seed", "1"], env)
        print(f"  loaded in {time.monotonic() - started:.0f} s")
    run([*manage, "dbshell", "--", "-c", "VACUUM ANALYZE;"], env)


QUERY_COUNT_SCRIPT = """
import json
import django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
cache.clear()  # the bench's own cache database: start with no cached results
client.get("/listings/?kind=need&page=3")  # loads the councils and taxonomy
client.get("/listings/?q=warm")  # and the search synonyms, as a running site has them
out = {}
for path in %r:
    counts = []
    for _attempt in ("miss", "hit"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        counts.append(len(ctx.captured_queries))
    out[path] = [response.status_code, *counts]
cache.clear()
print("COUNTS " + json.dumps(out))
"""

MISS_PATHS_SCRIPT = """
import django, random
django.setup()
from urllib.parse import urlencode
from councils.models import Authority
from offers.models import Service
names = sorted(Service.objects.values_list("name", flat=True))
current = Authority.objects.current().exclude(latitude=None)
codes = sorted(current.values_list("gss_code", flat=True))
rng = random.Random(1)
seen = set()
while len(seen) < %d:
    seen.add((rng.choice(names), rng.choice(codes), rng.randrange(20, 301, 5)))
for name, code, km in sorted(seen, key=lambda _x: rng.random()):
    print("/listings/?" + urlencode({"q": name, "near": code, "within": km}))
"""


def query_counts(env: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """(status, queries on a cache miss, queries on a hit) per page, in-process."""
    import json

    paths = [path for _label, path in TARGETS]
    output = run([PYTHON, "-c", QUERY_COUNT_SCRIPT % (paths,)], env)
    line = next(x for x in output.splitlines() if x.startswith("COUNTS "))
    return {k: (v[0], v[1], v[2]) for k, v in json.loads(line[7:]).items()}


def miss_paths(env: dict[str, str]) -> Path:
    """MISS_PATHS distinct searches (service name, council, distance), one a line."""
    output = run([PYTHON, "-c", MISS_PATHS_SCRIPT % MISS_PATHS], env)
    paths = [x for x in output.splitlines() if x.startswith("/listings/?")]
    out = ROOT / "bench" / "results" / "miss-paths.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(paths) + "\n")
    return out


def start_server(env: dict[str, str], workers: int, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            GUNICORN,
            "marketplace.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def wrk(
    wrk_path: str,
    path: str,
    *,
    duration: int,
    connections: int,
    threads: int,
    rotate: Path | None = None,
    port: int = PORT,
) -> dict[str, float]:
    """One wrk run after a 3 s warm-up. With `rotate`, every request takes the next
    path from that file instead (the warm-up from the far half, so it warms nothing)."""
    url = f"http://{HOST}:{port}{path}"
    script = str(ROOT / "bench" / ("wrk_rotate.lua" if rotate else "wrk_report.lua"))
    base = [wrk_path, "-t", str(threads), "-c", str(connections), "--latency", "-s", script]
    env = dict(os.environ)
    env.update(
        {
            "BENCH_DIR": str(ROOT / "bench"),
            "BENCH_PATHS": str(rotate or ""),
            "BENCH_THREADS": str(threads),
            "BENCH_START": str(MISS_PATHS // 2),
        }
    )
    subprocess.run([*base, "-d", "3s", url], capture_output=True, check=True, env=env)  # warm-up
    env["BENCH_START"] = "0"
    output = subprocess.run(
        [*base, "-d", f"{duration}s", url], capture_output=True, text=True, check=True, env=env
    ).stdout
    line = next(x for x in output.splitlines() if x.startswith("BENCH "))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-name", default=DB_NAME, help="created if missing")
    parser.add_argument("--port", type=int, default=PORT, help="for gunicorn, on 127.0.0.1")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/12",
        help="a Redis database for the bench alone (it is cleared); '' for per-process memory",
    )
    parser.add_argument("--skip-load", action="store_true", help="reuse 50,000 listings if present")
    parser.add_argument(
        "--miss-paths",
        type=Path,
        help="the cache-miss run's searches, one path a line (default: drawn from this "
        "database); give both sides of a before/after comparison the same file, so "
        "they answer the same searches",
    )
    args = parser.parse_args()

    wrk_path = ensure_wrk()
    database_url = f"postgres://postgres@{args.db_host}:5432/{args.db_name}"
    ensure_database(database_url)
    env = bench_env(database_url, args.redis_url)
    prepare(env, skip_load=args.skip_load)
    counts = query_counts(env)
    rotate = args.miss_paths.resolve() if args.miss_paths else miss_paths(env)

    server = start_server(env, args.workers, args.port)
    results: dict[str, dict[str, float]] = {}
    runs: list[tuple[str, str, Path | None]] = [(label, path, None) for label, path in TARGETS]
    runs.append((MISS_LABEL, TARGETS[2][1], rotate))
    try:
        for label, path, paths_file in runs:
            print(f"wrk {args.connections} connections × {args.duration} s: {label}")
            results[label] = wrk(
                wrk_path,
                path,
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
                rotate=paths_file,
                port=args.port,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    baseline = results[TARGETS[0][0]]["rps"]
    miss = results[MISS_LABEL]
    repeats = max(0, int(miss["requests"]) - MISS_PATHS // 2)
    cores = os.cpu_count()
    lines = [
        f"Browse benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}",
        f"Machine: {platform.platform()}, {cores} CPU cores shared by gunicorn "
        f"({args.workers} sync workers), PostgreSQL, Redis, wrk ({args.threads} threads) and "
        "whatever else runs (other engineers' test suites): figures are noisy.",
        f"Data: {LISTINGS:,} synthetic published listings over 382 councils "
        f"(database {args.db_name}).",
        f"Load: wrk, {args.connections} connections, {args.duration} s per target "
        "after a 3 s warm-up.",
        f"Cache: rendered-page cache on ({args.redis_url or 'per-process memory'}, 60 s). "
        "The first four rows repeat one URL, so after the warm-up they are cache HITS. "
        f"The last row asks for a different search on every request ({MISS_PATHS // 2:,} "
        f"distinct URLs for the run, {repeats:,} requests over that): cache MISSES, "
        "the cost of a search nobody made in the last minute.",
        "SQL = queries per page in-process: on a cache miss / on a hit.",
        "",
        f"{'target':36} {'status':>6} {'SQL':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'req/s':>8} {'% trivial':>9} {'errors':>6}",
    ]
    for label, path, _paths_file in runs:
        r = results[label]
        status, on_miss, on_hit = counts[path]
        sql = f"{on_miss}/{on_hit}" if label != MISS_LABEL else f"{on_miss}"
        errors = int(r["errors"] + r["non2xx"])
        lines.append(
            f"{label:36} {status:>6} {sql:>5} {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{r['p99']:>8.1f} "
            f"{r['rps']:>8.1f} {100 * r['rps'] / baseline:>8.1f}% {errors:>6}"
        )
    search = results[TARGETS[2][0]]
    browse_counts = [n for _l, p in TARGETS[1:] for n in counts[p][1:]]
    checks = [
        (
            "queries per page constant (<= 8 on every page, hit or miss, whatever the rows)",
            max(browse_counts) <= 8,
            f"{browse_counts}",
        ),
        (
            f"p95 of the filtered text search < {P95_TARGET_MS:.0f} ms "
            f"at {args.connections} connections (cache hit)",
            search["p95"] < P95_TARGET_MS,
            f"{search['p95']:.1f} ms",
        ),
        (
            f"p95 of the filtered text search < {P95_TARGET_MS:.0f} ms "
            f"at {args.connections} connections (cache MISS, for information)",
            miss["p95"] < P95_TARGET_MS,
            f"{miss['p95']:.1f} ms",
        ),
    ]
    for label, _path, paths_file in runs[1:]:
        share = results[label]["rps"] / baseline
        checks.append(
            (
                f"throughput of {label} >= {THROUGHPUT_TARGET:.0%} of trivial"
                + (" (for information)" if paths_file else " (cache hit)"),
                share >= THROUGHPUT_TARGET,
                f"{share:.1%}",
            )
        )
    lines.append("")
    for text, ok, figure in checks:
        lines.append(f"[{'MET ' if ok else 'MISS'}] {text}: {figure}")
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    out = ROOT / "bench" / "results" / f"browse-{dt.date.today():%Y-%m-%d}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
