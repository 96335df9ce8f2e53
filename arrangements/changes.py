"""The arrangements generation: moves on whenever an arrangement or a partner's answer
changes. The register page, the API and matching's snapshot key on it."""

from core.generations import generation, generation_bump

ARRANGEMENTS_GENERATION = "arrangements:register"


def arrangements_version() -> int:
    return generation(ARRANGEMENTS_GENERATION)


def arrangements_changed() -> None:
    """Call in the transaction that changes an arrangement; seen once it commits."""
    generation_bump(ARRANGEMENTS_GENERATION)
