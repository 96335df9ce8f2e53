"""Cache generations: one value per cached thing, kept in the database.

A writer calls `generation_bump(key)` inside the transaction that changes what
a cache holds (listings, reference data); a reader keys its cached entries on
`generation(key)` and treats an entry built under another value as a miss.

Why the database and not the cache: the counter then commits or rolls back
with the change it stands for, survives Redis losing its keys (ADR 7's
fallback cache carries on with the same numbers), and a bulk write that sends
no signals (`bulk_update` in the importer) only has to call one function.

Reads go through the cache for GENERATION_CACHE_SECONDS, so a busy page costs
no SQL for it; the copy is deleted when a bump commits, so in this process and
any other sharing the cache the new value is read on the next request. A read
racing the commit can put the old value back for at most the TTL.
"""

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

from core.models import CacheGeneration

# How long a process may serve a generation it read without asking the database.
GENERATION_CACHE_SECONDS = 1

# Where new values come from (core migration 0007): rising, never reused.
GENERATION_SEQUENCE = "core_cachegeneration_value_seq"


def generation_cache_key(key: str) -> str:
    return f"core:generation:{key}"


def _marks_cache_key(key: str) -> str:
    return f"core:generation-mark:{key}"


# This process's copy of the marks it read, with when it read them: a hot API page
# then asks the shared cache nothing for GENERATION_CACHE_SECONDS. A bump in this
# process clears it on commit; another process's bump is seen within that second,
# the same bound a racing read already gives the shared copy.
_local_marks: dict[str, tuple[float, tuple[int, datetime | None]]] = {}


class _Bumped:
    """The on-commit callback of a bump: deletes the cache's copy of the generation.

    While one is pending, this connection's transaction holds a number that may
    yet roll back; it must not be copied into the cache, where other processes
    would build pages under it.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.done = False

    def __call__(self) -> None:
        self.done = True
        _local_marks.pop(self.key, None)
        cache.delete_many([generation_cache_key(self.key), _marks_cache_key(self.key)])


def _uncommitted(key: str) -> bool:
    pending = (entry[1] for entry in connection.run_on_commit)  # (savepoints, func, robust)
    return any(isinstance(f, _Bumped) and f.key == key and not f.done for f in pending)


def _read(key: str) -> int:
    value = CacheGeneration.objects.filter(key=key).values_list("value", flat=True).first()
    value = value or 0
    if not _uncommitted(key):
        cache.set(generation_cache_key(key), value, GENERATION_CACHE_SECONDS)
    return value


def generation(key: str) -> int:
    """The current generation of `key` (0 until its first bump).

    Inside a transaction that has bumped `key` the cache's copy is the value from
    before the bump, so the database is asked: whatever this transaction builds
    (say a snapshot of the data it just changed) is then keyed on its own value,
    which no other state ever has (it comes from a sequence).
    """
    if _uncommitted(key):
        return _read(key)
    value = cache.get(generation_cache_key(key))
    return int(value) if value is not None else _read(key)


def generation_with(key: str, others: Iterable[str]) -> tuple[int, dict[str, Any]]:
    """The generation of `key` and the cache entries `others`, in one cache round
    trip when the generation is cached."""
    values, entries = generations_with([key], others)
    return values[0], entries


def generations_with(
    keys: Sequence[str], others: Iterable[str]
) -> tuple[list[int], dict[str, Any]]:
    """The generations of `keys` (in order) and the cache entries `others`, in one cache
    round trip when the generations are cached: the browse page cache's hit, whose
    entries record the generations they were built under."""
    cache_keys = [generation_cache_key(key) for key in keys]
    entries = cache.get_many([*cache_keys, *others])
    values: list[int] = []
    for key, cache_key in zip(keys, cache_keys, strict=True):
        value = entries.pop(cache_key, None)
        values.append(_read(key) if value is None or _uncommitted(key) else int(value))
    return values, entries


def forget_local_marks() -> None:
    """Drop this process's copies (tests start each from an empty cache)."""
    _local_marks.clear()


def generation_marks(keys: Sequence[str]) -> list[tuple[int, datetime | None]]:
    """(value, when it last moved on) for each of `keys`, in order: what an HTTP
    validator (ETag and Last-Modified) is made of.

    Read through the cache like `generation`, so a conditional GET answered 304
    costs no SQL; one query for all the keys missing from the cache.
    """
    now = time.monotonic()
    local = {k: _local_marks[k] for k in keys if k in _local_marks}
    fresh = {k: mark for k, (at, mark) in local.items() if now - at < GENERATION_CACHE_SECONDS}
    if len(fresh) == len(keys) and not any(_uncommitted(k) for k in keys):
        return [fresh[k] for k in keys]
    cached = cache.get_many([_marks_cache_key(k) for k in keys])
    missing = [k for k in keys if _marks_cache_key(k) not in cached]
    if missing:
        rows = {
            key: (value, changed_at)
            for key, value, changed_at in CacheGeneration.objects.filter(
                key__in=missing
            ).values_list("key", "value", "changed_at")
        }
        for key in missing:
            mark = rows.get(key, (0, None))
            cached[_marks_cache_key(key)] = mark
            if not _uncommitted(key):
                cache.set(_marks_cache_key(key), mark, GENERATION_CACHE_SECONDS)
    marks: list[tuple[int, datetime | None]] = [tuple(cached[_marks_cache_key(k)]) for k in keys]
    for key, mark in zip(keys, marks, strict=True):
        if not _uncommitted(key):
            _local_marks[key] = (now, mark)
    return marks


def generation_bump(key: str) -> None:
    """Give `key` a new value in the current transaction (rolled back with it).

    The value comes from a sequence (core migration 0007), so it rises and is never
    handed out twice, even when the transaction that took it rolls back: whatever
    was cached under a rolled-back value can never be mistaken for later data.
    Concurrent bumps all count: the row is locked until the transaction ends, so
    writers of the same thing commit one after another.
    """
    table = CacheGeneration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, value, changed_at) "  # noqa: S608 (table name, not input)
            f"VALUES (%s, nextval('{GENERATION_SEQUENCE}'), now()) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, changed_at = now()",
            [key],
        )
    transaction.on_commit(_Bumped(key))
