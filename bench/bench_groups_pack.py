#!/usr/bin/env python
"""Benchmark the business-case pack for a two-organisation case (issue 17: < 5 s).

    .venv/bin/python bench/bench_groups_pack.py          # database benchpack, created if missing
    .venv/bin/python bench/bench_groups_pack.py --runs 20

Creates the database if it is missing, migrates it and imports the reference data.
Shortlists Chichester for Arun's payroll (real councils, real spend rows) and
measures, in one process, RUNS times each:
 0. baseline: ranking the same (organisation, service) through the selector
    (matching.selectors.partner_ranking), which is what Find a partner already
    does per page view and which the pack reruns to explain the match;
 1. gathering the pack's content (groups.shortlist_selectors.pack_content: the
    ranking, spend rows, savings assumption and evidence);
 2. rendering the ODT (odfpy) and 3. the PDF (fpdf2) from that content;
 4. the whole build as the Celery task runs it (pack_request + pack_build:
    status changes, rendering and storing both files in PostgreSQL).
Wall time and CPU time, median and max; the target applies to 4.

Not a unit test: timings depend on the machine. Read them next to the baseline.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/benchpack")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")

from benchdb import ensure_database  # noqa: E402

ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from councils.models import Authority  # noqa: E402
from groups import document  # noqa: E402
from groups.models_shortlist import BusinessCasePack, ShortlistEntry  # noqa: E402
from groups.shortlist_selectors import pack_content  # noqa: E402
from groups.shortlist_services import pack_build  # noqa: E402
from matching.selectors import partner_ranking  # noqa: E402
from offers.models import Service  # noqa: E402

ARUN, CHICHESTER = "E07000224", "E07000225"
TARGET_S = 5.0


def prepare() -> ShortlistEntry:
    call_command("migrate", verbosity=0)
    if not Authority.objects.filter(kind="fire").exists():
        call_command("import_authorities", verbosity=0)
    entry, _ = ShortlistEntry.objects.get_or_create(
        authority=Authority.objects.get(gss_code=ARUN),
        service=Service.objects.get(slug="payroll"),
        candidate=Authority.objects.get(gss_code=CHICHESTER),
    )
    return ShortlistEntry.objects.select_related("authority", "candidate", "service__family").get(
        pk=entry.pk
    )


def measure(runs: int, fn: Callable[[], object]) -> tuple[list[float], list[float]]:
    fn()  # warm: imports, the reference snapshot, font metrics
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return walls, cpus


def full_build(entry: ShortlistEntry) -> None:
    pack = BusinessCasePack.objects.create(entry=entry, authority_id=entry.authority_id)
    assert pack_build(pack_id=pack.pk) == BusinessCasePack.Status.READY


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    entry = prepare()
    content = pack_content(entry=entry)
    odt, pdf = document.render_both(content)
    rows = [
        (
            "0. baseline: partner_ranking (Find a partner)",
            lambda: partner_ranking(
                authority=entry.authority, service=entry.service, include_signed_in=True
            ),
        ),
        ("1. pack content (selectors)", lambda: pack_content(entry=entry)),
        ("2. render ODT (odfpy)", lambda: document.render_odt(content)),
        ("3. render PDF (fpdf2)", lambda: document.render_pdf(content)),
        ("4. whole build (task's service, stored)", lambda: full_build(entry)),
    ]
    print(
        f"Pack: {content.title}; {len(content.spend)} spend rows, "
        f"{len(content.evidence)} evidence rows; ODT {len(odt):,} B, PDF {len(pdf):,} B"
    )
    print(f"{args.runs} runs each, after one warm-up\n")
    print(f"{'step':45} {'wall median':>12} {'wall max':>10} {'CPU median':>11}")
    results = {}
    for name, fn in rows:
        walls, cpus = measure(args.runs, fn)
        results[name] = max(walls)
        print(
            f"{name:45} {statistics.median(walls) * 1000:10.1f}ms "
            f"{max(walls) * 1000:8.1f}ms {statistics.median(cpus) * 1000:9.1f}ms"
        )
    BusinessCasePack.objects.filter(entry=entry).delete()
    worst = results[rows[-1][0]]
    verdict = "met" if worst < TARGET_S else "MISSED"
    print(
        f"\nTarget: a two-organisation pack built in under {TARGET_S:g} s "
        f"(slowest run {worst:.2f} s): {verdict}"
    )


if __name__ == "__main__":
    main()
