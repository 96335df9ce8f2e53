"""A person's arrangements in their data download, and their contact details cleared
from arrangements when they delete their account (the arrangement stays)."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from arrangements.models import SharedArrangement
from tests.factories import officer_of

from .factories import ADUR, WORTHING, recorded

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def test_download_lists_the_arrangements_they_recorded(client):
    officer = officer_of(ADUR)
    arrangement = recorded(by=officer, partners=(WORTHING,))
    client.force_login(officer)
    data = json.loads(client.get("/accounts/your-data/download/").content)
    assert [(r["id"], r["you_recorded_it"]) for r in data["arrangements"]] == [
        (arrangement.pk, True)
    ]


def test_deleting_the_account_clears_them_as_contact_and_keeps_the_arrangement(client):
    officer = officer_of(ADUR, email="sam.contact@adur-worthing.example.gov.uk")
    arrangement = recorded(by=officer, partners=(WORTHING,))
    client.force_login(officer)
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    kept = SharedArrangement.objects.get(pk=arrangement.pk)
    assert (kept.contact_name, kept.contact_email, kept.recorded_by) == ("", "", None)
    assert (
        "sam.contact"
        not in json.dumps(list(SharedArrangement.objects.values()), cls=DjangoJSONEncoder).lower()
    )
    last = kept.events.last()
    assert last is not None and last.reason.startswith("The contact deleted their account")
