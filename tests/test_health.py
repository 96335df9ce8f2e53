"""/healthz: what load balancers and on-call see.

Failures are real: Redis is pointed at a port nothing listens on, and the
database connection is swapped for one the real driver cannot open.
"""

import pytest

from tests.outages import unused_port

pytestmark = pytest.mark.django_db


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


def test_redis_down_is_degraded_not_unavailable(client, settings):
    """Pages work without Redis (core/cache.py falls back to the database), so a load
    balancer must keep sending traffic: 200, with the missing part named for on-call."""
    settings.REDIS_URL = f"redis://127.0.0.1:{unused_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded: redis"
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


def test_liveness_answers_200_without_checking_anything(client, settings, database_unreachable):
    """A process that answers is alive: restarting it would not bring the database back."""
    settings.REDIS_URL = f"redis://127.0.0.1:{unused_port()}/0"

    response = client.get("/healthz?live")

    assert response.status_code == 200
    assert response.json() == {"status": "live"}
