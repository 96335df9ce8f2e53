"""Hostile and broken input to every filter and every offers form: a clear
message or an empty result, never a server error, and nothing typed is lost.

One case per input class per field type (text, choice, number, date, email),
each class named below, plus Hypothesis properties that send any text at all
to every filter and every listing field: what a 546-case matrix of the same
eleven strings in every field used to prove, with fewer and wider cases.

The test client re-raises any exception a view lets escape, so a 500 fails the test.
"""

from typing import Literal

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from councils.models import Authority
from offers.models import Listing
from tests.factories import UserFactory, officer_of
from tests.offers.factories import listing_form_data, make_listing

pytestmark = pytest.mark.django_db

ADUR, BRIGHTON = "E07000223", "E06000043"
SCRIPT = "<script>alert('x')</script>"

# The input classes: one example of each.
CLASSES = {
    "overlong": "x" * 10_000,
    "markup": SCRIPT,
    "sql": "'; DROP TABLE offers_listing; -- %_ \\",
    "nul": "build\x00ing",
    "unknown": "no-such-value",
    "negative": "-5",
    "huge-number": "9" * 400,
    "float": "1e308",
    "empty": "",
    "unicode": "🙂 ünïcödé",
}
# Which classes mean something different to each type of field.
FOR_TYPE = {
    "text": ["overlong", "markup", "sql", "nul", "empty", "unicode"],
    "choice": ["unknown", "markup", "nul", "overlong", "empty"],
    "number": ["negative", "huge-number", "float", "markup", "nul", "empty"],
    "date": ["unknown", "huge-number", "markup", "nul", "empty"],
    "email": ["unknown", "markup", "overlong", "nul", "unicode"],
}


def cases(field: str, kind: str) -> list:
    return [pytest.param(field, CLASSES[c], id=f"{field}-{c}") for c in FOR_TYPE[kind]]


# Any text a browser can send: every class above, or anything else Hypothesis
# makes (no lone surrogates, which no browser can encode in a URL or a form).
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
hostile = st.one_of(
    st.sampled_from(list(CLASSES.values())),
    st.text(alphabet=st.characters(exclude_categories=SURROGATES), max_size=300),
)
# Examples share one test's database transaction and client (nothing they do
# depends on a clean slate), so the per-test fixtures are fine here.
PROPERTY = settings(
    max_examples=40,
    deadline=None,  # a shared CI machine: time is not what these check
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A form post costs more than a page: fewer examples, still every field.
FORM_PROPERTY = settings(PROPERTY, max_examples=25)

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
    "kind",
    "nation",
    "region",
    "authority_type",
    "tier",
    "combined_authority",
    "include_abolished",
    "sort",
    "page",
]


@pytest.fixture
def adur_officer(client):
    """The client signed in as an Adur officer, once per test (not per example)."""
    client.force_login(officer_of(ADUR))
    return client


@pytest.fixture
def brighton_officer(client):
    client.force_login(officer_of(BRIGHTON))
    return client


def published(**kwargs) -> Listing:
    return make_listing(status=Listing.Status.PUBLISHED, **kwargs)


@pytest.fixture
def building_control() -> Listing:
    return published(title="Building control")


def assert_safe(response) -> str:
    assert response.status_code < 500
    html = response.content.decode()
    assert SCRIPT not in html  # shown back escaped, if at all
    return html


# Filters ---------------------------------------------------------------------


@PROPERTY
@given(params=st.dictionaries(st.sampled_from(LISTING_PARAMS), hostile, max_size=5))
def test_listing_filters_any_input_is_a_page_or_a_clear_error(
    brighton_officer, building_control, params
):
    # An officer: distances are measured from their council by default too.
    response = brighton_officer.get("/listings/", params)
    html = assert_safe(response)
    assert response.status_code == 200
    # Either a GOV.UK error, or a result list (perhaps empty) with its count.
    assert "There is a problem" in html or 'id="result-count"' in html


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


@PROPERTY
@given(params=st.dictionaries(st.sampled_from(DIRECTORY_PARAMS), hostile, max_size=5))
def test_council_directory_any_input_is_a_page(client, params):
    response = client.get("/councils/", params)
    assert_safe(response)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "value", [CLASSES[c] for c in ("overlong", "markup", "sql", "nul", "unicode")] + ["E99999999"]
)
def test_council_profile_survives_a_bad_gss_code(client, value):
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
    return escape(value) in html or escape(value).replace("&#x27;", "'") in html


def _create_one_bad_field(client, field: str, value: str) -> None:
    url = reverse("offers:create", kwargs={"kind": "offer"})
    response = client.post(url, listing_form_data(**{field: value}))
    html = assert_safe(response)
    if response.status_code == 200:  # refused: every other value is still on the form
        assert "There is a problem" in html
        for name in TEXT_FIELDS:
            if name != field:
                assert _kept(html, listing_form_data()[name])
        if field in TEXT_FIELDS and "\x00" not in value and value.strip():
            assert _kept(html, value)
    else:  # accepted: saved as typed, shown escaped
        assert response.status_code == 302
        listing = Listing.objects.latest("pk")
        if field in TEXT_FIELDS:
            assert getattr(listing, field) == value.strip()
        assert_safe(client.get(listing.get_absolute_url()))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *cases("title", "text"),
        *cases("service", "choice"),
        *cases("annual_value_gbp", "number"),
        *cases("earliest_start", "date"),
        *cases("contact_email", "email"),
    ],
)
def test_listing_create_survives_one_bad_field(client, field, value):
    client.force_login(officer_of(ADUR))
    _create_one_bad_field(client, field, value)


@FORM_PROPERTY
@given(field=st.sampled_from(LISTING_FIELDS), value=hostile)
def test_listing_create_any_text_in_any_field_is_kept_or_saved_as_typed(adur_officer, field, value):
    _create_one_bad_field(adur_officer, field, value)


@FORM_PROPERTY
@given(value=hostile)
def test_listing_create_with_every_field_bad_saves_nothing(adur_officer, value):
    url = reverse("offers:create", kwargs={"kind": "need"})
    response = adur_officer.post(url, dict.fromkeys(LISTING_FIELDS, value))
    assert_safe(response)
    assert response.status_code == 200
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [*cases("title", "text"), *cases("version", "number"), *cases("service", "choice")],
)
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


TEXT_VALUES = [pytest.param(CLASSES[c], id=c) for c in FOR_TYPE["text"]]


@pytest.mark.parametrize("value", TEXT_VALUES)
def test_express_interest_survives_bad_values(client, value):
    listing = published(title="Building control")
    client.force_login(officer_of(BRIGHTON))
    response = client.post(
        reverse("offers:interest", kwargs={"pk": listing.pk}), {"message": value}
    )
    html = assert_safe(response)
    if response.status_code == 200 and value.strip() and "\x00" not in value:
        assert _kept(html, value)


@pytest.mark.parametrize("value", TEXT_VALUES)
def test_report_survives_bad_values(client, value):
    listing = published(title="Building control")
    client.force_login(UserFactory())
    response = client.post(reverse("offers:report", kwargs={"pk": listing.pk}), {"reason": value})
    html = assert_safe(response)
    if response.status_code == 200 and value.strip() and "\x00" not in value:
        assert _kept(html, value)


# The decision is a choice, the reasons text and the version a number: every class, once.
@pytest.mark.parametrize("value", [pytest.param(v, id=c) for c, v in CLASSES.items()])
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
