"""Generate a national-scale synthetic load of published listings, for benchmarks only.

    manage.py generate_synthetic_listings --count 50000 [--seed 1] [--delete]

Rows carry Listing.is_synthetic=True (shown on screen as "Synthetic test
data") so they can never pass for real or demo listings, and `--delete`
removes exactly those rows. Spread over the real current councils, each
listing uses a service its council's tier delivers (offers.models.tier_delivers).

Refuses to run when settings.DEBUG is on (a developer's demo database) or when
the database already holds real or demo listings, unless --force: `make run`
and seed_demo never call it.
"""

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from councils.models import Authority
from offers.browse.search import search_vectors_refresh
from offers.models import Listing, Service, default_expiry, tier_delivers

BATCH = 2000  # rows per INSERT: a few MB of parameters, well inside PostgreSQL's limits

OFFER_TITLES = [
    "Shared {service} service available",
    "We can deliver {service_l} for neighbouring councils",
    "{service}: capacity to take on partner councils",
    "Lead authority offer for {service_l}",
    "Join our established {service_l} partnership",
    "{service} delivered under a shared management team",
]
NEED_TITLES = [
    "Partner wanted for {service_l}",
    "Looking to share {service_l} with a nearby council",
    "Seeking a lead authority for {service_l}",
    "{service}: exploring a joint arrangement",
    "Need resilience in {service_l}",
    "Shared {service_l} team wanted from {year}",
]
OFFER_SUMMARIES = [
    "{council} runs {service_l} for {population} residents and has room to serve partners.",
    "An experienced {service_l} team at {council} offering a shared service under {model_l}.",
    "{council} can take on {service_l} for another council from {year}, with TUPE support.",
]
NEED_SUMMARIES = [
    "{council} wants to share {service_l} to improve resilience and reduce cost.",
    "Our {service_l} contract ends in {year}; {council} would like a council partner instead.",
    "{council} is looking for a partner to deliver {service_l} under {model_l}.",
]
DESCRIPTIONS = [
    "The service has {staff} staff and a budget of about £{budget:,} a year. We expect a partner "
    "to benefit from shared systems, common processes and a single management structure.",
    "We have completed an options appraisal and our members support a shared arrangement. "
    "Governance would follow {model_l}, with a partnership board meeting quarterly.",
    "Recruitment and retention of specialist officers is difficult in {family_l}. Sharing would "
    "give both councils a larger, more resilient team and room for career progression.",
    "We use standard case management software and can migrate a partner's records. Service "
    "levels would be set in a partnership agreement reviewed every year.",
    "Our residents and businesses expect a consistent service; a shared team would cover peaks "
    "in demand and out-of-hours cover across both areas.",
]
FIRST_NAMES = ["Alex", "Sam", "Priya", "Rhys", "Fiona", "Tom", "Aisha", "Callum", "Megan", "Owen"]
LAST_NAMES = ["Patel", "Jones", "Macdonald", "Evans", "Smith", "Khan", "O'Neill", "Taylor"]


class Command(BaseCommand):
    help = "Create synthetic published listings over the real councils (benchmarks only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--delete", action="store_true", help="Delete synthetic listings (and create none)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Run despite DEBUG or existing real listings."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["delete"]:
            deleted, _ = Listing.objects.filter(is_synthetic=True).delete()
            self.stdout.write(f"Deleted {deleted} synthetic rows.")
            return
        count: int = options["count"]
        if count < 1 or count > 1_000_000:
            raise CommandError("--count must be between 1 and 1,000,000")
        if not options["force"]:
            if settings.DEBUG:
                raise CommandError(
                    "DEBUG is on: this looks like a demo database. Synthetic listings are for "
                    "benchmark databases only (use --force if you are sure)."
                )
            if Listing.objects.filter(is_synthetic=False).exists():
                raise CommandError(
                    "This database holds real or demo listings; refusing to mix synthetic "
                    "data into it (use --force if you are sure)."
                )
        created = self._generate(count=count, rng=random.Random(options["seed"]))  # noqa: S311
        self.stdout.write(self.style.SUCCESS(f"Created {created} synthetic listings."))

    def _generate(self, *, count: int, rng: random.Random) -> int:
        councils = list(Authority.objects.current().order_by("gss_code"))
        services = list(Service.objects.select_related("family"))
        by_tier = {
            tier: [s for s in services if tier_delivers(s, tier)] for tier in Authority.Tier.values
        }
        councils = [c for c in councils if by_tier.get(c.tier)]
        if not councils:
            raise CommandError("No councils: run import_authorities first.")
        # Bigger councils post more: weight by population (a floor for missing figures).
        weights = [max(c.population or 0, 50_000) for c in councils]
        now = timezone.now()
        made = 0
        with transaction.atomic():
            while made < count:
                batch = []
                for council in rng.choices(councils, weights=weights, k=min(BATCH, count - made)):
                    batch.append(
                        self._listing(council, rng.choice(by_tier[council.tier]), rng, now)
                    )
                Listing.objects.bulk_create(batch)
                made += len(batch)
                self.stdout.write(f"  {made:,} / {count:,}")
            # The trigger has filled each row already; one UPDATE guarantees it.
            search_vectors_refresh(synthetic_only=True)
        return made

    def _listing(
        self, council: Authority, service: Service, rng: random.Random, now: Any
    ) -> Listing:
        kind = Listing.Kind.OFFER if rng.random() < 0.55 else Listing.Kind.NEED
        model = rng.choice(Listing.DeliveryModel.choices)
        year = now.year + rng.choice([0, 1, 1, 2])
        words = {
            "service": service.name,
            "service_l": service.name[:1].lower() + service.name[1:],
            "family_l": service.family.name.lower(),
            "council": council.name,
            "population": f"{council.population or 100_000:,}",
            "model_l": model[1].lower(),
            "year": year,
            "staff": rng.randint(4, 120),
            "budget": rng.randint(2, 400) * 10_000,
        }
        titles = OFFER_TITLES if kind == Listing.Kind.OFFER else NEED_TITLES
        summaries = OFFER_SUMMARIES if kind == Listing.Kind.OFFER else NEED_SUMMARIES
        description = " ".join(
            d.format(**words) for d in rng.sample(DESCRIPTIONS, k=rng.randint(2, 4))
        )
        published = now - timedelta(days=rng.uniform(0, 170), hours=rng.uniform(0, 23))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return Listing(
            kind=kind,
            authority=council,
            service=service,
            title=rng.choice(titles).format(**words)[:120],
            summary=rng.choice(summaries).format(**words)[:300],
            description=description[:5000],
            delivery_model=model[0],
            annual_value_gbp=rng.choice([None, rng.randint(1, 500) * 10_000]),
            population_served=council.population,
            partner_scope=Listing.PartnerScope.ANY,
            contact_name=f"{first} {last}",
            contact_email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@synthetic.invalid",
            visibility=(
                Listing.Visibility.SIGNED_IN if rng.random() < 0.1 else Listing.Visibility.PUBLIC
            ),
            status=Listing.Status.PUBLISHED,
            submitted_at=published - timedelta(days=rng.uniform(0.5, 10)),
            first_published_at=published,
            published_at=published,
            expires_at=default_expiry(published),
            is_synthetic=True,
        )
