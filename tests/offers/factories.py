"""Factories for listings. Real councils and the real taxonomy (loaded by the
offers data migration) are used; only people and listings are made up."""

from datetime import timedelta
from typing import Any, cast

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from councils.models import Authority
from digests.models import DigestDelivery, DigestFrequency, DigestPreference, DigestRun, SavedSearch
from offers.models import Interest, Listing, Report, Service
from tests.factories import UserFactory

ADUR = "E07000223"  # district (lower tier)
ARUN = "E07000224"  # district, Adur's neighbour
WEST_SUSSEX = "E10000032"  # county (upper tier)
HARTLEPOOL = "E06000001"  # unitary
ANTRIM = "N09000001"  # Northern Ireland district


class ListingFactory(DjangoModelFactory[Listing]):
    """A listing in any state. For moves between states use offers.services."""

    class Meta:
        model = Listing
        skip_postgeneration_save = True

    kind = Listing.Kind.OFFER
    authority = factory.LazyFunction(lambda: Authority.objects.get(gss_code=ADUR))
    service = factory.LazyFunction(lambda: Service.objects.get(slug="building-control"))
    title = factory.Sequence(lambda n: f"Shared building control service {n}")
    summary = factory.Faker("sentence", nb_words=16)
    description = factory.Faker("paragraph", nb_sentences=4)
    delivery_model = Listing.DeliveryModel.LEAD_AUTHORITY
    contact_name = factory.Faker("name")
    contact_email = factory.Sequence(lambda n: f"contact{n}@adur-worthing.example.gov.uk")
    status = Listing.Status.DRAFT

    @classmethod
    def _create(cls, model_class: type[Listing], *args: Any, **kwargs: Any) -> Listing:
        if kwargs.get("status") in (Listing.Status.PUBLISHED, Listing.Status.EXPIRED):
            now = timezone.now()
            kwargs.setdefault("published_at", now - timedelta(days=1))
            kwargs.setdefault("first_published_at", kwargs["published_at"])
            kwargs.setdefault("expires_at", now + timedelta(days=180))
        return super()._create(model_class, *args, **kwargs)


class InterestFactory(DjangoModelFactory[Interest]):
    """Interest sent for Arun in a published Adur listing, unless told otherwise."""

    class Meta:
        model = Interest

    listing = factory.SubFactory(ListingFactory, status=Listing.Status.PUBLISHED)
    sender = factory.SubFactory(UserFactory)
    sender_authority = factory.LazyFunction(lambda: Authority.objects.get(gss_code=ARUN))
    message = factory.Faker("paragraph", nb_sentences=3)


class ReportFactory(DjangoModelFactory[Report]):
    class Meta:
        model = Report

    listing = factory.SubFactory(ListingFactory, status=Listing.Status.PUBLISHED)
    reporter = factory.SubFactory(UserFactory)
    reason = factory.Faker("sentence", nb_words=12)


class SavedSearchFactory(DjangoModelFactory[SavedSearch]):
    class Meta:
        model = SavedSearch

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Building control alert {n}")
    querystring = factory.Sequence(lambda n: f"q=building+control&page={n}")


class DigestPreferenceFactory(DjangoModelFactory[DigestPreference]):
    class Meta:
        model = DigestPreference
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    frequency = DigestFrequency.DAILY

    @factory.post_generation
    def services(obj: DigestPreference, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.services.set(extracted)


class DigestRunFactory(DjangoModelFactory[DigestRun]):
    class Meta:
        model = DigestRun

    frequency = DigestFrequency.DAILY
    period_start = factory.Sequence(lambda n: timezone.localdate() - timedelta(days=n))
    window_end = factory.LazyFunction(timezone.now)


class DigestDeliveryFactory(DjangoModelFactory[DigestDelivery]):
    class Meta:
        model = DigestDelivery

    run = factory.SubFactory(DigestRunFactory)
    user = factory.SubFactory(UserFactory)
    status = DigestDelivery.Status.SENT
    sent_at = factory.LazyFunction(timezone.now)


def make_listing(**kwargs: Any) -> Listing:
    """ListingFactory(...) typed as the Listing it returns."""
    return cast(Listing, ListingFactory(**kwargs))


def listing_form_data(**overrides: Any) -> dict[str, Any]:
    """A valid POST for the listing create/edit form; override any field."""
    data = {
        "service": str(Service.objects.get(slug="building-control").pk),
        "title": "Shared building control",
        "summary": "We can take on building control for a neighbouring district.",
        "description": "Our team of 12 surveyors covers Adur and Worthing.",
        "delivery_model": Listing.DeliveryModel.LEAD_AUTHORITY,
        "annual_value_gbp": "250000",
        "population_served": "",
        "partner_scope": Listing.PartnerScope.ANY,
        "partner_radius_km": "",
        "earliest_start_day": "",
        "earliest_start_month": "",
        "earliest_start_year": "",
        "contact_name": "Sam Officer",
        "contact_email": "sam@adur-worthing.example.gov.uk",
        "visibility": Listing.Visibility.PUBLIC,
    }
    data.update(overrides)
    return data
