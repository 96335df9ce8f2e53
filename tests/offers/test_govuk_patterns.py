"""GOV.UK patterns on the listing form (issue 15, point 5): the date input for the
earliest start, and the council picker that works without JavaScript."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from councils.models import Authority
from offers.models import Listing
from tests.factories import officer_of

from .factories import ADUR, ARUN, listing_form_data

pytestmark = pytest.mark.django_db


def post(client, **overrides):
    client.force_login(officer_of(ADUR))
    return client.post(
        reverse("offers:create", kwargs={"kind": "offer"}), listing_form_data(**overrides)
    )


def test_earliest_start_is_three_boxes_in_a_fieldset(client):
    client.force_login(officer_of(ADUR))
    html = client.get(reverse("offers:create", kwargs={"kind": "offer"})).content.decode()
    assert 'type="date"' not in html
    assert (
        '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_earliest_start-hint"'
        in html
    )
    for part, width in (("day", 2), ("month", 2), ("year", 4)):
        assert f'name="earliest_start_{part}"' in html
        assert f"govuk-input--width-{width}" in html
    assert (
        '<label class="govuk-label govuk-date-input__label" for="id_earliest_start">Day</label>'
        in html
    )


def test_a_date_typed_in_three_boxes_is_saved(client):
    response = post(
        client, earliest_start_day="1", earliest_start_month="4", earliest_start_year="2027"
    )
    assert response.status_code == 302
    assert Listing.objects.get().earliest_start == dt.date(2027, 4, 1)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("1", "", "2027", "Earliest start date must include a month"),
        ("", "", "2027", "Earliest start date must include a day and month"),
        ("31", "2", "2027", "Earliest start date must be a real date"),
        ("1", "April", "2027", "Earliest start date must be a real date"),
        ("1", "4", "27", "Year must include 4 numbers"),
    ],
)
def test_govuk_error_messages_for_a_date(client, day, month, year, message):
    response = post(
        client, earliest_start_day=day, earliest_start_month=month, earliest_start_year=year
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="#id_earliest_start">{message}</a>' in html
    assert "govuk-date-input__input govuk-input--width-2 govuk-input--error" in html
    assert f'value="{year}"' in html  # what was typed is kept
    assert not Listing.objects.exists()


def test_an_edit_shows_the_saved_date_in_the_boxes(client):
    post(client, earliest_start_day="9", earliest_start_month="11", earliest_start_year="2027")
    listing = Listing.objects.get()
    html = client.get(reverse("offers:edit", kwargs={"pk": listing.pk})).content.decode()
    day = re.search(r'<input[^>]*id="id_earliest_start"[^>]*>', html)
    assert day is not None and 'name="earliest_start_day"' in day.group(0)
    assert 'value="9"' in day.group(0)


def test_the_council_picker_is_a_working_select_without_javascript(client):
    arun = Authority.objects.get(gss_code=ARUN)
    client.force_login(officer_of(ADUR))
    html = client.get(reverse("offers:create", kwargs={"kind": "offer"})).content.decode()
    assert 'data-module="app-council-picker"' in html and "multiple" in html
    assert "accessible-autocomplete.min.js" in html and "council-picker.js" in html
    response = post(client, partner_scope=Listing.PartnerScope.NAMED, named_partners=[arun.pk])
    assert response.status_code == 302
    assert list(Listing.objects.get().named_partners.all()) == [arun]
