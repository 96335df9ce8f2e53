"""Reads about listings and the taxonomy. Views call these; they never write."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from councils.models import Authority, Membership, User
from councils.selectors import user_can_act_for
from offers.lifecycle import Role, actions_available
from offers.models import Listing, ListingEvent, Service, ServiceFamily


def services_grouped_for(*, authority: Authority) -> list[tuple[str, list[tuple[int, str]]]]:
    """(family name, [(service id, service name)]) for a grouped <select>: only the
    services this organisation delivers (a council's tier, a body's kind)."""
    services = Service.objects.delivered_by_authority(authority).select_related("family")
    groups: dict[str, list[tuple[int, str]]] = {}
    for service in services:
        groups.setdefault(service.family.name, []).append((service.pk, service.name))
    return list(groups.items())


def service_families() -> QuerySet[ServiceFamily]:
    return ServiceFamily.objects.prefetch_related("services")


class Access(StrEnum):
    ALLOWED = "allowed"
    SIGN_IN = "sign_in"  # anonymous viewer of a signed-in-only listing
    NOT_FOUND = "not_found"


def user_is_public_sector(*, user: User | AnonymousUser) -> bool:
    """Staff or an approved officer of any authority."""
    if not user.is_authenticated:
        return False
    return user.is_staff or Membership.objects.approved().filter(user=user).exists()


def listing_access(*, listing: Listing, user: User) -> Access:
    """Whether `user` may see this listing's page.

    Published listings: public to all, or signed-in public-sector users only.
    Anything else (drafts, waiting, sent back, rejected, withdrawn, expired):
    the owner council's officers and staff only.
    """
    if user_can_act_for(user=user, authority=listing.authority):
        return Access.ALLOWED
    if listing.status != Listing.Status.PUBLISHED:
        return Access.NOT_FOUND
    if listing.visibility == Listing.Visibility.PUBLIC:
        return Access.ALLOWED
    if not user.is_authenticated:
        return Access.SIGN_IN
    return Access.ALLOWED if user_is_public_sector(user=user) else Access.NOT_FOUND


def listing_for_page(*, pk: int) -> Listing | None:
    """One listing with everything its page shows, or None."""
    return (
        Listing.objects.select_related("authority", "service__family", "created_by")
        .prefetch_related(
            Prefetch("named_partners", queryset=Authority.objects.only("pk", "name", "gss_code"))
        )
        .filter(pk=pk)
        .first()
    )


def listing_history(*, listing: Listing) -> QuerySet[ListingEvent]:
    return listing.events.select_related("actor").order_by("-created_at", "-pk")


def listing_roles(*, listing: Listing, user: User) -> set[Role]:
    roles: set[Role] = set()
    if user_can_act_for(user=user, authority=listing.authority):
        roles.add(Role.OWNER)
    if user.is_authenticated and user.is_staff:
        roles.add(Role.STAFF)
    return roles


@dataclass
class DashboardGroup:
    status: str
    label: str
    hint: str
    listings: list[Listing] = field(default_factory=list)
    total: int = 0


# Dashboard order: what needs the owner's attention first.
_DASHBOARD = [
    (Listing.Status.CHANGES_REQUESTED, "A moderator has asked for changes. Edit and resubmit."),
    (Listing.Status.DRAFT, "Not yet sent for review. Submit when ready."),
    (Listing.Status.SUBMITTED, "Waiting for a moderator to check. You can still edit."),
    (Listing.Status.PUBLISHED, "Shown to other councils until the expiry date. Renew to extend."),
    (Listing.Status.EXPIRED, "No longer shown. Renew to publish again."),
    (Listing.Status.REJECTED, "Not published. See the reason on the listing."),
    (Listing.Status.WITHDRAWN, "Taken down by your council."),
]


def dashboard_groups(*, authority: Authority) -> list[DashboardGroup]:
    """The authority's listings grouped by state, in the order the owner should act on them.

    One query whatever the number of listings.
    """
    groups: dict[str, DashboardGroup] = {
        status: DashboardGroup(status=status, label=Listing.Status(status).label, hint=hint)
        for status, hint in _DASHBOARD
    }
    listings = (
        Listing.objects.for_authority(authority)
        .select_related("service")
        .order_by("-updated_at", "-pk")
    )
    for listing in listings:
        groups[listing.status].listings.append(listing)
    return list(groups.values())


def next_actions(*, status: str) -> list[str]:
    """Owner actions for a listing in `status` (ListingEvent.Action values)."""
    return actions_available(status=status, roles={Role.OWNER})


# Browse, search and council profiles ---------------------------------------


def listings_browsable(*, public_sector: bool) -> QuerySet[Listing]:
    """Published, unexpired listings for the public or for public-sector users (who
    also see signed-in-only ones), with what a result shows."""
    from django.utils import timezone

    listings = Listing.objects.published() if public_sector else Listing.objects.public()
    return listings.filter(expires_at__gt=timezone.now()).select_related(
        "authority", "service__family"
    )


def predecessor_listings(
    *, predecessors: Sequence[Authority], user: User | AnonymousUser, limit: int
) -> list[Listing]:
    """Browsable listings of the organisations a successor replaced, newest first.

    They stay in the predecessor's name (nothing is moved on a reorganisation);
    the successor's profile shows them, saying whose they are.
    """
    if not predecessors:
        return []
    public_sector = user_is_public_sector(user=user)
    listings = listings_browsable(public_sector=public_sector).filter(authority__in=predecessors)
    return list(listings.order_by("-published_at", "-pk")[:limit])


def authority_listings(
    *, authority: Authority, user: User | AnonymousUser, limit: int
) -> tuple[list[Listing], int]:
    """Up to `limit` of a council's browsable listings, newest first, and how many there are."""
    public_sector = user_is_public_sector(user=user)
    listings = listings_browsable(public_sector=public_sector).filter(authority=authority)
    rows = list(listings.order_by("-published_at", "-pk")[:limit])
    total = len(rows) if len(rows) < limit else listings.count()
    return rows, total


