"""What the open data API may read. Every queryset here is public by construction:
the API has no signed-in users (no authentication classes), so nothing below
takes a user, and signed-in-only or unpublished listings can never be selected.
"""

from django.db.models import Prefetch, QuerySet

from arrangements.models import ArrangementPartner, SharedArrangement
from councils.models import Authority, BodyArea, SpendRecord
from offers.models import Listing, Service
from offers.selectors import listings_browsable


def api_organisations() -> QuerySet[Authority]:
    """Every organisation, of every kind, with what its record names: the council
    areas a body covers, the county and combined authority a council sits in, successors."""
    codes = Authority.objects.only("gss_code").order_by("gss_code")
    return Authority.objects.select_related(
        "parent_county", "combined_authority", "run_by"
    ).prefetch_related(
        Prefetch("successors", queryset=codes),
        Prefetch(
            "areas",
            queryset=BodyArea.objects.select_related("council").order_by("council__gss_code"),
        ),
    )


def api_services() -> QuerySet[Service]:
    return Service.objects.select_related("family")


def api_listings() -> QuerySet[Listing]:
    """Published, unexpired listings visible to anyone: exactly what /listings/ shows
    a visitor who is not signed in, never a signed-in-only one."""
    return listings_browsable(public_sector=False).prefetch_related(
        Prefetch("named_partners", queryset=Authority.objects.only("gss_code").order_by("gss_code"))
    )


def api_arrangements() -> QuerySet[SharedArrangement]:
    """Published arrangements only: one recorded by a partner appears once every
    partner has confirmed and a moderator has published it."""
    return (
        SharedArrangement.objects.published()
        .select_related("service", "lead")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("slug")),
            Prefetch(
                "partners",
                queryset=ArrangementPartner.objects.select_related("authority").order_by(
                    "authority__gss_code"
                ),
            ),
        )
        .order_by("name", "pk")
    )


def api_spend() -> QuerySet[SpendRecord]:
    return SpendRecord.objects.select_related("authority", "line").order_by(
        "authority__gss_code", "year", "line__code"
    )
