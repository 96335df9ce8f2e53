"""`make test` runs pytest-xdist workers side by side: none may share a Redis database."""

import os

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from marketplace.settings.test import redis_url_for_worker


def test_each_worker_adds_its_number_to_the_redis_database():
    assert redis_url_for_worker("redis://127.0.0.1:6379/3", "gw0") == "redis://127.0.0.1:6379/3"
    assert redis_url_for_worker("redis://127.0.0.1:6379/3", "gw1") == "redis://127.0.0.1:6379/4"
    assert redis_url_for_worker("redis://:pw@redis:6380", "gw2") == "redis://:pw@redis:6380/2"
    assert redis_url_for_worker("redis://127.0.0.1:6379/3", "") == "redis://127.0.0.1:6379/3"


def test_a_worker_past_the_last_redis_database_is_refused():
    with pytest.raises(ImproperlyConfigured, match="gw2 needs Redis database 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/14", "gw2")


def test_this_process_uses_its_workers_redis_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not settings.REDIS_URL:
        assert "LOCATION" not in settings.CACHES["default"]  # per-process memory: nothing shared
        return
    index = int(worker[2:]) if worker.startswith("gw") else 0
    configured = int(os.environ["REDIS_URL"].rstrip("/").rsplit("/", 1)[-1] or 0)
    assert settings.REDIS_URL.endswith(f"/{configured + index}")
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