def live_listings_count() -> int:
    """Published, unexpired listings, whoever may see them (a count reveals no
    listing). Demo and synthetic rows are left out, so the figure is real."""
    from django.utils import timezone

    return (
        Listing.objects.published()
        .filter(expires_at__gt=timezone.now(), is_demo=False, is_synthetic=False)
        .count()
    )


def dashboard_panel(*, authority: Authority, per_state: int = 5) -> list[DashboardGroup]:
    """The non-empty dashboard groups, each cut to `per_state` listings (the home
    page's panel). Same single query as dashboard_groups."""
    groups = [g for g in dashboard_groups(authority=authority) if g.listings]
    for group in groups:
        group.total = len(group.listings)
        group.listings = group.listings[:per_state]
    return groups


SIMILAR_LIMIT = 4


def listings_similar(
    *, listing: Listing, user: User | AnonymousUser, limit: int = SIMILAR_LIMIT
) -> list[Listing]:
    """Other browsable listings for the same service, then the same service family,
    the opposite kind first (an offer's likeliest partner is a need), newest first.

    One query. Only what the viewer may browse: signed-in-only listings stay
    hidden from the public here as on /listings/.
    """
    opposite = Listing.Kind.NEED if listing.kind == Listing.Kind.OFFER else Listing.Kind.OFFER
    closeness = Case(
        When(service_id=listing.service_id, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    kind_order = Case(
        When(kind=opposite, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        listings_browsable(public_sector=user_is_public_sector(user=user))
        .filter(service__family_id=listing.service.family_id)
        .exclude(pk=listing.pk)
        .annotate(closeness=closeness, kind_order=kind_order)
        .order_by("closeness", "kind_order", "-published_at", "-pk")[:limit]
    )
