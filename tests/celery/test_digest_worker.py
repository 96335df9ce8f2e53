"""Digests through a real Redis broker and a real Celery worker process.

The worker is `celery worker` in a subprocess (prefork, two children) with
tests/celery/worker_settings.py: the same test database (the pytest-django
test database, reached because these tests are transactional), the test's own
queue, and a mail backend that records every accepted message to a file.

REDIS_URL comes from the environment (CI sets it); without it the tests use
redis://127.0.0.1:6379/15 and fail, never skip, if Redis is not there.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from councils.models import Authority, User
from digests.models import DigestDelivery, DigestRun
from marketplace.celery import app
from offers.models import Listing, Service
from tests.celery.backends import recorded
from tests.factories import officer_of
from tests.offers.factories import ADUR, ARUN, make_listing

pytestmark = [
    pytest.mark.celery_worker,
    # The test process queues with send_task although its own settings are eager.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

MONDAY = dt.date(2025, 3, 3)
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"The Celery worker tests need Redis at {url} (set REDIS_URL): {exc}")
    return url


def _database_url() -> str:
    """The test database, as the worker process must open it."""
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    def __init__(self, *, redis_url: str, queue: str, sink: Path, delay: float) -> None:
        # Not an xdist worker itself: without PYTEST_XDIST_WORKER its settings take
        # `redis_url` (already this xdist worker's database) as it is.
        environ = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
        self.env = {
            **environ,
            "DJANGO_SETTINGS_MODULE": "tests.celery.worker_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DIGEST_TEST_QUEUE": queue,
            "DIGEST_TEST_SINK": str(sink),
            "DIGEST_TEST_DELAY": str(delay),
            "DIGEST_TEST_BATCH_SIZE": "10",
            "DIGEST_TEST_CLAIM_TIMEOUT": "2",
        }
        self.queue = queue
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "-Q",
                self.queue,
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            # Its own process group, so SIGKILL takes the pool children too,
            # as when a machine dies.
            start_new_session=True,
        )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    name = f"digest-test-{uuid.uuid4().hex[:10]}"
    yield name
    redis.Redis.from_url(redis_url).delete(name)


@pytest.fixture
def workers(transactional_db: None, redis_url: str, queue: str) -> Iterator[list[Worker]]:
    """Workers started by the test, stopped after it. Transactional: the worker
    process must see the rows the test commits."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def _start_worker(
    workers: list[Worker], *, redis_url: str, queue: str, sink: Path, delay: float
) -> Worker:
    worker = Worker(redis_url=redis_url, queue=queue, sink=sink, delay=delay)
    worker.start()
    workers.append(worker)
    return worker


def _send_coordinator(redis_url: str, queue: str) -> None:
    """Queue digests_send_task for MONDAY's weekly period, as beat would."""
    q = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)
    with app.connection_for_write(redis_url) as conn:
        q(conn.default_channel).declare()
        app.send_task(
            "offers.tasks.digests_send_task",
            args=["weekly", MONDAY.isoformat()],
            connection=conn,
            queue=q,  # type: ignore[arg-type]  # celery accepts a kombu Queue here
        )


def _wait_for(check: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")


def _make_due_officers(n: int) -> tuple[list[User], DigestRun | None]:
    officers = [officer_of(ADUR) for _ in range(n)]
    legal = Service.objects.get(slug="legal-services")
    from digests.services import digest_window_end

    end = digest_window_end(period_start=MONDAY)
    make_listing(
        kind=Listing.Kind.NEED,
        authority=Authority.objects.get(gss_code=ADUR),
        service=legal,
        status=Listing.Status.PUBLISHED,
        published_at=end - dt.timedelta(days=40),
    )
    make_listing(
        kind=Listing.Kind.OFFER,
        authority=Authority.objects.get(gss_code=ARUN),
        service=legal,
        status=Listing.Status.PUBLISHED,
        published_at=end - dt.timedelta(days=2),
        title="Arun offers legal services",
    )
    return officers, None


def _keys(officers: list[User]) -> set[int]:
    return {o.pk for o in officers}


def test_worker_sends_each_due_digest_once_and_a_rerun_sends_nothing(
    redis_url: str, queue: str, workers: list[Worker], tmp_path: Path
) -> None:
    officers, _ = _make_due_officers(25)
    sink = tmp_path / "sent.txt"
    _start_worker(workers, redis_url=redis_url, queue=queue, sink=sink, delay=0.0)

    _send_coordinator(redis_url, queue)
    _wait_for(
        lambda: DigestDelivery.objects.filter(status="sent").count() == 25,
        timeout=60,
        what="25 digests sent by the worker",
    )
    _send_coordinator(redis_url, queue)  # the same period again
    time.sleep(1.5)

    lines = recorded(sink)
    run = DigestRun.objects.get()
    assert Counter(lines) == Counter(f"{run.pk}:{pk}" for pk in _keys(officers))
    assert DigestDelivery.objects.filter(run=run).count() == 25


def test_killed_worker_then_rerun_delivers_every_digest_exactly_once(
    redis_url: str, queue: str, workers: list[Worker], tmp_path: Path
) -> None:
    n = 120
    officers, _ = _make_due_officers(n)
    sink = tmp_path / "sent.txt"
    first = _start_worker(workers, redis_url=redis_url, queue=queue, sink=sink, delay=0.03)

    _send_coordinator(redis_url, queue)
    _wait_for(lambda: len(recorded(sink)) >= 30, timeout=60, what="the run to be under way")
    first.kill()

    # The state the kill left: what the mail server accepted, and which rows say so.
    accepted_at_kill = Counter(recorded(sink))
    run = DigestRun.objects.get()
    sent_at_kill = set(
        DigestDelivery.objects.filter(run=run, status="sent").values_list("user_id", flat=True)
    )
    # THE NAMED WINDOW: accepted by the mail server, row not yet committed as sent.
    in_window = {int(key.split(":")[1]) for key in accepted_at_kill} - sent_at_kill
    assert len(accepted_at_kill) < n, "the kill came after the run finished; slow the sink"
    assert len(in_window) <= 2, "at most one message in flight per pool process"
    assert max(accepted_at_kill.values()) == 1

    _start_worker(workers, redis_url=redis_url, queue=queue, sink=sink, delay=0.0)
    _send_coordinator(redis_url, queue)
    _wait_for(
        lambda: DigestDelivery.objects.filter(run=run, status="sent").count() == n,
        timeout=90,
        what=f"all {n} digests sent after the restart",
    )
    time.sleep(1.0)  # anything still queued (the killed worker's batches) lands now

    counts = Counter(int(key.split(":")[1]) for key in recorded(sink))
    assert set(counts) == _keys(officers)  # nobody missed
    twice = {pk for pk, c in counts.items() if c == 2}
    assert twice == in_window  # only the named window is sent twice...
    assert all(c == 1 for pk, c in counts.items() if pk not in in_window)  # ...all else once
    assert max(counts.values()) <= 2
    assert DigestDelivery.objects.filter(run=run).count() == n
