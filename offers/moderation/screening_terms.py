"""Staff manage the screened-word list on a page of their own, not in the Django admin.

Writes are audited with core.audit in the same transaction, so the log shows
who added, switched off or removed each word and when. The list takes effect
at once: screening reads the active terms on every check
(offers.moderation.selectors.screening_terms, offers.services.screening_tripped).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from core.audit import audit_record
from councils.models import User
from offers.models import ScreeningTerm


def screening_terms_all() -> QuerySet[ScreeningTerm]:
    return ScreeningTerm.objects.order_by("term")


@transaction.atomic
def screening_term_add(*, term: str, note: str, by: User) -> ScreeningTerm:
    """Add a word or phrase. Raises ValidationError if it is on the list already (any case)."""
    term = " ".join(term.split())
    if not term:
        raise ValidationError({"term": "Enter a word or phrase to screen for"})
    try:
        with transaction.atomic():
            created = ScreeningTerm.objects.create(term=term, note=note.strip())
    except IntegrityError as error:  # screeningterm_unique on Lower(term)
        raise ValidationError({"term": f"“{term}” is already on the list"}) from error
    audit_record(
        actor=by,
        action="screening_term.add",
        target=created,
        after={"term": created.term, "note": created.note, "is_active": True},
    )
    return created


@transaction.atomic
def screening_term_set_active(*, term: ScreeningTerm, active: bool, by: User) -> ScreeningTerm:
    """Switch a term off (kept for the record) or on again. A repeat changes nothing."""
    locked = ScreeningTerm.objects.select_for_update().get(pk=term.pk)
    if locked.is_active == active:
        return locked
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    audit_record(
        actor=by,
        action="screening_term.change",
        target=locked,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return locked


@transaction.atomic
def screening_term_delete(*, term: ScreeningTerm, by: User) -> None:
    audit_record(
        actor=by,
        action="screening_term.delete",
        target=term,
        before={"term": term.term, "note": term.note, "is_active": term.is_active},
    )
    term.delete()
