"""/healthz: what load balancers and on-call see.

Failures are real: Redis is pointed at a port nothing listens on, and the
database connection is swapped for one the real driver cannot open.
"""

import socket
from collections.abc import Iterator

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

pytestmark = pytest.mark.django_db


def _unused_port() -> int:
    """A local TCP port with nothing listening on it (just released by the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def database_unreachable() -> Iterator[None]:
    """Point the default connection at a database that cannot be opened, then restore it.

    The test's own connection (and its transaction) is left untouched; only
    the handler's entry for this thread is swapped, so the next request
    meets a real driver failing to connect.
    """
    real = connections[DEFAULT_DB_ALIAS]
    broken_settings = dict(real.settings_dict)
    if real.vendor == "sqlite":
        broken_settings["NAME"] = "/nonexistent-directory/healthz-test.sqlite3"
    else:
        broken_settings.update(HOST="127.0.0.1", PORT=str(_unused_port()))
        broken_settings["OPTIONS"] = {**broken_settings.get("OPTIONS", {}), "connect_timeout": 2}
    broken_settings["CONN_MAX_AGE"] = 0
    broken = real.__class__(broken_settings, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = broken
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        broken.close()


def test_healthy_service_reports_every_part(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "up"
    # CI sets REDIS_URL, so there Redis must really answer.
    expected_redis = "up" if settings.REDIS_URL else "not configured"
    assert body["checks"]["redis"] == expected_redis


def test_redis_not_configured_is_healthy(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "not configured"


def test_redis_down_returns_503_naming_redis(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_unused_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"].startswith("down")
    assert body["checks"]["database"] == "up"


def test_database_down_returns_503_naming_the_database(client, settings, database_unreachable):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "down: OperationalError"
    assert body["checks"]["redis"] == "not configured"


def test_health_is_never_cached(client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_health_answers_only_get(client):
    assert client.post("/healthz").status_code == 405
