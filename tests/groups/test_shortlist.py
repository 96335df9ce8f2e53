"""The shortlist (issue 17, point 3): kept per organisation, shared by its officers,
never shown to another organisation; notes with a GOV.UK error summary; CSV export."""

import csv
import io
from typing import Any

import pytest
from django.test import Client

from councils.models import Authority
from groups.models_shortlist import ShortlistEntry
from offers.models import Service
from tests.factories import AuthorityFactory, UserFactory, officer_of
from tests.offers.factories import ADUR, ARUN

pytestmark = pytest.mark.django_db
CHICHESTER = "E07000225"
WORTHING = "E07000229"
ADD = "/shortlist/add/"


def _signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _add(client: Client, candidate: str = CHICHESTER, service: str = "payroll") -> Any:
    return client.post(ADD, {"service": service, "candidate": candidate})


def test_an_officer_shortlists_a_candidate_once_and_colleagues_see_it() -> None:
    first, colleague = officer_of(ARUN), officer_of(ARUN)
    client = _signed_in(first)
    assert _add(client).status_code == 302
    assert _add(client).status_code == 302  # a double-click adds nothing
    entries = ShortlistEntry.objects.filter(authority__gss_code=ARUN)
    assert [e.candidate.gss_code for e in entries] == [CHICHESTER]
    assert entries[0].added_by == first
    page = _signed_in(colleague).get("/shortlist/").content.decode()
    assert "Chichester District Council" in page and "Payroll" in page


def test_another_organisations_officers_never_see_or_touch_the_shortlist() -> None:
    arun_client = _signed_in(officer_of(ARUN))
    _add(arun_client)
    entry = ShortlistEntry.objects.get(authority__gss_code=ARUN)
    arun_client.post(f"/shortlist/{entry.pk}/pack/")
    pack = entry.packs.get()
    adur = _signed_in(officer_of(ADUR))
    page = adur.get("/shortlist/").content.decode()
    assert "Chichester" not in page and "Nothing shortlisted yet" in page
    assert "Chichester" not in adur.get("/shortlist/shortlist.csv").content.decode()
    for url in (
        f"/shortlist/{entry.pk}/notes/",
        f"/shortlist/packs/{pack.pk}/",
        f"/shortlist/packs/{pack.pk}/download.pdf",
        f"/shortlist/packs/{pack.pk}/download.odt",
    ):
        assert adur.get(url).status_code == 404, url
    assert adur.post(f"/shortlist/{entry.pk}/notes/", {"notes": "ours now"}).status_code == 404
    assert adur.post(f"/shortlist/{entry.pk}/pack/").status_code == 404
    assert adur.post(f"/shortlist/{entry.pk}/remove/").status_code == 404
    entry.refresh_from_db()
    assert entry.notes == "" and entry.packs.count() == 1


def test_people_with_no_organisation_get_forbidden_and_anonymous_visitors_sign_in() -> None:
    nobody = _signed_in(UserFactory())
    assert nobody.get("/shortlist/").status_code == 403
    assert _add(nobody).status_code == 403
    assert ShortlistEntry.objects.count() == 0
    anonymous = Client().get("/shortlist/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_adding_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_of(ARUN))
    assert _add(client).status_code == 403
    assert ShortlistEntry.objects.count() == 0


def test_an_organisation_cannot_shortlist_itself_or_an_unknown_one() -> None:
    client = _signed_in(officer_of(ARUN))
    assert _add(client, candidate=ARUN).status_code == 404
    assert _add(client, candidate="E99999999").status_code == 404
    assert _add(client, service="no-such-service").status_code == 404
    assert ShortlistEntry.objects.count() == 0


def test_notes_are_saved_and_refused_with_an_error_summary() -> None:
    client = _signed_in(officer_of(ARUN))
    _add(client)
    entry = ShortlistEntry.objects.get()
    url = f"/shortlist/{entry.pk}/notes/"
    bad = client.post(url, {"notes": "x" * 2001})
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "govuk-error-summary" in html and "Notes must be 2,000 characters or fewer" in html
    assert "<title>Error:" in html
    control = client.post(url, {"notes": "bell\x07"})
    assert "govuk-error-summary" in control.content.decode()
    assert client.post(url, {"notes": "Talk to their head of HR\nin January"}).status_code == 302
    entry.refresh_from_db()
    assert entry.notes == "Talk to their head of HR\nin January"


def test_the_csv_lists_every_entry_and_defuses_formulas() -> None:
    client = _signed_in(officer_of(ARUN))
    _add(client)
    _add(client, candidate=WORTHING, service="building-control")
    entry = ShortlistEntry.objects.get(candidate__gss_code=CHICHESTER)
    client.post(f"/shortlist/{entry.pk}/notes/", {"notes": "=HYPERLINK(1)"})
    response = client.get("/shortlist/shortlist.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(r["service"], r["gss_code"]) for r in rows} == {
        ("Payroll", CHICHESTER),
        ("Building control", WORTHING),
    }
    chichester = next(r for r in rows if r["gss_code"] == CHICHESTER)
    assert chichester["notes"] == "'=HYPERLINK(1)"
    assert chichester["organisation"] == "Chichester District Council"


def test_removing_takes_the_entry_off_for_everyone() -> None:
    client = _signed_in(officer_of(ARUN))
    _add(client)
    entry = ShortlistEntry.objects.get()
    assert client.post(f"/shortlist/{entry.pk}/remove/").status_code == 302
    assert not ShortlistEntry.objects.exists()


def test_shortlist_page_queries_do_not_grow_with_entries(
    django_assert_max_num_queries: object,
) -> None:
    user = officer_of(ARUN)
    arun = Authority.objects.get(gss_code=ARUN)
    services = list(Service.objects.all()[:3])
    client = _signed_in(user)

    def fill(n: int) -> None:
        for candidate in AuthorityFactory.create_batch(n):
            for service in services:
                ShortlistEntry.objects.create(
                    authority=arun, service=service, candidate=candidate, added_by=user
                )

    fill(1)
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        assert client.get("/shortlist/").status_code == 200
    fill(20)
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        response = client.get("/shortlist/")
    assert response.content.decode().count('class="govuk-table__row"') == 63 + 3  # rows + heads
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        assert client.get("/shortlist/shortlist.csv").status_code == 200


def test_find_partner_offers_add_to_shortlist_only_to_the_organisations_officers() -> None:
    query = {"council": ARUN, "service": "payroll"}
    own = _signed_in(officer_of(ARUN)).get("/listings/partners/", query).content.decode()
    assert own.count('action="/shortlist/add/"') == 25  # every shown suggestion
    other = _signed_in(officer_of(ADUR)).get("/listings/partners/", query).content.decode()
    assert 'action="/shortlist/add/"' not in other
    assert (
        'action="/shortlist/add/"'
        not in Client().get("/listings/partners/", query).content.decode()
    )


def test_find_partner_marks_who_is_already_shortlisted() -> None:
    client = _signed_in(officer_of(ARUN))
    _add(client)
    html = client.get(
        "/listings/partners/", {"council": ARUN, "service": "payroll"}
    ).content.decode()
    after = html[html.index(f'id="partner-{CHICHESTER}"') :]
    end = after.find('class="app-partner" id="partner-', 1)
    chichester = after if end == -1 else after[:end]
    assert "On your shortlist" in chichester and 'action="/shortlist/add/"' not in chichester
    assert html.count('action="/shortlist/add/"') == 24
