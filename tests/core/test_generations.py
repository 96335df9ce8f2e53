"""core.generations: a counter in the database, read through the cache, that
commits and rolls back with the change it stands for."""

import time

import pytest
from django.core.cache import cache
from django.db import transaction

from core import generations
from core.cache import FallbackRedisCache
from core.generations import generation, generation_bump, generation_with
from tests import outages
from tests.commits import bump_as_another_process

pytestmark = pytest.mark.django_db

KEY = "tests:thing"


def test_a_key_starts_at_zero_and_a_committed_bump_is_read_at_once(
    django_capture_on_commit_callbacks,
):
    assert generation(KEY) == 0
    with django_capture_on_commit_callbacks(execute=True):
        generation_bump(KEY)
    first = generation(KEY)
    with django_capture_on_commit_callbacks(execute=True):
        generation_bump(KEY)
    assert 0 < first < generation(KEY)


def test_a_rolled_back_bump_changes_nothing_and_its_value_is_never_given_again(
    django_capture_on_commit_callbacks,
):
    assert generation(KEY) == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        generation_bump(KEY)
        abandoned = generation(KEY)
        raise RuntimeError("roll back")
    cache.clear()
    assert generation(KEY) == 0
    # What was built under the abandoned value (inside that transaction) must never
    # match the data of a later, committed bump.
    with django_capture_on_commit_callbacks(execute=True):
        generation_bump(KEY)
    assert generation(KEY) not in {0, abandoned}


def test_a_bump_whose_cache_copy_survives_is_read_after_the_ttl():
    """Another process's commit, or a read racing it, can leave the old value in
    this process's cache: it is believed for GENERATION_CACHE_SECONDS, no longer."""
    assert generation(KEY) == 0
    bump_as_another_process(KEY)  # this process's cached copy stays
    assert generation(KEY) == 0
    time.sleep(generations.GENERATION_CACHE_SECONDS + 0.2)
    assert generation(KEY) > 0


def test_an_uncommitted_bump_is_never_copied_into_the_cache():
    """Other processes would build pages under a number that may roll back."""
    generation_bump(KEY)
    assert generation(KEY) > 0  # this transaction sees its own bump ...
    assert cache.get(generations.generation_cache_key(KEY)) is None  # ... nobody else


def test_generation_with_reads_other_entries_in_the_same_round_trip(
    django_assert_num_queries,
):
    cache.set("tests:page", "stored", 60)
    generation(KEY)  # the copy is in the cache now
    with django_assert_num_queries(0):
        assert generation_with(KEY, ["tests:page", "tests:missing"]) == (
            0,
            {"tests:page": "stored"},
        )


def test_generations_stay_right_while_redis_is_down(
    monkeypatch, django_capture_on_commit_callbacks
):
    down = FallbackRedisCache(
        f"redis://127.0.0.1:{outages.unused_port()}/0", {"KEY_PREFIX": "generation-test"}
    )
    monkeypatch.setattr(generations, "cache", down)
    assert generation(KEY) == 0
    with django_capture_on_commit_callbacks(execute=True):
        generation_bump(KEY)
    assert generation(KEY) > 0


def test_marks_carry_when_the_value_moved_and_are_read_through_the_cache(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert generations.generation_marks([KEY]) == [(0, None)]
    with django_capture_on_commit_callbacks(execute=True):
        generation_bump(KEY)
    [(value, changed_at)] = generations.generation_marks([KEY])
    assert value > 0 and changed_at is not None
    with django_assert_num_queries(0):
        assert generations.generation_marks([KEY]) == [(value, changed_at)]
    with django_capture_on_commit_callbacks(execute=True):
        generation_bump(KEY)  # the commit deletes the cached mark
    assert generations.generation_marks([KEY])[0][0] > value


def test_a_transaction_that_bumped_reads_its_own_value_not_the_cached_one():
    """A snapshot this transaction builds of the data it changed must be keyed on the
    bumped value; keyed on the cached old one it would outlive a rollback."""
    before = generation(KEY)  # now in the cache
    assert cache.get(generations.generation_cache_key(KEY)) == before
    generation_bump(KEY)
    assert generation(KEY) != before
    assert generations.generation_with(KEY, [])[0] == generation(KEY)
