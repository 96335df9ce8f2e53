"""Shared fixtures.

The real reference data (382 councils, adjacency, spend) is imported once
into the test database, so tests run against the data officers will see.
Each test then runs in a transaction that is rolled back.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("import_authorities", verbosity=0)
    yield


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()
