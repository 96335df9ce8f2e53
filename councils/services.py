"""Writes about authorities and memberships: joining, deciding, editing profiles."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Authority, AuthorityProfile, EmailDomain, Membership, User
from .selectors import membership_open, user_is_authority_admin

logger = logging.getLogger(__name__)


def authority_for_email(*, email: str) -> Authority | None:
    """The authority whose registered domain matches the address (subdomains count)."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return None
    parts = domain.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    matches = list(EmailDomain.objects.filter(domain__in=candidates).select_related("authority"))
    if not matches:
        return None
    # The longest (most specific) registered domain wins.
    best = max(matches, key=lambda d: len(d.domain))
    return best.authority if best.authority.is_current else None


@transaction.atomic
def membership_join_by_domain(*, user: User, email: str) -> Membership | None:
    """Make the user an officer of the council that owns their verified email domain.

    Safe to call twice: a user with an open membership is left as they are.
    """
    authority = authority_for_email(email=email)
    if authority is None:
        return None
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise per user
    if membership_open(user=user) is not None:
        return None
    return Membership.objects.create(
        user=user,
        authority=authority,
        role=Membership.Role.OFFICER,
        status=Membership.Status.APPROVED,
        method=Membership.Method.DOMAIN,
        decided_at=timezone.now(),
    )


@transaction.atomic
def membership_request(*, user: User, authority: Authority, message: str) -> Membership:
    """Ask to join an authority. Refused if the user already has an open membership."""
    if not authority.is_current:
        raise ValidationError("You can only join a current council.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    if membership_open(user=user) is not None:
        raise ValidationError("You already belong to a council or have asked to join one.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                authority=authority,
                status=Membership.Status.PENDING,
                method=Membership.Method.REQUEST,
                request_message=message,
            )
    except IntegrityError:
        raise ValidationError("You already have an open request.") from None
    return membership


@transaction.atomic
def membership_decide(
    *, membership: Membership, by: User, approve: bool, reason: str = ""
) -> Membership:
    """Approve or reject a pending request; the user is emailed the outcome and reason."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not user_is_authority_admin(user=by, authority=membership.authority):
        raise PermissionDenied("Only this council's admins or site staff can decide requests.")
    if membership.status != Membership.Status.PENDING:
        raise ValidationError("This request has already been decided.")
    if not approve and not reason.strip():
        raise ValidationError("Enter the reason for rejecting the request.")
    membership.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
    membership.decided_by = by
    membership.decided_at = timezone.now()
    membership.decision_reason = reason.strip()
    membership.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    membership_id = membership.pk
    transaction.on_commit(lambda: _membership_decision_notify(membership_id))
    return membership


def _membership_decision_notify(membership_id: int) -> None:
    from .tasks import membership_decision_notify_task

    membership_decision_notify_task.delay(membership_id)


def membership_decision_send_email(*, membership_id: int) -> None:
    membership = Membership.objects.select_related("user", "authority").get(pk=membership_id)
    context = {
        "membership": membership,
        "site_name": settings.SITE_NAME,
        "profile_url": reverse("councils:detail", args=[membership.authority.gss_code]),
    }
    approved = membership.status == Membership.Status.APPROVED
    subject = (
        f"You can now act for {membership.authority.name}"
        if approved
        else f"Your request to join {membership.authority.name} was not approved"
    )
    send_mail(
        subject=f"[{settings.SITE_NAME}] {subject}",
        message=render_to_string("councils/email/membership_decision.txt", context),
        from_email=None,
        recipient_list=[membership.user.email],
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, by: User, role: str) -> Membership:
    if not user_is_authority_admin(user=by, authority=membership.authority):
        raise PermissionDenied("Only this council's admins or site staff can change roles.")
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError("Only approved members have a role.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def authority_profile_update(*, authority: Authority, by: User, **fields: str) -> AuthorityProfile:
    """Update what a council says about itself. Only its admins or site staff may."""
    if not user_is_authority_admin(user=by, authority=authority):
        raise PermissionDenied("You can only edit your own council's profile.")
    profile, _ = AuthorityProfile.objects.select_for_update().get_or_create(authority=authority)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.updated_by = by
    profile.full_clean()
    profile.save()
    return profile
