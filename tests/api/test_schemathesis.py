"""Hostile clients: schemathesis generates requests for every operation in
/api/v1/schema/ and checks each response against the schema.

0 server errors and 0 responses that break the schema (status code, content
type, headers and body all as documented). Bounded to 50 cases an operation so
the run stays well under five minutes in CI (about 30 s here).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from councils.models import Authority
from marketplace.wsgi import application
from offers.models import Listing
from tests.offers.factories import HARTLEPOOL, ListingFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_data(db, settings):
    """Listings of both kinds in two places, and one that must never be served."""
    settings.API_THROTTLE_RATE = "100000/min"  # throttling has its own test
    ListingFactory(status=Listing.Status.PUBLISHED)
    ListingFactory(status=Listing.Status.PUBLISHED, kind=Listing.Kind.NEED)
    ListingFactory(
        status=Listing.Status.PUBLISHED,
        authority=Authority.objects.get(gss_code=HARTLEPOOL),
    )
    ListingFactory(status=Listing.Status.PUBLISHED, visibility=Listing.Visibility.SIGNED_IN)
    # Requests go through the WSGI handler, which closes the database connection
    # when each ends; the test's transaction must survive them (as Django's test
    # client arranges for its own requests).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded from the running application itself (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, api_data):
    case.call_and_validate(checks=CHECKS)
