"""The business-case pack for a suggested swap (issue 17): the Arun/Chichester case
through the pair pack's document, with both organisations, both services' spend by
year with sources, both savings ranges, and detection's explanation; nobody outside
the swap can build or download it."""

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
ARUN, CHICHESTER, HORSHAM = "E07000224", "E07000225", "E07000227"


def _swap() -> Suggestion:
    staff: Any = UserFactory(is_staff=True)
    for gss, kind, slug, value in (
        (ARUN, Listing.Kind.OFFER, "payroll", 150_000),
        (ARUN, Listing.Kind.NEED, "legal-services", 90_000),
        (CHICHESTER, Listing.Kind.OFFER, "legal-services", 80_000),
        (CHICHESTER, Listing.Kind.NEED, "payroll", 120_000),
    ):
        listing = make_listing(
            authority=Authority.objects.get(gss_code=gss),
            service=Service.objects.get(slug=slug),
            kind=kind,
            status=Listing.Status.SUBMITTED,
            title=f"{kind} {slug} ({gss})",
            annual_value_gbp=value,
        )
        offers_services.listing_publish(listing=listing, by=staff)
    return Suggestion.objects.get(kind=Suggestion.Kind.SWAP)


def _client(gss: str) -> Client:
    client = Client()
    client.force_login(officer_of(gss))
    return client


def test_a_swap_sides_officer_builds_its_pack_with_both_services_and_sources(
    django_capture_on_commit_callbacks: Any,
) -> None:
    swap = _swap()
    client = _client(CHICHESTER)
    page = client.get(f"/groups/suggestions/{swap.key}/").content.decode()
    assert f'action="/shortlist/suggestion/{swap.key}/pack/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/shortlist/suggestion/{swap.key}/pack/")
    pack = BusinessCasePack.objects.get()
    assert response["Location"] == f"/shortlist/packs/{pack.pk}/"
    assert pack.status == BusinessCasePack.Status.READY, pack.error
    assert pack.title == (
        "A swap: Arun offers payroll to Chichester, and Chichester offers legal services to Arun"
    )
    pdf = client.get(f"/shortlist/packs/{pack.pk}/download.pdf").content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Parties: (1) Chichester District Council; (2) Arun District Council" in text
    assert "Service: Payroll and legal services" in text
    for service in Service.objects.filter(slug__in=["payroll", "legal-services"]):
        rows = SpendRecord.objects.filter(
            authority__gss_code__in=[ARUN, CHICHESTER], line__code=service.ro_line, year="2024-25"
        ).select_related("authority")
        assert rows.count() == 2, service.slug
        for row in rows:
            assert f"{row.authority.short_name}, {service.name.lower()} 2024-25" in text
            assert " ".join(row.source.split()) in text
    for side in ("savings_a", "savings_b"):
        assert " ".join(swap.details[side]["sentence"].split()) in text
    assert "£270,000 combined" in text and "£170,000 combined" in text
    assert "Arun offers payroll, which Chichester needs" in text  # detection's explanation


def test_no_one_outside_the_swap_can_build_or_download_its_pack(
    django_capture_on_commit_callbacks: Any,
) -> None:
    swap = _swap()
    outsider = _client(HORSHAM)
    assert outsider.post(f"/shortlist/suggestion/{swap.key}/pack/").status_code == 404
    assert not BusinessCasePack.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _client(ARUN).post(f"/shortlist/suggestion/{swap.key}/pack/")
    pack = BusinessCasePack.objects.get()
    assert outsider.get(f"/shortlist/packs/{pack.pk}/download.pdf").status_code == 404
