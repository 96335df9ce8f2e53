"""Hostile and broken input to every filter and every offers form: a clear
message or an empty result, never a server error, and nothing typed is lost.

The test client re-raises any exception a view lets escape, so a 500 fails the test.
"""

import pytest
from django.urls import reverse

from councils.models import Authority
from offers.models import Listing
from tests.factories import UserFactory, officer_of
from tests.offers.factories import listing_form_data, make_listing

pytestmark = pytest.mark.django_db

ADUR, BRIGHTON = "E07000223", "E06000043"
SCRIPT = "<script>alert('x')</script>"
BAD_VALUES = [
    pytest.param("x" * 10_000, id="10k-chars"),
    pytest.param(SCRIPT, id="script"),
    pytest.param("'; DROP TABLE offers_listing; -- %_ \\", id="sql"),
    pytest.param("build\x00ing", id="nul"),
    pytest.param("no-such-value", id="unknown"),
    pytest.param("-5", id="negative"),
    pytest.param("9" * 400, id="huge-number"),
    pytest.param("1e308", id="float"),
    pytest.param("E99999999", id="unknown-gss"),
    pytest.param("", id="empty"),
    pytest.param("🙂 ünïcödé", id="unicode"),
]
LISTING_PARAMS = [
    "q",
    "kind",
    "family",
    "service",
    "near",
    "within",
    "nation",
    "region",
    "authority_type",
    "delivery_model",
    "council",
    "sort",
    "page",
]
DIRECTORY_PARAMS = [
    "q",
    "nation",
    "region",
    "authority_type",
    "tier",
    "combined_authority",
    "include_abolished",
    "sort",
    "page",
]


def published(**kwargs) -> Listing:
    return make_listing(status=Listing.Status.PUBLISHED, **kwargs)


def assert_safe(response) -> str:
    assert response.status_code < 500
    html = response.content.decode()
    assert SCRIPT not in html  # shown back escaped, if at all
    return html


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("param", LISTING_PARAMS)
def test_listing_filters_survive_bad_values(client, param, value):
    published(title="Building control")
    response = client.get("/listings/", {param: value})
    html = assert_safe(response)
    assert response.status_code == 200
    count = response.context["page_obj"].paginator.count
    # Either a GOV.UK error, or a result list (perhaps empty) with its count.
    assert "There is a problem" in html or count in (0, 1)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_listing_filters_survive_bad_values_all_at_once(client, value):
    client.force_login(officer_of(BRIGHTON))
    response = client.get("/listings/", dict.fromkeys(LISTING_PARAMS, value))
    assert assert_safe(response) and response.status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 10_000}, "Search must be 200 characters or fewer"),
        ({"within": "-5", "near": ADUR}, "Distance must be 1 km or more"),
        ({"within": "9" * 400, "near": ADUR}, "Distance must be 1,500 km or less"),
        ({"within": "9" * 5000, "near": ADUR}, "Enter the distance as a whole number"),
        ({"within": "ten", "near": ADUR}, "Enter the distance as a whole number"),
        ({"within": "100000", "near": ADUR}, "Distance must be 1,500 km or less"),
        ({"near": "E99999999"}, "Select a council from the list"),
        ({"kind": "no-such-value"}, "Offers or needs: choose only from the options shown"),
        ({"sort": "nearest"}, "Choose a council to sort by distance from it"),
        ({"sort": "'; DROP"}, "Select how to sort the listings from the list"),
    ],
)
def test_listing_filter_errors_are_clear(client, params, message):
    html = assert_safe(client.get("/listings/", params))
    assert "There is a problem" in html
    assert message in html


def test_nul_bytes_are_removed_from_the_search(client):
    published(title="Building control")
    response = client.get("/listings/", {"q": "build\x00ing"})
    assert response.context["page_obj"].paginator.count == 1


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999", "9" * 10_000, "1.5", "\x00"])
def test_any_page_number_lands_on_a_real_page(client, page):
    published(title="Building control")
    response = client.get("/listings/", {"page": page})
    assert response.status_code == 200
    assert [x.title for x in response.context["page_obj"]] == ["Building control"]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("param", DIRECTORY_PARAMS)
def test_council_directory_filters_survive_bad_values(client, param, value):
    response = client.get("/councils/", {param: value})
    assert_safe(response)
    assert response.status_code == 200


