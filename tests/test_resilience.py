"""The service with Redis down, with PostgreSQL down, and with a broker that hangs.

Failures are real: Redis is a port nothing listens on, the database connection
is swapped for one the real driver cannot open (tests/conftest.py), the broker
is a server that never answers. scripts/fault_drill.py does the same against
gunicorn, a worker and real servers stopped and started.
"""

import datetime as dt
import threading
import time

import pytest
from celery import Celery
from django.db import connection
from django.test import Client

from core.ratelimit import rate_limit_take
from digests import services as digests
from digests.models import DigestDelivery
from offers.models import Listing
from tests import outages
from tests.commits import committing
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR, listing_form_data, make_listing
from tests.offers.pages import result_titles

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def redis_down(settings):
    """The shared cache and /healthz pointed at a Redis that refuses every connection."""
    url = f"redis://127.0.0.1:{outages.unused_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "resilience",
        }
    }
    return url


def _fallback_rows(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM cache_fallback WHERE cache_key LIKE %s", [f"%{fragment}%"]
        )
        return int(cursor.fetchone()[0])


# --- Redis down --------------------------------------------------------------------


def test_sign_in_works_without_redis(client, redis_down):
    UserFactory(email="officer@example.org")

    assert client.get("/accounts/login/").status_code == 200
    wrong = client.post(
        "/accounts/login/", {"login": "officer@example.org", "password": "nope-nope"}
    )
    right = client.post("/accounts/login/", {"login": "officer@example.org", "password": PASSWORD})

    assert wrong.status_code == 200
    assert "not correct" in wrong.content.decode()
    assert right.status_code == 302
    assert "_auth_user_id" in client.session


def test_failed_sign_ins_still_lock_out_without_redis(client, redis_down):
    """allauth's login_failed limit (5 per 5 minutes per address) counts in the database
    while Redis is away: a miss would let an attacker guess for ever."""
    UserFactory(email="target@example.org")
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"login": "target@example.org", "password": "guess-guess-guess"}
        )
        assert "not correct" in response.content.decode()

    response = client.post(
        "/accounts/login/", {"login": "target@example.org", "password": PASSWORD}
    )

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _fallback_rows(":login_failed:") >= 1


def test_our_rate_limit_still_limits_without_redis(redis_down):
    allowed = [rate_limit_take(bucket="test:1", limit=3, window_seconds=60) for _ in range(5)]

    assert allowed == [True, True, True, False, False]
    assert _fallback_rows("ratelimit:test:1:") == 1


def test_listings_and_search_answer_without_redis(client, redis_down):
    make_listing(title="Shared waste collection round", status=Listing.Status.PUBLISHED)

    browse = client.get("/listings/")
    search = client.get("/listings/", {"q": "waste collection"})

    assert result_titles(browse) == ["Shared waste collection round"]
    assert result_titles(search) == ["Shared waste collection round"]


def test_creating_a_listing_without_redis_shows_the_listing(client, redis_down):
    """The listings-version bump after commit goes to the cache (ADR 5):
    it must not turn a saved listing into an error page."""
    officer = officer_of(ADUR)
    client.force_login(officer)

    with committing():
        response = client.post("/listings/new/offer/", listing_form_data(title="Made offline"))

    listing = Listing.objects.get(title="Made offline")
    assert response.status_code == 302
    assert response["Location"] == listing.get_absolute_url()


