"""core.cache.FallbackRedisCache against real failures: a refused port, a server
that never answers, and a proxy to the suite's real Redis switched on mid-test."""

import logging
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings as django_settings

from core.cache import FallbackRedisCache
from tests import outages

pytestmark = pytest.mark.django_db

# The suite's Redis (CI sets REDIS_URL), as for the Celery tests: fail, never skip.
REAL_REDIS = django_settings.REDIS_URL or "redis://127.0.0.1:6379/15"


def _cache(url: str, **params: object) -> FallbackRedisCache:
    return FallbackRedisCache(url, {"KEY_PREFIX": "fallback-test", **params})


@pytest.fixture
def returning_redis() -> Iterator[tuple[FallbackRedisCache, redis.Redis, outages.Proxy]]:
    """A cache whose Redis is down until the test starts the proxy to the real one."""
    real = urlsplit(REAL_REDIS)
    proxy = outages.Proxy(outages.unused_port(), (real.hostname or "127.0.0.1", real.port or 6379))
    cache = _cache(f"redis://127.0.0.1:{proxy.port}{real.path}", FALLBACK_RETRY_SECONDS=0)
    client = redis.Redis.from_url(REAL_REDIS)
    yield cache, client, proxy
    proxy.stop()
    for key in client.keys("fallback-test:*"):
        client.delete(key)


def test_every_operation_works_on_the_database_while_redis_refuses():
    cache = _cache(f"redis://127.0.0.1:{outages.unused_port()}/0")

    assert cache.add("n", 0, timeout=60) is True
    assert cache.add("n", 5, timeout=60) is False
    assert cache.incr("n") == 1
    assert cache.incr("n", 4) == 5
    cache.set_many({"a": "x", "b": [1.5, 2.5]}, timeout=60)
    assert cache.get_many(["n", "a", "b", "missing"]) == {"n": 5, "a": "x", "b": [1.5, 2.5]}
    assert cache.has_key("a") and not cache.has_key("missing")
    cache.delete_many(["a", "b"])
    assert cache.get("a", "gone") == "gone"
    with pytest.raises(ValueError):
        cache.incr("missing")


def test_a_counter_in_the_database_keeps_its_window():
    """Django's database incr rewrites the entry with the default timeout (300 s); ours
    keeps the one the window set, so a one-minute limit stays one minute."""
    cache = _cache(f"redis://127.0.0.1:{outages.unused_port()}/0")
    cache.add("window", 0, timeout=60)

    cache.incr("window")

    [(value, left)] = cache.fallback.entries([cache.make_key("window")], max_chars=100).values()
    assert value == 1
    assert 55 <= (left or 0) <= 60


def test_a_hung_redis_costs_one_timeout_per_retry_period_not_one_per_call():
    with outages.silent_server() as port:
        cache = _cache(f"redis://127.0.0.1:{port}/0", FALLBACK_RETRY_SECONDS=60)
        started = time.monotonic()
        cache.set("k", "v", timeout=60)
        first = time.monotonic() - started

        started = time.monotonic()
        for _ in range(50):
            assert cache.get("k") == "v"
        rest = time.monotonic() - started

    assert first < 3  # half-second socket timeouts, one retry
    assert rest < 1  # Redis is not tried again within the retry period


def test_an_outage_is_logged_once(caplog):
    cache = _cache(f"redis://127.0.0.1:{outages.unused_port()}/0", FALLBACK_RETRY_SECONDS=0)

    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(5):
            cache.get("k")

    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1


def test_what_changed_during_the_outage_is_in_redis_when_it_returns(returning_redis):
    cache, client, proxy = returning_redis
    # What Redis held before it went away:
    client.set("fallback-test:1:version", 100)
    client.set("fallback-test:1:page", b"stale page")

    cache.set("version", 200, timeout=None)  # Redis is down: all in the database
    cache.incr("version")
    cache.add("attempts", 0, timeout=300)
    cache.incr("attempts", 3)
    cache.set("page", "x" * 10_000, timeout=60)  # too big to copy back
    proxy.start()

    assert cache.get("version") == 201  # copied back, never the 100 of before
    assert client.ttl("fallback-test:1:version") == -1  # no expiry, as set
    assert cache.get("attempts") == 3
    assert 290 <= client.ttl("fallback-test:1:attempts") <= 300
    assert cache.get("page") is None  # deleted from Redis rather than served stale
    cache.set("after", "back", timeout=60)
    assert client.get("fallback-test:1:after") is not None  # Redis is in use again