@pytest.mark.parametrize("value", BAD_VALUES)
def test_council_profile_survives_a_bad_gss_code(client, value):
    if not value:
        return  # /councils// is a different URL; the directory is tested above
    assert client.get(f"/councils/{value}/").status_code == 404


# Forms ----------------------------------------------------------------------


LISTING_FIELDS = [
    "service",
    "title",
    "summary",
    "description",
    "delivery_model",
    "annual_value_gbp",
    "population_served",
    "partner_scope",
    "partner_radius_km",
    "earliest_start_day",
    "earliest_start_month",
    "earliest_start_year",
    "contact_name",
    "contact_email",
    "visibility",
]
TEXT_FIELDS = ["title", "summary", "description", "contact_name"]


def _kept(html: str, value: str) -> bool:
    """The value typed is in the re-displayed form (escaped as HTML would be)."""
    from django.utils.html import escape

    return escape(value) in html or escape(value).replace("&#x27;", "'") in html


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("field", LISTING_FIELDS)
def test_listing_create_survives_one_bad_field(client, field, value):
    client.force_login(officer_of(ADUR))
    url = reverse("offers:create", kwargs={"kind": "offer"})
    response = client.post(url, listing_form_data(**{field: value}))
    html = assert_safe(response)
    if response.status_code == 200:  # refused: every other value is still on the form
        assert "There is a problem" in html
        for name in TEXT_FIELDS:
            if name != field:
                assert _kept(html, listing_form_data()[name])
        if field in TEXT_FIELDS and "\x00" not in value:
            assert _kept(html, value)
    else:  # accepted: saved as typed, shown escaped
        assert response.status_code == 302
        listing = Listing.objects.get()
        if field in TEXT_FIELDS:
            assert getattr(listing, field) == value.strip()
        assert_safe(client.get(listing.get_absolute_url()))


@pytest.mark.parametrize("value", BAD_VALUES)
def test_listing_create_survives_every_field_bad(client, value):
    client.force_login(officer_of(ADUR))
    url = reverse("offers:create", kwargs={"kind": "need"})
    response = client.post(url, dict.fromkeys(LISTING_FIELDS, value))
    assert_safe(response)
    assert response.status_code == 200
    assert not Listing.objects.exists()


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("field", [*TEXT_FIELDS, "version", "annual_value_gbp", "service"])
def test_listing_edit_survives_bad_values(client, field, value):
    user = officer_of(ADUR)
    listing = make_listing(created_by=user)
    client.force_login(user)
    data = listing_form_data(**{"version": str(listing.version), field: value})
    response = client.post(reverse("offers:edit", kwargs={"pk": listing.pk}), data)
    html = assert_safe(response)
    if response.status_code == 200:
        assert "There is a problem" in html or "changed this listing" in html
    else:
        assert response.status_code == 302


@pytest.mark.parametrize("value", BAD_VALUES)
def test_express_interest_survives_bad_values(client, value):
    listing = published(title="Building control")
    client.force_login(officer_of(BRIGHTON))
    response = client.post(
        reverse("offers:interest", kwargs={"pk": listing.pk}), {"message": value}
    )
    html = assert_safe(response)
    if response.status_code == 200 and value.strip() and "\x00" not in value:
        assert _kept(html, value)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_report_survives_bad_values(client, value):
    listing = published(title="Building control")
    client.force_login(UserFactory())
    response = client.post(reverse("offers:report", kwargs={"pk": listing.pk}), {"reason": value})
    html = assert_safe(response)
    if response.status_code == 200 and value.strip() and "\x00" not in value:
        assert _kept(html, value)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_moderation_decision_survives_bad_values(client, value):
    listing = make_listing(
        title="Waiting",
        status=Listing.Status.SUBMITTED,
        authority=Authority.objects.get(gss_code=ADUR),
    )
    client.force_login(UserFactory(is_staff=True))
    url = reverse("offers:moderation_review", kwargs={"pk": listing.pk})
    for decision in [value, "reject", "request_changes", "changes", "approve"]:
        data = {
            "decision": decision,
            "changes_reason": value,
            "reject_reason": value,
            "version": value,
        }
        assert_safe(client.post(url, data))
