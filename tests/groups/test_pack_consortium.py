"""The business-case pack for a suggested consortium (issue 17, point 4): built for
a member organisation from the West Sussex payroll case, every member and its spend
by year with sources in the PDF, and nobody outside the consortium can build or
download it."""

import io
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from councils.models import Authority, SpendRecord
from groups.models import Suggestion
from groups.models_shortlist import BusinessCasePack
from offers import services as offers_services
from offers.models import Listing, Service
from tests.factories import UserFactory, officer_of
from tests.offers.factories import make_listing

pytestmark = pytest.mark.django_db
ADUR, ARUN, CHICHESTER, WORTHING = "E07000223", "E07000224", "E07000225", "E07000229"
MEMBERS = (ADUR, ARUN, CHICHESTER, WORTHING)
HORSHAM = "E07000227"


def _consortium() -> Suggestion:
    staff: Any = UserFactory(is_staff=True)
    for gss in MEMBERS:
        listing = make_listing(
            authority=Authority.objects.get(gss_code=gss),
            service=Service.objects.get(slug="payroll"),
            kind=Listing.Kind.NEED,
            status=Listing.Status.SUBMITTED,
            created_by=officer_of(gss),
            title=f"Payroll partner wanted ({gss})",
            partner_scope=Listing.PartnerScope.RADIUS,
            partner_radius_km=50,
            annual_value_gbp=200_000,
        )
        offers_services.listing_publish(listing=listing, by=staff)
    return Suggestion.objects.get(kind=Suggestion.Kind.CONSORTIUM)


def _client(gss: str) -> Client:
    client = Client()
    client.force_login(officer_of(gss))
    return client


def test_a_members_officer_builds_the_consortium_pack_with_every_member_and_source(
    django_capture_on_commit_callbacks: Any,
) -> None:
    suggestion = _consortium()
    client = _client(ARUN)
    page = client.get(f"/groups/suggestions/{suggestion.key}/").content.decode()
    assert f'action="/shortlist/consortium/{suggestion.key}/pack/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/shortlist/consortium/{suggestion.key}/pack/")
    pack = BusinessCasePack.objects.get()
    assert response["Location"] == f"/shortlist/packs/{pack.pk}/"
    assert pack.status == BusinessCasePack.Status.READY, pack.error
    # The asking member first, then the others in detection's order.
    assert pack.title.startswith("A payroll consortium: Arun, ")
    assert all(name in pack.title for name in ("Adur", "Chichester", "Worthing"))
    pdf = client.get(f"/shortlist/packs/{pack.pk}/download.pdf").content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for gss in MEMBERS:
        assert Authority.objects.get(gss_code=gss).name in text
    rows = SpendRecord.objects.filter(
        authority__gss_code__in=MEMBERS, line__code="690", year="2024-25"
    ).select_related("authority")
    assert rows.count() == 4
    for row in rows:
        assert f"{row.authority.short_name} 2024-25" in text
        assert " ".join(row.source.split()) in text
    assert "£800,000 combined (4 of 4 members stated one)" in text
    assert "each need payroll" in text  # detection's explanation
    assert "Parties: (1) Arun District Council; (2) " in text


def test_no_one_outside_the_consortium_can_build_or_download_its_pack(
    django_capture_on_commit_callbacks: Any,
) -> None:
    suggestion = _consortium()
    outsider = _client(HORSHAM)
    assert outsider.post(f"/shortlist/consortium/{suggestion.key}/pack/").status_code == 404
    assert not BusinessCasePack.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _client(ADUR).post(f"/shortlist/consortium/{suggestion.key}/pack/")
    pack = BusinessCasePack.objects.get()
    assert outsider.get(f"/shortlist/packs/{pack.pk}/download.pdf").status_code == 404
    # Another member asks for its own pack: Adur's is Adur's alone.
    assert _client(WORTHING).get(f"/shortlist/packs/{pack.pk}/").status_code == 404
    assert Client().post(f"/shortlist/consortium/{suggestion.key}/pack/").status_code == 302


def test_a_consortium_that_dissolved_before_the_build_fails_and_says_so() -> None:
    from groups.shortlist_services import pack_build

    suggestion = _consortium()
    client = _client(ARUN)
    client.post(f"/shortlist/consortium/{suggestion.key}/pack/")  # queued: no commit here
    pack = BusinessCasePack.objects.get()
    Suggestion.objects.filter(pk=suggestion.pk).delete()
    assert pack_build(pack_id=pack.pk) == BusinessCasePack.Status.FAILED
    html = client.get(f"/shortlist/packs/{pack.pk}/").content.decode()
    assert "The pack could not be built" in html and "Back to the suggestion" in html
