"""Redis for the shared cache, with a database table standing in while Redis is down.

Every cache call goes to Redis. When Redis refuses, times out, is read-only
(a replica during a failover) or is out of memory, the same call is made on a
database cache instead (table `cache_fallback`, made by core's migrations), so
pages still render and rate limits still count: allauth's sign-in and sign-up
limits, `core.ratelimit` and allauth's used-TOTP-code markers all live in the
cache, and treating them as a plain miss would switch the limits off. Like
Redis, the table is shared by every web process, so a limit holds across them.

After a failure this process leaves Redis alone for FALLBACK_RETRY_SECONDS, so
a request does not wait for a timeout on every cache call, then tries again.
The first call that reaches Redis again first copies back what this process
wrote during the outage: small values (counters, versions, markers, allauth's
attempt lists) with what is left of their lifetime; larger ones (rendered
pages) are deleted from Redis instead, so Redis never serves what was true
before the outage. docs/adr/0007-degrading-when-redis-or-postgresql-falter.md
gives the reasons and what is left.
"""

import base64
import logging
import pickle
import re
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now
from redis import ConnectionPool, Redis
from redis import exceptions as redis_errors
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Faults of the server or the network, not of our use of it: a wrong type or a
# bad command still raises.
REDIS_UNAVAILABLE: tuple[type[Exception], ...] = (
    redis_errors.ConnectionError,  # refused, reset, still loading its data
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,  # type: ignore[attr-defined]  # maxmemory, noeviction
)
# Entries up to this size (base64 of the pickle) are copied back to Redis after
# an outage; a rate-limit counter or attempt list is well under 1,000.
COPY_BACK_MAX_CHARS = 4096
# Keys written during one outage that this process remembers for the copy-back;
# past this, later ones are left to expire in Redis (and a warning says so).
TRACK_MAX_KEYS = 10_000
_BATCH = 500


class FallbackDatabaseCache(DatabaseCache):
    """Django's database cache with an atomic `incr` and a read of entries for the copy-back."""

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self.table = table

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """Atomic, unlike Django's (a read, then a write with the default timeout): the
        row is locked while it changes, so two processes counting at once both count,
        and the entry keeps its expiry (a rate-limit window stays the same length)."""
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column, value_column = quote(self.table), quote("cache_key"), quote("value")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} "  # noqa: S608 (quoted names, no user input)
                f"WHERE {key_column} = %s AND {quote('expires')} > %s{lock}",
                [key, now],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301 (our own table)
            new_value = value + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol))
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s",  # noqa: S608
                [encoded.decode("latin1"), key],
            )
        return int(new_value)

    def entries(self, keys: list[str], *, max_chars: int) -> dict[str, tuple[Any, int | None]]:
        """Live entries among `keys` (full keys, as stored) no longer than `max_chars`:
        {key: (value, seconds left, or None for no expiry)}."""
        if not keys:
            return {}
        db = router.db_for_read(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        now = tz_now().replace(microsecond=0)
        placeholders = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('cache_key')}, {quote('value')}, {quote('expires')} "  # noqa: S608
                f"FROM {quote(self.table)} WHERE {quote('cache_key')} IN ({placeholders}) "
                f"AND {quote('expires')} > %s AND LENGTH({quote('value')}) <= %s",
                [*keys, connection.ops.adapt_datetimefield_value(now), max_chars],
            )
            rows = cursor.fetchall()
        # As DatabaseCache.get_many reads `expires`: aware or naive, by database and USE_TZ.
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        found: dict[str, tuple[Any, int | None]] = {}
        for key, raw, expires in rows:
            for converter in converters:
                expires = converter(expires, expression, connection)
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(raw).encode()))  # noqa: S301
            # DatabaseCache stores "never expires" as datetime.max.
            left = None if expires.year == 9999 else max(1, int((expires - now).total_seconds()))
            found[key] = (value, left)
        return found


