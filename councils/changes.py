"""The reference-data generation: moves on whenever authorities, adjacency or spend change;
and the memberships generation: moves on whenever someone starts or stops acting for an
organisation (the market overview's registered organisations, api.market).

Processes that keep reference data in memory (matching.selectors, the browse
filter panel in offers.browse.filters) key it on this generation
(core.generations). The importer writes with `bulk_update`, which sends no
signals, so it bumps the generation itself at the end of its transaction;
saves and deletes elsewhere bump it through matching's signals (organisations,
areas, spend) and offers' (services and their families).
"""

from core.generations import generation, generation_bump

REFERENCE_DATA_GENERATION = "councils:reference-data"


def reference_data_generation() -> int:
    return generation(REFERENCE_DATA_GENERATION)


def reference_data_changed() -> None:
    """Call inside the transaction that changes reference data; seen once it commits."""
    generation_bump(REFERENCE_DATA_GENERATION)


# Apart from reference data: a membership changing says nothing about the areas and
# spend that matching keeps in memory, so it must not make every process reload them.
MEMBERSHIPS_GENERATION = "councils:memberships"


def memberships_changed() -> None:
    """Call inside the transaction that approves, ends or re-adds a membership."""
    generation_bump(MEMBERSHIPS_GENERATION)
