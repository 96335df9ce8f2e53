"""The listings generation: one number that moves on whenever any listing changes.

Every cached browse page is stored under a key holding the generation read
before its search ran (offers.browse.cache), so a change makes older pages
misses. It lives here, in the listings' own room, because every writer of listings bumps it and the
browse package reads it; neither should import the other for it. The number
itself is kept by core.generations: in the database, bumped in the writer's
transaction, read through the cache.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save

from core.generations import generation, generation_bump
from councils.changes import reference_data_changed
from offers.models import Service, ServiceFamily

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


def _taxonomy_changed(**_signal_kwargs: Any) -> None:
    """Services and their families are reference data too: the browse filter panel
    (offers.browse.filters.browse_reference) lists them. A save or delete from the
    staff taxonomy pages or the admin moves the reference-data generation on in its
    transaction, as matching's signals do for councils."""
    reference_data_changed()


for _model in (Service, ServiceFamily):
    post_save.connect(
        _taxonomy_changed, sender=_model, dispatch_uid=f"offers-ref-{_model.__name__}"
    )
    post_delete.connect(
        _taxonomy_changed, sender=_model, dispatch_uid=f"offers-ref-del-{_model.__name__}"
    )
