"""Run what a real commit would run: the on-commit callbacks of the block.

Each test runs inside a transaction that is rolled back, so callbacks queued
with `transaction.on_commit` (the outbox hands its emails to Celery that way)
never run on their own. `committing()` runs them when the block ends, as the
end of a request's transaction does.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.test import TestCase


def committing() -> AbstractContextManager[list[Callable[[], Any]]]:
    return TestCase.captureOnCommitCallbacks(execute=True)
