"""manage.py seed_demo_listings: idempotent, labelled demo, silent, refused on a real site."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offers.models import Listing, ListingEvent

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_each_demo_listing_once_and_sends_no_email(settings, mailoutbox):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    call_command("seed_demo_listings", stdout=StringIO())
    call_command("seed_demo_listings", stdout=StringIO())

    listings = Listing.objects.all()
    assert listings.count() == 3
    assert all(listing.is_demo for listing in listings)
    statuses = sorted(listings.values_list("status", flat=True))
    assert statuses == ["published", "published", "submitted"]
    assert {listing.authority.gss_code for listing in listings} == {"E07000223", "E07000229"}
    assert not ListingEvent.objects.filter(
        action=ListingEvent.Action.PUBLISHED, owner_notified_at__isnull=True
    ).exists()
    assert mailoutbox == []


def test_refuses_when_debug_is_off_unless_forced(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=StringIO())
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo_listings", stdout=StringIO())
    assert not Listing.objects.exists()

    call_command("seed_demo_listings", "--force", stdout=StringIO())
    assert Listing.objects.filter(is_demo=True).count() == 3


def test_refuses_without_the_demo_accounts(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="run seed_demo"):
        call_command("seed_demo_listings", stdout=StringIO())
