"""The listings version: one number that changes whenever any listing changes.

Every cached browse page is stored with the version read before its search ran
(offers.browse.cache), so a change makes older pages misses. It lives here, in
the listings' own room, because every writer of listings bumps it and the
browse package reads it; neither should import the other for it.
"""

import time

from django.core.cache import cache
from django.db import transaction

# Part of every cached browse result's key (offers.browse.selectors.listing_browse_page).
LISTINGS_VERSION_KEY = "offers:listings-version"


def listings_version() -> int:
    """The current listings version. If the cache lost it, a new one starts from the
    clock, so it can never come back to a value that older cached results were saved under."""
    version = cache.get(LISTINGS_VERSION_KEY)
    if version is None:
        cache.add(LISTINGS_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(LISTINGS_VERSION_KEY)
    return int(version) if version is not None else time.time_ns()  # None: a dummy cache


def _listings_version_bump() -> None:
    try:
        cache.incr(LISTINGS_VERSION_KEY)  # atomic in Redis: concurrent bumps all count
    except ValueError:  # not in the cache: any new clock value is a new version
        cache.set(LISTINGS_VERSION_KEY, time.time_ns(), timeout=None)


def listings_changed() -> None:
    """Call in the transaction that changes a listing in any way (state, text,
    visibility, expiry): cached browse results stop being read once it commits,
    and not at all if it rolls back."""
    transaction.on_commit(_listings_version_bump)
