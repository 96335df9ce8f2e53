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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks (--dist loadgroup)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `make test` (pytest-xdist, --dist loadgroup) the real-worker Celery tests run
    one after another in one xdist worker: each starts worker processes of its own, and
    two such tests at once on two cores miss their claim timeouts. (Each xdist worker
    has its own test database and Redis database either way.)"""
    for item in items:
        if item.get_closest_marker("celery_worker"):
            item.add_marker(pytest.mark.xdist_group("celery_worker"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("import_authorities", verbosity=0)
    yield


def ensure_reference_data() -> None:
    """Put back what transactional tests wiped: pytest-django flushes every table
    after a transactional (live server, Celery worker) test, including the
    imported councils and the service taxonomy loaded by a data migration."""
    from importlib import import_module

    from django.apps import apps as django_apps

    from councils.models import Authority
    from offers.models import Service

    if not Authority.objects.exists():
        call_command("import_authorities", verbosity=0)
    if not Service.objects.exists():
        taxonomy = import_module("offers.migrations.0002_service_taxonomy")
        taxonomy.load(django_apps, None)
        import_module("offers.migrations.0013_services_by_kind").load(django_apps, None)
    from councils.models import SharedEmailDomain

    if not SharedEmailDomain.objects.exists():
        shared = import_module("councils.migrations.0002_removed_members_shared_domains")
        shared.seed_shared_domains(django_apps, None)
    from offers.models import SearchSynonym

    if not SearchSynonym.objects.exists():
        synonyms = import_module("offers.migrations.0011_moderator_preference_search_synonyms")
        synonyms.seed_synonyms(django_apps, None)


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request: pytest.FixtureRequest) -> None:
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache; each test starts from zero. So do the
    per-process copies keyed on generations, which rolled-back tests reuse."""
    from api.conditional import forget_local_bodies
    from core.generations import forget_local_marks
    from offers.browse.filters import forget_local_reference

    for forget in (cache.clear, forget_local_marks, forget_local_bodies, forget_local_reference):
        forget()
    yield
    for forget in (cache.clear, forget_local_marks, forget_local_bodies, forget_local_reference):
        forget()


@pytest.fixture
def steady_generations(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generations' cached copies live a second (core.generations); on a loaded
    machine one can expire between a warming request and a counted one and add its
    one small read. A test counting a page's own queries asks for this."""
    from core import generations

    monkeypatch.setattr(generations, "GENERATION_CACHE_SECONDS", 300)


@pytest.fixture
def database_unreachable() -> Iterator[None]:
    """The database down for the whole test (tests/outages.py)."""
    from tests.outages import database_unreachable

    with database_unreachable():
        yield
