"""Run what a real commit would run: the on-commit callbacks of the block.

Each test runs inside a transaction that is rolled back, so callbacks queued
with `transaction.on_commit` (the outbox hands its emails to Celery that way)
never run on their own. `committing()` runs them when the block ends, as the
end of a request's transaction does.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.db import connection
from django.test import TestCase

from core.generations import GENERATION_SEQUENCE


def committing() -> AbstractContextManager[list[Callable[[], Any]]]:
    return TestCase.captureOnCommitCallbacks(execute=True)


def bump_as_another_process(key: str) -> None:
    """Move a cache generation on as another process's committed bump looks from here:
    the row changes, but this process holds no pending bump and its cached copy of
    the old value stays until the TTL (the test's own transaction never commits)."""
    from core.models import CacheGeneration

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CacheGeneration._meta.db_table} (key, value, changed_at) "  # noqa: S608
            "VALUES (%s, nextval(%s), now()) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, changed_at = now()",
            [key, GENERATION_SEQUENCE],
        )
