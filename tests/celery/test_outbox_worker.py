"""The email outbox through a real Redis broker and a real Celery worker process,
killed with SIGKILL while it sends (tests/celery/test_digest_worker.py has the
worker harness; the mail sink records each accepted message's X-Outbox-Key)."""

import time
from collections import Counter
from pathlib import Path

import pytest
from kombu import Exchange, Queue

from core.models import OutboxMessage
from marketplace.celery import app
from tests.celery.backends import recorded
from tests.celery.test_digest_worker import Worker, _start_worker, _wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

CLAIM_TIMEOUT = 2  # seconds: tests/celery/worker_settings.py (DIGEST_TEST_CLAIM_TIMEOUT)


def _rows(n: int) -> list[OutboxMessage]:
    """Messages whose decisions have committed (as the services write them)."""
    return [
        OutboxMessage.objects.create(
            kind="test",
            key=f"test:kill:{i}",
            to=[f"owner{i}@example.org"],
            subject=f"Message {i}",
            body="Hello",
        )
        for i in range(n)
    ]


def _send(redis_url: str, queue: str, task: str, args: list[object]) -> None:
    q = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)
    with app.connection_for_write(redis_url) as conn:
        q(conn.default_channel).declare()
        app.send_task(task, args=args, connection=conn, queue=q)  # type: ignore[arg-type]


def test_killed_worker_then_relay_delivers_every_message_exactly_once_but_the_window(
    redis_url: str,
    queue: str,
    workers: list[Worker],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    n = 80
    rows = _rows(n)
    sink = tmp_path / "sent.txt"
    # Half the time in the mail server before it accepts, half after: a kill
    # lands in the named window (accepted, not yet marked sent) about half the time.
    monkeypatch.setenv("DIGEST_TEST_DELAY_AFTER", "0.03")
    first = _start_worker(workers, redis_url=redis_url, queue=queue, sink=sink, delay=0.03)
    monkeypatch.delenv("DIGEST_TEST_DELAY_AFTER")
    for row in rows:
        _send(redis_url, queue, "core.tasks.outbox_send_task", [row.pk])
    _wait_for(lambda: len(recorded(sink)) >= 15, timeout=60, what="sending to be under way")
    first.kill()

    accepted_at_kill = Counter(recorded(sink))
    sent_at_kill = set(OutboxMessage.objects.filter(status="sent").values_list("key", flat=True))
    # THE NAMED WINDOW: accepted by the mail server, row not yet marked sent.
    in_window = set(accepted_at_kill) - sent_at_kill
    assert len(accepted_at_kill) < n, "the kill came after every message went; slow the sink"
    assert len(in_window) <= 2, "at most one message in flight per pool process"
    assert max(accepted_at_kill.values()) == 1

    # A new worker; the killed one's tasks are not redelivered for an hour
    # (visibility_timeout), so the relay is what brings the claimed rows back.
    restarted = time.monotonic()
    _start_worker(workers, redis_url=redis_url, queue=queue, sink=sink, delay=0.0)
    deadline = time.monotonic() + 60
    while OutboxMessage.objects.exclude(status="sent").exists():
        assert time.monotonic() < deadline, "messages left unsent after the relay"
        _send(redis_url, queue, "core.tasks.outbox_relay_task", [])
        time.sleep(0.5)
    took = time.monotonic() - restarted
    time.sleep(1.0)  # anything still queued lands now, and must send nothing

    counts = Counter(recorded(sink))
    print(  # the figures for the record (pytest -s)
        f"outbox kill drill: {len(accepted_at_kill)} of {n} accepted at the kill, "
        f"{len(in_window)} in the window, {sum(c == 2 for c in counts.values())} sent twice, "
        f"all sent {took:.1f} s after the restart"
    )
    assert set(counts) == {row.key for row in rows}  # nothing lost
    twice = {key for key, c in counts.items() if c == 2}
    assert twice == in_window  # exactly the named window is sent twice...
    assert all(c == 1 for key, c in counts.items() if key not in in_window)  # ...all else once
    assert max(counts.values()) <= 2
    # Redelivery is bounded by the claim timeout (plus worker start-up), not the hour.
    assert took < CLAIM_TIMEOUT + 30
