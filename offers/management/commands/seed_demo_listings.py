"""manage.py seed_demo_listings: three labelled demo listings for the demo councils.

    manage.py seed_demo [--force] && manage.py seed_demo_listings [--force]

Two published listings (an offer from Adur, a need from Worthing) and one
need from Adur waiting for review, so the search page, a listing page, the
dashboard and the moderation queue all have something to show. Every row has
Listing.is_demo=True ("Demo" on screen).

Safe to re-run: a demo listing is matched by its council and title (among
is_demo rows only) and left alone if it exists; nothing else is touched.
Listings go through offers.services (create, submit, publish), so their
history reads as it would for a real one; the publication email is marked as
sent in the same transaction, so seeding never emails anyone.
Refuses to run when DEBUG is off unless --force, like seed_demo.
"""

from dataclasses import dataclass
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from councils.management.demo import DemoDataCommand
from councils.models import Authority, User
from offers import services
from offers.models import Listing, ListingEvent, Service

ADUR = "E07000223"
WORTHING = "E07000229"
OFFICER = "demo-officer@example.com"  # seed_demo: officer of Adur
ADMIN = "demo-admin@example.com"  # seed_demo: admin of Worthing
MODERATOR = "demo-moderator@example.com"  # seed_demo: staff


@dataclass(frozen=True)
class DemoListing:
    gss_code: str
    owner_email: str
    kind: str
    service_slug: str
    title: str
    summary: str
    description: str
    delivery_model: str
    status: str  # Listing.Status.PUBLISHED or SUBMITTED
    annual_value_gbp: int | None = None
    population_served: int | None = None


DEMO_LISTINGS = (
    DemoListing(
        gss_code=ADUR,
        owner_email=OFFICER,
        kind=Listing.Kind.OFFER,
        service_slug="building-control",
        title="Building control service for neighbouring districts",
        summary="Our building control team has capacity to take on plan checking and site "
        "inspections for one or two nearby councils.",
        description="Eight surveyors, a shared case management system and an out-of-hours "
        "dangerous structures rota. We would act as lead authority, with a service level "
        "agreement and quarterly reporting to each partner.",
        delivery_model=Listing.DeliveryModel.LEAD_AUTHORITY,
        status=Listing.Status.PUBLISHED,
        annual_value_gbp=450_000,
        population_served=64_000,
    ),
    DemoListing(
        gss_code=WORTHING,
        owner_email=ADMIN,
        kind=Listing.Kind.NEED,
        service_slug="internal-audit",
        title="Partner wanted for a shared internal audit team",
        summary="We want to share internal audit with another council to add resilience and "
        "specialist IT audit skills.",
        description="Our two auditors cover about 300 audit days a year. We are open to a "
        "shared team hosted by either council, starting next financial year.",
        delivery_model=Listing.DeliveryModel.SHARED_TEAM,
        status=Listing.Status.PUBLISHED,
        population_served=111_000,
    ),
    DemoListing(
        gss_code=ADUR,
        owner_email=OFFICER,
        kind=Listing.Kind.NEED,
        service_slug="legal-services",
        title="Legal support for planning appeals and enforcement",
        summary="We are looking for a council legal team that can take on our planning appeals "
        "and enforcement prosecutions.",
        description="Around 20 appeals and 10 prosecutions a year. A contract between councils "
        "or a lead authority arrangement would suit us.",
        delivery_model=Listing.DeliveryModel.OPEN,
        status=Listing.Status.SUBMITTED,
    ),
)


def _seed(demo: DemoListing, *, moderator: User) -> tuple[Listing, bool]:
    authority = Authority.objects.get(gss_code=demo.gss_code)
    existing = Listing.objects.filter(authority=authority, title=demo.title, is_demo=True).first()
    if existing is not None:
        return existing, False
    owner = User.objects.get(email=demo.owner_email, is_demo=True)
    listing = services.listing_create(
        authority=authority,
        by=owner,
        kind=demo.kind,
        service=Service.objects.get(slug=demo.service_slug),
        title=demo.title,
        summary=demo.summary,
        description=demo.description,
        delivery_model=demo.delivery_model,
        annual_value_gbp=demo.annual_value_gbp,
        population_served=demo.population_served,
        contact_name=owner.full_name,
        contact_email=owner.email,
        is_demo=True,
    )
    listing = services.listing_submit(listing=listing, by=owner)
    if demo.status == Listing.Status.PUBLISHED:
        listing = services.listing_publish(listing=listing, by=moderator)
        # The email task runs on commit and skips events already notified.
        ListingEvent.objects.filter(listing=listing, owner_notified_at__isnull=True).update(
            owner_notified_at=timezone.now()
        )
    return listing, True


class Command(DemoDataCommand):
    help = (
        "Create three demo listings for the demo councils (run seed_demo first). "
        "Idempotent. Refuses to run when DEBUG is off unless --force."
    )

    risk = "Demo listings would be shown to real users."

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        emails = [OFFICER, ADMIN, MODERATOR]
        users = {u.email: u for u in User.objects.filter(email__in=emails, is_demo=True)}
        missing = [e for e in emails if e not in users]
        if missing:
            raise CommandError(f"Demo accounts {', '.join(missing)} are missing: run seed_demo.")

        with transaction.atomic():
            seeded = [_seed(demo, moderator=users[MODERATOR]) for demo in DEMO_LISTINGS]

        for listing, created in seeded:
            state = "created" if created else "already there"
            self.stdout.write(
                f"  {listing.get_status_display():<18} {listing.title} ({state}) "
                f"{listing.get_absolute_url()}"
            )
        self.stdout.write(self.style.SUCCESS("Demo listings ready (labelled Demo on screen)."))
