"""The listings generation: one number that moves on whenever any listing changes.

Every cached browse page is stored under a key holding the generation read
before its search ran (offers.browse.cache), so a change makes older pages
misses. It lives here, in the listings' own room, because every writer of listings bumps it and the
browse package reads it; neither should import the other for it. The number
itself is kept by core.generations: in the database, bumped in the writer's
transaction, read through the cache.
"""

from core.generations import generation, generation_bump

LISTINGS_GENERATION = "offers:listings"


def listings_version() -> int:
    """The current listings generation (read through the cache; see core.generations)."""
    return generation(LISTINGS_GENERATION)


def listings_changed() -> None:
    """Call in the transaction that changes a listing in any way (state, text,
    visibility, expiry): cached browse results stop being read once it commits,
    and not at all if it rolls back. Writers of listings queue on the generation's
    row until they commit, which is cheap at the rate listings change."""
    generation_bump(LISTINGS_GENERATION)
