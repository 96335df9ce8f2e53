"""Reads about authorities and memberships. Views call these; they never write."""

from django.db.models import Count, Q

from .models import Authority, Membership, User


def membership_current(*, user: User) -> Membership | None:
    """The user's approved membership (one at most), with its authority."""
    return Membership.objects.approved().select_related("authority").filter(user=user).first()


def membership_open(*, user: User) -> Membership | None:
    """The user's pending or approved membership, if any."""
    return (
        Membership.objects.filter(
            user=user, status__in=[Membership.Status.PENDING, Membership.Status.APPROVED]
        )
        .select_related("authority")
        .first()
    )


def directory_summary() -> dict[str, int]:
    """Counts for the home page: councils by nation and registered officers."""
    counts = Authority.objects.current().aggregate(
        total=Count("pk"),
        england=Count("pk", filter=Q(nation=Authority.Nation.ENGLAND)),
        scotland=Count("pk", filter=Q(nation=Authority.Nation.SCOTLAND)),
        wales=Count("pk", filter=Q(nation=Authority.Nation.WALES)),
        northern_ireland=Count("pk", filter=Q(nation=Authority.Nation.NORTHERN_IRELAND)),
    )
    counts["officers"] = Membership.objects.approved().count()
    return counts


def user_can_act_for(*, user: User, authority: Authority) -> bool:
    """Officers and admins of the authority act for it; site staff may act for any."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.approved().filter(user=user, authority=authority).exists()


def user_is_authority_admin(*, user: User, authority: Authority) -> bool:
    """Authority admins (and site staff) edit the profile and decide join requests."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return (
        Membership.objects.approved()
        .filter(user=user, authority=authority, role=Membership.Role.ADMIN)
        .exists()
    )
