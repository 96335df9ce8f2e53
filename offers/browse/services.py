"""Writes for browse and search: the staff-kept synonym list, audited.

A change bumps the synonyms generation (the cached list, offers.browse.search)
and the listings generation (offers.changes) in the same transaction, so
neither the old list nor /listings/ pages built with it are served again.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.generations import generation_bump
from councils.models import User
from offers.browse.search import SYNONYMS_GENERATION
from offers.changes import listings_changed
from offers.models import SearchSynonym


def _clean_synonyms(synonyms: str) -> str:
    parts = [" ".join(part.split()) for part in synonyms.split(",")]
    return ", ".join(part for part in parts if part)


@transaction.atomic
def search_synonym_add(*, phrase: str, synonyms: str, by: User) -> SearchSynonym:
    """Add a phrase and what it also means. ValidationError if the phrase is listed already."""
    phrase = " ".join(phrase.split())
    cleaned = _clean_synonyms(synonyms)
    if not phrase:
        raise ValidationError({"phrase": "Enter what people type"})
    if not cleaned:
        raise ValidationError({"synonyms": "Enter at least one word listings use instead"})
    try:
        with transaction.atomic():
            created = SearchSynonym.objects.create(phrase=phrase, synonyms=cleaned)
    except IntegrityError as error:  # searchsynonym_unique on Lower(phrase)
        raise ValidationError({"phrase": f"“{phrase}” is already on the list"}) from error
    audit_record(
        actor=by,
        action="search_synonym.add",
        target=created,
        after={"phrase": phrase, "synonyms": cleaned},
    )
    generation_bump(SYNONYMS_GENERATION)
    listings_changed()
    return created


@transaction.atomic
def search_synonym_delete(*, synonym: SearchSynonym, by: User) -> None:
    audit_record(
        actor=by,
        action="search_synonym.delete",
        target=synonym,
        before={"phrase": synonym.phrase, "synonyms": synonym.synonyms},
    )
    synonym.delete()
    generation_bump(SYNONYMS_GENERATION)
    listings_changed()
