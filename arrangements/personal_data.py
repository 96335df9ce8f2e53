"""The register's part of a person's own data (councils.personal_data and
councils.account_services send signals; this module answers them, connected by
ArrangementsConfig.ready()).

An arrangement belongs to its partners and stays when a person goes. Where they
were its contact, the contact is cleared (the partners' officers can set a new
one) and the arrangement's history says so; events keep the organisation but not
the person (the foreign key goes to null with the account).
"""

from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from councils.account_services import account_deleting
from councils.models import User
from councils.personal_data import email_matches, person_email_addresses, personal_data_requested

from .changes import arrangements_changed
from .models import ArrangementEvent, SharedArrangement


def arrangements_personal_data(*, user: User) -> dict[str, Any]:
    """Arrangements the person recorded or is the contact of, as references."""
    emails = person_email_addresses(user=user)
    rows = SharedArrangement.objects.filter(
        email_matches(field="contact_email", emails=emails) | Q(recorded_by=user)
    ).order_by("pk")
    return {
        "arrangements": [
            {
                "id": a.pk,
                "name": a.name,
                "status": a.get_status_display(),
                "you_recorded_it": a.recorded_by_id == user.pk,
                "you_are_the_contact": a.contact_email.lower() in emails,
                "url": a.get_absolute_url(),
            }
            for a in rows
        ]
    }


@receiver(personal_data_requested, dispatch_uid="arrangements-personal-data")
def _personal_data_section(sender: Any, *, user: User, **kwargs: Any) -> dict[str, Any]:
    return arrangements_personal_data(user=user)


@receiver(account_deleting, dispatch_uid="arrangements-account-deleting")
def _account_deleting(sender: Any, *, user: User, emails: set[str], **kwargs: Any) -> None:
    contacted = list(
        SharedArrangement.objects.filter(email_matches(field="contact_email", emails=emails))
    )
    for arrangement in contacted:
        arrangement.contact_name = ""
        arrangement.contact_email = ""
        arrangement.save(update_fields=["contact_name", "contact_email", "updated_at"])
        ArrangementEvent.objects.create(
            arrangement=arrangement,
            action=ArrangementEvent.Action.RECORDED,
            from_status=arrangement.status,
            to_status=arrangement.status,
            reason="The contact deleted their account; the contact is now blank.",
        )
    if contacted:
        arrangements_changed()
