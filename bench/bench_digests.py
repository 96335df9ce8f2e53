"""Benchmark: one weekly digest run for 10,000 officers across all 382 councils, with
5,000 listings published in the period, on PostgreSQL + Redis + a real Celery
worker pool (prefork, concurrency 2) and an in-memory mail sink.

    .venv/bin/python bench/bench_digests.py [--users 10000] [--listings 5000]

Uses its own database (BENCH_DATABASE_URL, default postgres:///benchh, created
if missing) and Redis database (BENCH_REDIS_URL, default db 9). Prints total
run time, digests per second, SQL queries per batch at two batch sizes, peak
worker memory, and writes one rendered digest to var/bench/digest.html plus a
headless-Chromium screenshot of it (var/bench/digest.png).
"""

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

ROOT = Path(__file__).resolve().parents[1]
MONDAY = dt.date(2025, 3, 3)
BENCH_EMAIL = "bench-officer-{}@bench.example"


class SinkBackend(BaseEmailBackend):
    """A mail server in memory: builds each message's bytes (as SMTP would), keeps nothing."""

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            message.message().as_bytes()
        return len(email_messages)


def _env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "DJANGO_EMAIL_BACKEND": "bench.bench_digests.SinkBackend",
        "DIGEST_BATCH_SIZE": str(args.batch_size),
        "SITE_URL": "https://shared-services.example.gov.uk",
    }


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _load(users: int, listings: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from councils.models import Authority, Membership, User
    from digests.models import DigestRun
    from digests.services import digest_window_end
    from offers.models import Listing, Service

    call_command("migrate", verbosity=0)
    if not Authority.objects.exists():
        call_command("import_authorities", verbosity=0)
    DigestRun.objects.filter(period_start=MONDAY).delete()
    rng = random.Random(5)
    end = digest_window_end(period_start=MONDAY)
    # Councils only: public bodies (police, fire, parks) deliver none of the taxonomy.
    councils = list(Authority.objects.current().councils().order_by("gss_code"))
    services = list(Service.objects.all())
    by_tier = {
        tier: [s for s in services if tier in s.delivered_by_tiers]
        for tier in {c.tier for c in councils}
    }
    unusable = make_password(None)  # nobody signs in as a bench officer
    with transaction.atomic():
        Listing.objects.filter(title__startswith="[bench]").delete()
        User.objects.filter(email__startswith="bench-officer-").delete()
        made = User.objects.bulk_create(
            [
                User(email=BENCH_EMAIL.format(i), full_name=f"Officer {i}", password=unusable)
                for i in range(users)
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=u,
                    authority=councils[i % len(councils)],
                    status=Membership.Status.APPROVED,
                    method=Membership.Method.STAFF,
                )
                for i, u in enumerate(made)
            ],
            batch_size=2000,
        )

        def listing(council: Authority, published: dt.datetime, n: int) -> Listing:
            kind = rng.choice([Listing.Kind.OFFER, Listing.Kind.NEED])
            service = rng.choice(by_tier[council.tier])
            return Listing(
                kind=kind,
                authority=council,
                service=service,
                title=f"[bench] {council.short_name} {kind}s {service.name.lower()} #{n}",
                summary=f"{council.short_name} would {'deliver' if kind == 'offer' else 'share'} "
                f"{service.name.lower()} with a neighbouring council from next April.",
                contact_name="Bench",
                contact_email="bench@bench.example",
                status=Listing.Status.PUBLISHED,
                published_at=published,
                first_published_at=published,
                expires_at=published + dt.timedelta(days=182),
                delivery_model=Listing.DeliveryModel.LEAD_AUTHORITY,
            )

        # Each council's own older listings (they drive the default preferences)...
        older = [listing(c, end - dt.timedelta(days=40), k) for c in councils for k in range(2)]
        # ...and the new ones, published during the week before the run.
        new = [
            listing(rng.choice(councils), end - dt.timedelta(seconds=rng.randint(60, 7 * 86400)), k)
            for k in range(listings)
        ]
        Listing.objects.bulk_create(older + new, batch_size=1000)


def _rss_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(x) for x in text.split()]


