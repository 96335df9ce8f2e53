"""Test settings: the local defaults with fast hashing and in-memory email.

DATABASE_URL and REDIS_URL still come from the environment: `make test` points
DATABASE_URL at the embedded PostgreSQL when it is unset; CI points both at the
machine's PostgreSQL and Redis. Under pytest-xdist (`make test` runs two
workers) pytest-django gives each worker its own test database
(test_<name>_gw0, ...) and this module its own Redis database.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REDIS_URL


def redis_url_for_worker(url: str, worker: str) -> str:
    """REDIS_URL for one pytest-xdist worker ("gw0", "gw1", ...): the database in `url`
    plus the worker's number. tests/conftest.py clears the cache before and after each
    test, which flushes the whole Redis database, so two workers must never share one."""
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + int(worker[2:])
    if database > 15:  # Redis has 16 databases unless configured otherwise
        raise ImproperlyConfigured(
            f"xdist worker {worker} needs Redis database {database}: give REDIS_URL a lower "
            "database number or run fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


if REDIS_URL:
    # Set by pytest-xdist in each worker process before Django reads these settings.
    REDIS_URL = redis_url_for_worker(REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
    CELERY_BROKER_URL = REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Each test starts with empty rate-limit counters (tests/conftest.py clears
# the cache); a separate Redis database keeps test keys away from a dev's.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "marketplace-test",
        }
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
