"""The real-worker fixtures (defined beside the digest tests) for every test here."""

from tests.celery.test_digest_worker import queue, redis_url, workers  # noqa: F401