def _run_worker_pool(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    import redis
    from django.db.models import Count, Q

    from digests.models import DigestDelivery, DigestRun
    from marketplace.celery import app

    redis.Redis.from_url(args.redis_url).flushdb()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(args.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            "bench-digests@%h",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # let the pool start before the clock does
        peak: dict[int, int] = {}
        app.conf.task_always_eager = False
        start = time.perf_counter()
        app.send_task("offers.tasks.digests_send_task", args=["weekly", MONDAY.isoformat()])
        while True:
            for pid in [worker.pid, *_children(worker.pid)]:
                peak[pid] = max(peak.get(pid, 0), _rss_kb(pid, "VmHWM"))
            run = DigestRun.objects.filter(period_start=MONDAY, frequency="weekly").first()
            if run is not None and run.due:
                done = DigestDelivery.objects.filter(run=run).aggregate(
                    finished=Count("pk", filter=Q(status__in=["sent", "skipped", "failed"])),
                    sent=Count("pk", filter=Q(status="sent")),
                    skipped=Count("pk", filter=Q(status="skipped")),
                    failed=Count("pk", filter=Q(status="failed")),
                )
                if done["finished"] >= run.due:
                    elapsed = time.perf_counter() - start
                    break
            if time.perf_counter() - start > 600:
                raise SystemExit("digest run did not finish within 10 minutes")
            time.sleep(0.1)
    finally:
        os.kill(worker.pid, signal.SIGTERM)  # warm shutdown: the pool finishes and exits
        worker.wait(timeout=60)
    return {"elapsed": elapsed, "due": run.due, "batches": run.batches, **done, "peak_kb": peak}


def _queries_per_batch(sizes: list[int]) -> list[tuple[int, int, int, float]]:
    """(batch size, queries, digests sent, seconds) for one batch of each size, in-process."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from digests.models import DigestRun
    from digests.selectors import digest_due_user_ids
    from digests.services import digest_batch_send, digest_run_start

    settings.EMAIL_BACKEND = "bench.bench_digests.SinkBackend"
    DigestRun.objects.filter(period_start=MONDAY).delete()
    run, _ = digest_run_start(frequency="weekly", period_start=MONDAY)
    ids = list(digest_due_user_ids(frequency="weekly"))
    digest_batch_send(run_id=run.pk, user_ids=ids[:50])  # warm the matching reference
    out = []
    offset = 50
    for size in sizes:
        batch = ids[offset : offset + size]
        offset += size
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            result = digest_batch_send(run_id=run.pk, user_ids=batch)
        out.append((size, len(ctx.captured_queries), result.sent, time.perf_counter() - start))
    return out


def _render_sample() -> Path:
    from councils.models import User
    from digests.models import DigestRun
    from digests.services import digest_preview_html

    run = DigestRun.objects.get(period_start=MONDAY, frequency="weekly")
    user = User.objects.filter(email=BENCH_EMAIL.format(7)).get()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "digest.html"
    path.write_text(digest_preview_html(user=user, run=run), encoding="utf-8")
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                ],
            )
            page = browser.new_page(viewport={"width": 700, "height": 900})
            page.goto(path.as_uri())
            page.screenshot(path=str(out / "digest.png"), full_page=True)
            browser.close()
    except Exception as exc:  # the figures still stand without the picture
        print(f"screenshot skipped: {exc}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--listings", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/benchh"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    )
    args = parser.parse_args()
    env = _env(args)
    # Imported here: the Celery worker imports this module too (its mail backend)
    # without bench/ on its path.
    from benchdb import ensure_database

    ensure_database(args.database_url)
    _setup_django(env)

    t = time.perf_counter()
    _load(args.users, args.listings)
    print(
        f"loaded {args.users:,} officers and {args.listings:,} new listings "
        f"in {time.perf_counter() - t:.1f} s"
    )

    r = _run_worker_pool(args, env)
    pool = {pid: kb for pid, kb in r["peak_kb"].items() if kb}
    print(
        f"\nWeekly digest run, {os.cpu_count()} cores shared, worker --concurrency "
        f"{args.concurrency}, batches of {args.batch_size}"
    )
    print(
        f"  due {r['due']:,} in {r['batches']} batches: sent {r['sent']:,}, "
        f"skipped {r['skipped']:,}, failed {r['failed']:,}"
    )
    print(f"  total run time {r['elapsed']:.1f} s (coordinator queued -> last row final)")
    print(f"  {r['sent'] / r['elapsed']:.0f} digests sent per second")
    print(
        "  peak RSS per worker process (VmHWM): "
        + ", ".join(f"{kb / 1024:.0f} MB" for kb in sorted(pool.values(), reverse=True))
    )

    print("\nSQL queries per batch (in-process, same run reset):")
    for size, queries, sent, secs in _queries_per_batch([250, 500]):
        print(
            f"  batch of {size}: {queries} queries = {queries - sent} fixed + {sent} "
            f"(one UPDATE per digest sent); {secs:.2f} s"
        )
    print(f"\nsample digest: {_render_sample()}")


if __name__ == "__main__":
    main()
