"""The documentation page (from the schema), the Data page and its downloads."""

import csv
import io

import pytest

from offers.models import Listing
from tests.offers.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_docs_page_lists_every_operation_of_the_schema(client):
    schema = client.get("/api/v1/schema/").json()
    page = client.get("/api/")
    assert page.status_code == 200
    html = page.content.decode()
    for path, item in schema["paths"].items():
        for method in item:
            assert f"<code>{method.upper()} {path}</code>" in html
    assert "Open Government Licence v3.0" in html
    assert "<script>" not in html  # no inline script (CSP)


def test_schema_is_openapi_3_and_yaml_on_request(client):
    assert client.get("/api/v1/schema/").json()["openapi"].startswith("3.")
    response = client.get("/api/v1/schema/?format=yaml")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3")


def test_data_page_links_every_download(client):
    html = client.get("/data/").content.decode()
    for name in ("organisations", "services", "listings", "spend"):
        for fmt in ("csv", "json"):
            assert f'href="/data/{name}.{fmt}"' in html


def test_csv_cells_that_start_a_formula_are_quoted(client):
    ListingFactory(status=Listing.Status.PUBLISHED, title='=HYPERLINK("http://x")')
    response = client.get("/data/listings.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["organisation.gss_code"] == "E07000223"


def test_download_answers_304_to_its_own_etag(client):
    first = client.get("/data/services.csv")
    again = client.get("/data/services.csv", HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.status_code == 304


def test_unknown_dataset_is_404(client):
    assert client.get("/data/people.csv").status_code == 404
    assert client.get("/data/listings.xml").status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/", "/data/", "/api/v1/listings/", "/api/v1/schema/", "/data/services.json"]
)
def test_api_and_data_keep_the_site_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Permissions-Policy" in response.headers