class _Outage:
    """What this process knows of one Redis location, shared by its threads' backends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None  # time.monotonic() of the first failure; None: up
        self.retry_at = 0.0
        self.written: set[str] = set()  # full keys written to the database meanwhile
        self.cleared = False
        self.overflowed = False


_OUTAGES: dict[str, _Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def _where(servers: Iterable[str]) -> str:
    """host:port/db of each server, never a password from the URL."""
    parts = []
    for server in servers:
        url = urlsplit(server)
        parts.append(f"{url.hostname}:{url.port or 6379}{url.path or ''}")
    return ", ".join(parts)


class ReusedRedisClient(RedisCacheClient):
    """Django's Redis cache client with one redis.Redis per connection pool, made once.

    Django makes a new redis.Redis for every cache call, and making one fills its
    table of ~200 response callbacks: for a page that calls the cache four or five
    times that was about a fifth of a millisecond for nothing. A redis.Redis is
    safe to share between threads (each command takes a connection from the pool).
    """

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[ConnectionPool, Redis[Any]] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> "Redis[Any]":
        # django-stubs leave out the two private members RedisCacheClient.get_client uses.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(pool)
        if client is None:  # two threads racing here both get a working client
            client = self._clients[pool] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class FallbackRedisCache(RedisCache):
    """RedisCache that carries on in the database while Redis is unavailable.

    Settings (beside RedisCache's): FALLBACK_TABLE (default "cache_fallback"),
    FALLBACK_RETRY_SECONDS (5), FALLBACK_MAX_ENTRIES (50,000: the table is culled
    past it). OPTIONS default to half-second socket timeouts and one immediate
    retry, so a dead Redis costs a request about a second, once per retry period.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        params = dict(params)
        table = params.pop("FALLBACK_TABLE", "cache_fallback")
        self.retry_seconds = float(params.pop("FALLBACK_RETRY_SECONDS", 5))
        max_entries = int(params.pop("FALLBACK_MAX_ENTRIES", 50_000))
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        # One retry at once: a pooled connection that Redis closed on a restart
        # fails its first command, and should not count as an outage.
        options.setdefault("retry", Retry(NoBackoff(), 1))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusedRedisClient
        servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        self.fallback = FallbackDatabaseCache(
            table, {**params, "OPTIONS": {"MAX_ENTRIES": max_entries}}
        )
        self.where = _where(servers)
        with _OUTAGES_LOCK:
            self._outage = _OUTAGES.setdefault(",".join(servers), _Outage())

    # --- the operations RedisCache implements; BaseCache builds the rest on them ---

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return bool(self._call("add", key, value, timeout, version, writes=[(key, version)]))

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._call("get", key, default, version)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._call("set", key, value, timeout, version, writes=[(key, version)])

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return bool(self._call("touch", key, timeout, version, writes=[(key, version)]))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._call("delete", key, version, writes=[(key, version)]))

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        result: dict[Any, Any] = self._call("get_many", list(keys), version)
        return result

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._call("has_key", key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return int(self._call("incr", key, delta, version, writes=[(key, version)]))

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        written = [(key, version) for key in data]
        result: list[Any] = self._call("set_many", data, timeout, version, writes=written)
        return result

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._call("delete_many", keys, version, writes=[(key, version) for key in keys])

    def clear(self) -> None:
        self._call("clear", clears=True)

    # --- the switch ---

    def _call(
        self,
        name: str,
        *args: Any,
        writes: Iterable[tuple[Any, int | None]] = (),
        clears: bool = False,
    ) -> Any:
        if self._outage.since is None or self._redis_is_back():
            try:
                return getattr(RedisCache, name)(self, *args)
            except REDIS_UNAVAILABLE as exc:
                self._redis_failed(exc)
        self._remember(writes, clears=clears)
        return getattr(self.fallback, name)(*args)

    def _redis_failed(self, exc: Exception) -> None:
        outage = self._outage
        now = time.monotonic()
        with outage.lock:
            first = outage.since is None
            if first:
                outage.since = now
            outage.retry_at = now + self.retry_seconds
        if first:  # once per outage, not once per call
            logger.warning(
                "Redis cache at %s is unavailable (%s: %s); using the database cache "
                "until it answers",
                self.where,
                type(exc).__name__,
                exc,
            )

    def _remember(self, writes: Iterable[tuple[Any, int | None]], *, clears: bool) -> None:
        outage = self._outage
        with outage.lock:
            if clears:
                outage.cleared = True
                outage.written.clear()
                return
            keys = {self.make_key(key, version=version) for key, version in writes}
            if len(outage.written) + len(keys) <= TRACK_MAX_KEYS:
                outage.written |= keys
                return
            first = not outage.overflowed
            outage.overflowed = True
        if first:
            logger.warning(
                "Redis cache at %s: more than %d keys written during the outage; later "
                "ones may be stale in Redis until they expire",
                self.where,
                TRACK_MAX_KEYS,
            )

    def _redis_is_back(self) -> bool:
        """After the retry period: copy this outage's writes back to Redis. True if Redis
        took them (and so is in use again), False if it is still unavailable."""
        outage = self._outage
        if time.monotonic() < outage.retry_at:
            return False
        # Held during the copy: other threads wait for it rather than writing to
        # Redis first and then seeing their write overwritten by an older value.
        with outage.lock:
            if outage.since is None:
                return True  # another thread has just done it
            try:
                copied, deleted = self._copy_back(sorted(outage.written), cleared=outage.cleared)
            except REDIS_UNAVAILABLE:
                outage.retry_at = time.monotonic() + self.retry_seconds
                return False
            seconds = time.monotonic() - outage.since
            outage.since = None
            outage.written = set()
            outage.cleared = outage.overflowed = False
        logger.info(
            "Redis cache at %s is answering again after %.0f s; %d values copied back "
            "to it from the database cache, %d stale keys deleted from it",
            self.where,
            seconds,
            copied,
            deleted,
        )
        return True

    def _copy_back(self, keys: list[str], *, cleared: bool) -> tuple[int, int]:
        client = self._cache
        client.get_client(write=True).ping()  # with nothing to copy, still make sure
        if cleared:
            client.clear()
        copied = deleted = 0
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            small = self.fallback.entries(batch, max_chars=COPY_BACK_MAX_CHARS)
            by_timeout: dict[int | None, dict[str, Any]] = {}
            for key, (value, left) in small.items():
                by_timeout.setdefault(left, {})[key] = value
            for left, data in by_timeout.items():
                client.set_many(data, left)  # type: ignore[arg-type]  # None: no expiry
            stale = [key for key in batch if key not in small]
            if stale:
                client.delete_many(stale)
            copied, deleted = copied + len(small), deleted + len(stale)
        return copied, deleted