def test_healthz_says_degraded_without_redis(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "degraded: redis" in response.content.decode()


def test_queueing_a_task_fails_fast_when_the_broker_hangs(settings):
    """With our Celery settings a publish to a broker that accepts and never answers gives
    up in seconds (kombu's defaults wait minutes), so a web request is not held."""
    app = Celery("resilience-test", set_as_current=False)  # the suite keeps its own app
    app.config_from_object("django.conf:settings", namespace="CELERY")
    outcome: list[BaseException | None] = []

    def publish() -> None:
        try:
            app.send_task("core.tasks.outbox_send_task", args=[0])
        except Exception as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    with outages.silent_server() as port:
        app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        thread = threading.Thread(target=publish, daemon=True)
        thread.start()
        thread.join(timeout=15)
        took = time.monotonic() - started

    assert not thread.is_alive(), "send_task still waiting after 15 s"
    assert outcome and outcome[0] is not None  # it raised, for the caller to log
    assert took < 10


@pytest.fixture
def broker_down():
    """The current Celery app pointed at a broker port that refuses, not eager."""
    from marketplace.celery import app as ours

    down = Celery("broker-down", set_as_current=False)
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.update(
        task_always_eager=False, broker_url=f"redis://127.0.0.1:{outages.unused_port()}/0"
    )
    down.set_current()
    try:
        yield down
    finally:
        ours.set_current()


def test_staff_retry_of_digests_with_the_broker_down_keeps_them_failed_saying_why(
    client, broker_down
):
    """The one task queued from a request outside the outbox: after the retry commits,
    a dead broker must neither raise into the request nor leave rows pending for a
    task that was never queued."""
    run, _ = digests.digest_run_start(frequency="weekly", period_start=dt.date(2025, 3, 3))
    DigestDelivery.objects.create(run=run, user=officer_of(ADUR), status="failed", error="550")
    client.force_login(UserFactory(is_staff=True))

    with committing():
        response = client.post(f"/listings/digests/runs/{run.pk}/retry/")

    assert response.status_code == 302
    delivery = DigestDelivery.objects.get(run=run)
    assert delivery.status == "failed"
    assert delivery.error == digests.QUEUE_DOWN_ERROR


# --- PostgreSQL down -----------------------------------------------------------------


def test_page_answers_govuk_503_while_database_is_down(client, database_unreachable):
    response = client.get("/councils/")

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert '<h1 class="govuk-heading-l">Sorry, the service is unavailable</h1>' in page
    assert "govuk-template__body" in page and "govuk-footer" in page
    assert "Your changes have not been saved" not in page  # nothing was sent


def test_signed_in_page_answers_503_when_a_middleware_meets_the_outage():
    """Loading the signed-in user happens in middleware, before any view: handler500
    renders the same 503 page for it."""
    client = Client(raise_request_exception=False)
    client.force_login(officer_of(ADUR))  # the session row is written before the outage

    with outages.database_unreachable():
        response = client.get("/listings/dashboard/")

    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.content.decode()


def test_sign_in_that_cannot_be_saved_shows_the_address_but_never_the_password():
    client = Client(raise_request_exception=False)

    with outages.database_unreachable():
        response = client.post(
            "/accounts/login/", {"login": "officer@example.org", "password": "s3cret-passw0rd"}
        )

    page = response.content.decode()
    assert response.status_code == 503
    assert "Your changes have not been saved. Copy what you typed" in page
    assert "officer@example.org" in page
    assert "s3cret-passw0rd" not in page


def test_listing_that_cannot_be_saved_is_shown_back_escaped():
    client = Client(raise_request_exception=False)
    client.force_login(officer_of(ADUR))
    data = listing_form_data(title="Shared <script>alert(1)</script> waste")

    with outages.database_unreachable():
        response = client.post("/listings/new/offer/", data)

    page = response.content.decode()
    assert response.status_code == 503
    assert "Your changes have not been saved. Copy what you typed" in page
    assert "Shared &lt;script&gt;alert(1)&lt;/script&gt; waste" in page
    assert "<script>alert(1)" not in page
    assert "Our team of 12 surveyors covers Adur and Worthing." in page
    assert "csrfmiddlewaretoken" not in page


def test_kept_database_connections_are_checked_before_reuse(settings):
    """CONN_MAX_AGE keeps connections; without the check, the first request on each web
    process after a database restart would answer an error page."""
    from marketplace.settings import base

    assert base.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
