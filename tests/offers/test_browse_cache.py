"""The /listings/ results cache: a change made through offers.services shows at
once, audiences never share results, and a hit costs fewer queries.

Listings here are moved through offers.services (not factories) where the test
is about the cache seeing a change, because only the services bump the
listings version. on_commit callbacks run with
django_capture_on_commit_callbacks(execute=True), as they would after a commit.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from core import generations
from councils.models import Authority
from offers import services
from offers.browse.cache import (
    BrowseViewer,
    browse_cache_timeout,
    browse_fragments,
    browse_page_cached,
)
from offers.changes import listings_version
from offers.models import Listing, Service
from offers.moderation import services as moderation_services
from tests.factories import UserFactory, officer_of
from tests.offers.factories import make_listing
from tests.offers.pages import result_count, result_titles

pytestmark = pytest.mark.django_db

ADUR, WORTHING, BRIGHTON, WESTMINSTER = "E07000223", "E07000229", "E06000043", "E09000033"
SEARCH = "/listings/?q=building&kind=offer&family=planning-and-building-control"


titles = result_titles
count = result_count


def draft(owner, title: str, **fields) -> Listing:
    return services.listing_create(
        authority=Authority.objects.get(gss_code=ADUR),
        by=owner,
        kind=Listing.Kind.OFFER,
        service=Service.objects.get(slug="building-control"),
        title=title,
        summary=f"{title}: shared between councils.",
        description="Eight surveyors.",
        contact_name="A Officer",
        contact_email="a.officer@adur-worthing.example.gov.uk",
        **fields,
    )


def publish(listing: Listing, owner, moderator) -> Listing:
    listing = services.listing_submit(listing=listing, by=owner)
    return moderation_services.listing_moderate(listing=listing, by=moderator, decision="approve")


@pytest.fixture
def people():
    return officer_of(ADUR), UserFactory(is_staff=True)


def test_a_cached_page_shows_a_newly_published_listing_at_once(
    client, people, django_capture_on_commit_callbacks
):
    owner, moderator = people
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft(owner, "Building control first"), owner, moderator)
    assert titles(client.get(SEARCH)) == ["Building control first"]
    assert titles(client.get(SEARCH)) == ["Building control first"]  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        publish(draft(owner, "Building control second"), owner, moderator)

    response = client.get(SEARCH)
    assert sorted(titles(response)) == ["Building control first", "Building control second"]
    assert count(response) == 2


def test_withdrawn_edited_and_expired_listings_leave_cached_results_at_once(
    client, people, django_capture_on_commit_callbacks
):
    owner, moderator = people
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = publish(draft(owner, "Building control to withdraw"), owner, moderator)
        expiring = publish(draft(owner, "Building control to expire"), owner, moderator)
        edited = publish(draft(owner, "Building control to rename"), owner, moderator)
    assert len(titles(client.get(SEARCH))) == 3

    with django_capture_on_commit_callbacks(execute=True):
        services.listing_withdraw(listing=withdrawn, by=owner, reason="Merged")
    assert sorted(titles(client.get(SEARCH))) == [
        "Building control to expire",
        "Building control to rename",
    ]

    # An edit of a published listing is live at once (issue 15); a revert takes it back.
    with django_capture_on_commit_callbacks(execute=True):
        edited = services.listing_update(
            listing=edited,
            by=owner,
            changes={"title": "Building control, renamed"},
            version=edited.version,
        )
    assert sorted(titles(client.get(SEARCH))) == [
        "Building control to expire",
        "Building control, renamed",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        edited = moderation_services.listing_moderate(
            listing=edited, by=moderator, decision="revert_changes", reason="Keep the old name"
        )
    assert sorted(titles(client.get(SEARCH))) == [
        "Building control to expire",
        "Building control to rename",
    ]

    Listing.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.listing_expire_due() == 1
    assert titles(client.get(SEARCH)) == ["Building control to rename"]


def test_a_rolled_back_change_keeps_the_version(people):
    owner, _moderator = people
    before = listings_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        draft(owner, "Never committed")
        raise RuntimeError("roll back")
    cache.clear()  # read the database's number, not the cache's copy
    assert listings_version() == before


def test_a_committed_change_moves_the_version_on_at_once(
    people, django_capture_on_commit_callbacks
):
    owner, _moderator = people
    before = listings_version()
    with django_capture_on_commit_callbacks(execute=True):
        draft(owner, "Committed")
    assert listings_version() > before


def test_signed_in_only_listings_never_leak_to_anonymous_visitors_through_the_cache(
    client, people, django_capture_on_commit_callbacks
):
    owner, moderator = people
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft(owner, "Building control public"), owner, moderator)
        publish(
            draft(owner, "Building control officers only", visibility=Listing.Visibility.SIGNED_IN),
            owner,
            moderator,
        )
    # Officer first: the page with the signed-in-only listing is cached ...
    client.force_login(officer_of(WESTMINSTER))
    assert len(titles(client.get(SEARCH))) == 2
    # ... and is not what a member of the public or an anonymous visitor gets.
    client.force_login(UserFactory())
    assert titles(client.get(SEARCH)) == ["Building control public"]
    client.logout()
    response = client.get(SEARCH)
    assert titles(response) == ["Building control public"]
    assert count(response) == 1
    # The other way round: an anonymous page cached first does not hide it from officers.
    client.force_login(officer_of(WESTMINSTER))
    assert len(titles(client.get(SEARCH))) == 2


def test_distances_follow_each_officers_own_council(client):
    for gss in (ADUR, BRIGHTON, WESTMINSTER):
        make_listing(
            status=Listing.Status.PUBLISHED,
            title=f"Offer from {gss}",
            authority=Authority.objects.get(gss_code=gss),
        )
    url = "/listings/?sort=nearest"
    client.force_login(officer_of(WESTMINSTER))
    assert titles(client.get(url))[0] == f"Offer from {WESTMINSTER}"
    client.force_login(officer_of(WORTHING))
    response = client.get(url)
    assert titles(response)[0] == f"Offer from {ADUR}"
    assert "7 km from Worthing" in response.content.decode()


def test_a_hit_costs_no_queries_and_a_miss_no_more_than_without_the_cache(
    client, settings, django_assert_num_queries, monkeypatch
):
    # The generation's cached copy lives a second; on a loaded machine (xdist, CI) it
    # could expire between requests and add its one small read. Counted here: the page.
    monkeypatch.setattr(generations, "GENERATION_CACHE_SECONDS", 300)
    for n in range(25):
        make_listing(status=Listing.Status.PUBLISHED, title=f"Building control {n}")
    url = SEARCH + "&page=2"
    # Loads the councils, the taxonomy and the search synonyms (cached for minutes).
    client.get("/listings/?kind=need&q=warm")

    settings.BROWSE_CACHE_SECONDS = 0
    with django_assert_num_queries(2):  # the page's rows (the count as a window), the facets
        uncached = client.get(url)
    assert len(titles(uncached)) == 5

    settings.BROWSE_CACHE_SECONDS = 60
    with django_assert_num_queries(2):  # a miss: the same queries
        first = client.get(url)
    with django_assert_num_queries(0):  # a hit: the stored page
        second = client.get(url)
    assert second.content == first.content == uncached.content
    assert count(second) == 25
    # The same parameters in another order are the same entry.
    with django_assert_num_queries(0):
        reordered = client.get(
            "/listings/?page=2&family=planning-and-building-control&kind=offer&q=building"
        )
    assert reordered.content == first.content
    # Any other parameter makes its own entry: the page links keep every
    # parameter, so one visitor's must not show in another's page.
    with django_assert_num_queries(2):
        tagged = client.get(url + "&utm_source=email")
    assert titles(tagged) == titles(first)
    assert "utm_source" in tagged.content.decode()
    assert "utm_source" not in client.get(url).content.decode()


def test_a_cached_page_is_not_shown_past_the_expiry_of_a_listing_on_it(client):
    live = make_listing(status=Listing.Status.PUBLISHED, title="Building control staying")
    soon = make_listing(status=Listing.Status.PUBLISHED, title="Building control ending")
    Listing.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(seconds=1))
    assert len(titles(client.get(SEARCH))) == 2
    # Factories do not bump the listings version, and no expiry job runs:
    # only the entry's own freshness limit can drop the listing.
    Listing.objects.filter(pk=soon.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    time.sleep(1.1)
    assert titles(client.get(SEARCH)) == [live.title]


def test_the_save_search_link_is_per_person_not_cached(client):
    make_listing(status=Listing.Status.PUBLISHED, title="Building control")
    # A signed-in member of the public shares the public audience with anonymous visitors.
    client.force_login(UserFactory())
    assert 'data-testid="save-search"' in client.get(SEARCH).content.decode()
    client.logout()
    anonymous = client.get(SEARCH)
    assert titles(anonymous) == ["Building control"]
    assert 'data-testid="save-search"' not in anonymous.content.decode()
    client.force_login(UserFactory())
    assert 'data-testid="save-search"' in client.get(SEARCH).content.decode()


def test_a_page_with_errors_is_not_stored(client):
    make_listing(status=Listing.Status.PUBLISHED, title="Building control")
    bad = "/listings/?kind=nonsense"
    assert "There is a problem" in client.get(bad).content.decode()
    keys = browse_fragments(params=QueryDict("kind=nonsense"), viewer=BrowseViewer(False))
    assert cache.get_many([keys.content, keys.title, keys.built_under]) == {}
    good = "/listings/?kind=offer"
    client.get(good)
    keys = browse_fragments(params=QueryDict("kind=offer"), viewer=BrowseViewer(False))
    stored = cache.get_many([keys.content, keys.title, keys.built_under])
    assert set(stored) == {keys.content, keys.title, keys.built_under}


def test_an_entry_lives_no_longer_than_the_first_expiry_on_it(settings):
    settings.BROWSE_CACHE_SECONDS = 60
    now = timezone.now()
    assert browse_cache_timeout(expiries=[], now=now.timestamp()) == 60
    soon = [now + timedelta(seconds=90), now + timedelta(seconds=12.7)]
    assert browse_cache_timeout(expiries=soon, now=now.timestamp()) == 12  # rounded down
    gone = [now - timedelta(seconds=1)]
    assert browse_cache_timeout(expiries=gone, now=now.timestamp()) == 0  # nothing stored


def test_a_page_built_under_an_older_generation_is_never_shown(
    client, people, django_capture_on_commit_callbacks, django_assert_num_queries, monkeypatch
):
    # The generations' copies must not expire between the last two requests (a slow
    # machine): the commit below deletes them, which is what this test is about.
    monkeypatch.setattr(generations, "GENERATION_CACHE_SECONDS", 300)
    make_listing(status=Listing.Status.PUBLISHED, title="Building control first")
    keys = browse_fragments(params=QueryDict(SEARCH.split("?", 1)[1]), viewer=BrowseViewer(False))
    assert titles(client.get(SEARCH)) == ["Building control first"]
    before, page = browse_page_cached(keys=keys)
    assert page is not None  # stored, under the generations read before its search
    owner, moderator = people
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft(owner, "Building control second"), owner, moderator)
    after, page = browse_page_cached(keys=keys)
    assert after != before and page is None  # the stored page is still there, but not shown
    assert len(titles(client.get(SEARCH))) == 2
    with django_assert_num_queries(0):  # and the page built under the new one is a hit
        assert len(titles(client.get(SEARCH))) == 2


def test_a_hit_is_one_cache_round_trip(client, monkeypatch):
    """The generations' cached copies and the page's three entries in one MGET."""
    monkeypatch.setattr(generations, "GENERATION_CACHE_SECONDS", 300)
    make_listing(status=Listing.Status.PUBLISHED, title="Building control first")
    client.get(SEARCH)
    client.get(SEARCH)  # the generations' copies are in the cache now, beside the page
    calls: list[str] = []
    for name in ("get", "get_many", "set", "set_many"):
        real = getattr(cache, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(cache, name, counted)
    assert titles(client.get(SEARCH)) == ["Building control first"]
    assert calls == ["get_many"]


def test_highlights_come_back_from_the_cache_escaped(client, people):
    make_listing(
        status=Listing.Status.PUBLISHED,
        title="Building <b>control</b> & more",
        summary="Shared building surveyors.",
    )
    first = client.get(SEARCH).content.decode()
    second = client.get(SEARCH).content.decode()
    assert first == second
    assert "<mark>Building</mark> &lt;b&gt;control&lt;/b&gt; &amp; more" in second
