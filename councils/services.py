"""Writes about authorities and memberships: joining, deciding, editing profiles."""

import datetime as dt
import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.models import OutboxMessage
from core.outbox import outbox_enqueue

from .changes import memberships_changed
from .models import (
    Authority,
    AuthorityProfile,
    EmailDomain,
    EmailPreference,
    Invitation,
    Membership,
    SharedEmailDomain,
    User,
)
from .selectors import (
    join_request_deciders,
    join_request_recipients,
    join_requests_to_remind,
    membership_open,
    membership_was_removed,
    user_is_authority_admin,
)

logger = logging.getLogger(__name__)


def authority_for_email(*, email: str) -> Authority | None:
    """The authority whose registered domain matches the address (subdomains count)."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return None
    parts = domain.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    if SharedEmailDomain.objects.filter(domain=domain).exists():
        return None  # nhs.net, police.uk...: the address says nothing about the employer
    matches = list(
        EmailDomain.objects.filter(domain__in=candidates)
        .exclude(domain__in=SharedEmailDomain.objects.values("domain"))
        .select_related("authority")
    )
    if not matches:
        return None
    # The longest (most specific) registered domain wins.
    best = max(matches, key=lambda d: len(d.domain))
    return best.authority if best.authority.is_current else None


@transaction.atomic
def membership_join_by_domain(*, user: User, email: str) -> Membership | None:
    """Make the user an officer of the council that owns their verified email domain.

    Safe to call twice: a user with an open membership is left as they are.
    Never re-admits someone an admin removed from that authority: only an
    admin can add them back (membership_readd).
    """
    authority = authority_for_email(email=email)
    if authority is None:
        return None
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise per user
    if membership_open(user=user) is not None:
        return None
    if membership_was_removed(user=user, authority=authority):
        logger.info("Domain join refused: user %s was removed from %s", user.pk, authority.pk)
        return None
    memberships_changed()
    return Membership.objects.create(
        user=user,
        authority=authority,
        role=Membership.Role.OFFICER,
        status=Membership.Status.APPROVED,
        method=Membership.Method.DOMAIN,
        decided_at=timezone.now(),
    )


@transaction.atomic
def membership_request(
    *,
    user: User,
    authority: Authority,
    message: str,
    full_name: str | None = None,
    job_title: str | None = None,
) -> Membership:
    """Ask to join an authority. Refused if the user already has an open membership.

    The name and job title, when given, are saved on the user so the council's
    admins can see who is asking.
    """
    if not authority.is_current:
        raise ValidationError("You can only join a current organisation.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    if membership_open(user=user) is not None:
        raise ValidationError("You already belong to an organisation or have asked to join one.")
    profile_fields = {
        name: value.strip()
        for name, value in (("full_name", full_name), ("job_title", job_title))
        if value is not None
    }
    if profile_fields:
        User.objects.filter(pk=user.pk).update(**profile_fields)
        for name, value in profile_fields.items():
            setattr(user, name, value)
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
    _join_request_email(membership, reminder=False)
    return membership


def _site_url(path: str) -> str:
    base: str = settings.SITE_URL
    return base.rstrip("/") + path


def _join_request_email(membership: Membership, *, reminder: bool) -> int:
    """Tell whoever decides (the organisation's admins, or staff if it has none) that
    someone asks to join. One outbox row per request, recipient and kind, so a
    retried request or reminder job sends nothing more. Returns rows queued."""
    membership = Membership.objects.select_related("user", "authority").get(pk=membership.pk)
    authority = membership.authority
    recipients = join_request_recipients(
        authority=authority, preference="join_request_reminders" if reminder else "join_requests"
    )
    kind = "membership.request_reminder" if reminder else "membership.request"
    staff_decide = not join_request_deciders(authority=authority).admins
    queued = 0
    for recipient in recipients:
        context = {
            "membership": membership,
            "recipient": recipient,
            "to_staff": staff_decide,
            "reminder": reminder,
            "site_name": settings.SITE_NAME,
            "decide_url": _site_url(
                reverse("councils:membership_decide", args=[authority.gss_code, membership.pk])
            ),
            "queue_url": _site_url(reverse("councils:join_queue")),
            "preferences_url": _site_url(reverse("offers:digest_preferences")),
        }
        subject = (
            f"Reminder: {membership.user} is still waiting to join {authority.name}"
            if reminder
            else f"{membership.user} asks to join {authority.name}"
        )
        queued += (
            outbox_enqueue(
                kind=kind,
                key=f"{kind}:{membership.pk}:{recipient.pk}",
                to=[recipient.email],
                subject=f"[{settings.SITE_NAME}] {subject}",
                body=render_to_string("councils/email/join_request.txt", context),
            )
            is not None
        )
    return queued


def join_request_reminders_due(*, now: dt.datetime) -> list[int]:
    return join_requests_to_remind(
        now=now, working_days=settings.JOIN_REQUEST_REMINDER_WORKING_DAYS
    )


@transaction.atomic
def join_request_remind(*, membership_id: int, now: dt.datetime) -> bool:
    """Remind the deciders of one request still pending. Safe to call twice: the
    row is locked and `reminded_at` set, so the second call sends nothing."""
    membership = (
        Membership.objects.select_for_update()
        .filter(pk=membership_id, status=Membership.Status.PENDING, reminded_at__isnull=True)
        .first()
    )
    if membership is None:
        return False
    _join_request_email(membership, reminder=True)
    membership.reminded_at = now
    membership.save(update_fields=["reminded_at"])
    return True


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
        raise ValidationError("Enter a reason for rejecting this request")
    membership.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
    membership.decided_by = by
    membership.decided_at = timezone.now()
    membership.decision_reason = reason.strip()
    membership.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if approve:
        memberships_changed()  # the market overview counts registered organisations
    audit_record(
        actor=by,
        action="membership.decide",
        target=membership,
        before={"status": Membership.Status.PENDING},
        after={"status": membership.status},
        reason=membership.decision_reason,
    )
    _membership_decision_email(membership)
    return membership


def _membership_decision_email(membership: Membership) -> None:
    """Tell the person whether they may act for the council, and why not if not.

    Written to the outbox in the deciding transaction: sent once, after commit.
    """
    membership = Membership.objects.select_related("user", "authority").get(pk=membership.pk)
    site_url = settings.SITE_URL.rstrip("/")
    context = {
        "membership": membership,
        "site_name": settings.SITE_NAME,
        "contact_email": settings.SERVICE_CONTACT_EMAIL,
        "profile_url": site_url + reverse("councils:detail", args=[membership.authority.gss_code]),
        "join_url": site_url + reverse("councils:join"),
    }
    approved = membership.status == Membership.Status.APPROVED
    subject = (
        f"You can now act for {membership.authority.name}"
        if approved
        else f"Your request to join {membership.authority.name} was not approved"
    )
    outbox_enqueue(
        kind="membership.decision",
        key=f"membership.decision:{membership.pk}:{membership.status}:{membership.user.email}",
        to=[membership.user.email],
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=render_to_string("councils/email/membership_decision.txt", context),
    )


def _lock_authority_admins(authority: Authority) -> list[int]:
    """Lock the authority's approved admin rows (in pk order, so two admins acting
    at once cannot both step down and leave the council with none)."""
    return list(
        Membership.objects.approved()
        .filter(authority=authority, role=Membership.Role.ADMIN)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _refuse_last_admin(*, membership: Membership, by: User) -> None:
    if by.is_staff or membership.role != Membership.Role.ADMIN:
        return
    if _lock_authority_admins(membership.authority) == [membership.pk]:
        raise ValidationError(
            "You cannot do this to the only authority admin. Make another member an admin first."
        )


@transaction.atomic
def membership_set_role(*, membership: Membership, by: User, role: str) -> Membership:
    """Make an approved member an officer or an authority admin.

    The last admin cannot be made an officer (except by site staff), or
    nobody could approve new members.
    """
    if not user_is_authority_admin(user=by, authority=membership.authority):
        raise PermissionDenied("Only this council's admins or site staff can change roles.")
    if role not in Membership.Role.values:
        raise ValidationError("Select officer or authority admin")
    membership = (
        Membership.objects.select_for_update().select_related("authority").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError("Only approved members have a role.")
    if membership.role == role:
        return membership
    if role == Membership.Role.OFFICER:
        _refuse_last_admin(membership=membership, by=by)
    audit_record(
        actor=by,
        action="membership.set_role",
        target=membership,
        before={"role": membership.role},
        after={"role": role},
    )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> Membership:
    """Stop a member acting for the council (status REMOVED; the row is kept as history).

    The removal is remembered: the person's verified email domain will not make
    them a member again; an admin can re-add them (membership_readd).
    Safe to call twice: removing a member who has already gone changes nothing.
    """
    if not user_is_authority_admin(user=by, authority=membership.authority):
        raise PermissionDenied("Only this council's admins or site staff can remove members.")
    membership = (
        Membership.objects.select_for_update().select_related("authority").get(pk=membership.pk)
    )
    if membership.status in (Membership.Status.LEFT, Membership.Status.REMOVED):
        return membership
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError("Only approved members can be removed.")
    _refuse_last_admin(membership=membership, by=by)
    # Stepping down yourself is leaving; being removed by someone else is remembered.
    membership.status = (
        Membership.Status.LEFT if membership.user_id == by.pk else Membership.Status.REMOVED
    )
    membership.decided_by = by
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decided_by", "decided_at"])
    memberships_changed()
    audit_record(
        actor=by,
        action="membership.remove",
        target=membership,
        before={"status": Membership.Status.APPROVED},
        after={"status": membership.status},
    )
    return membership


@transaction.atomic
def membership_readd(*, membership: Membership, by: User) -> Membership:
    """Add back, as an officer, a person an admin removed. Returns the new membership.

    The old row stays as history. Refused if the person now acts for (or has
    asked to join) an organisation: one open membership per person.
    """
    if not user_is_authority_admin(user=by, authority=membership.authority):
        raise PermissionDenied("Only this council's admins or site staff can re-add members.")
    membership = Membership.objects.select_related("authority", "user").get(pk=membership.pk)
    if membership.status != Membership.Status.REMOVED:
        raise ValidationError("Only removed members can be re-added.")
    User.objects.select_for_update().filter(pk=membership.user_id).first()
    if membership_open(user=membership.user) is not None:
        raise ValidationError(
            f"{membership.user} already acts for, or has asked to join, an organisation."
        )
    readded = Membership.objects.create(
        user=membership.user,
        authority=membership.authority,
        role=Membership.Role.OFFICER,
        status=Membership.Status.APPROVED,
        method=Membership.Method.READDED,
        decided_by=by,
        decided_at=timezone.now(),
    )
    memberships_changed()
    audit_record(
        actor=by,
        action="membership.readd",
        target=readded,
        before={"status": membership.status},
        after={"status": readded.status},
    )
    return readded


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


# Invitations ------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, authority: Authority, by: User, email: str) -> Invitation:
    """Invite a colleague by email to act for the authority. Only its admins or staff.

    The email (through the outbox) links to the invitation's token; verifying
    that address on sign-up joins them (invitation_accept_for_email).
    """
    if not user_is_authority_admin(user=by, authority=authority):
        raise PermissionDenied("Only this organisation's admins can invite people.")
    email = email.strip().lower()
    if Membership.objects.approved().filter(authority=authority, user__email=email).exists():
        raise ValidationError(f"{email} already acts for {authority.name}.")
    if Invitation.objects.filter(
        authority=authority, email=email, accepted_at__isnull=True, cancelled_at__isnull=True
    ).exists():
        raise ValidationError(f"{email} has already been invited. Cancel that invitation first.")
    invitation = Invitation.objects.create(
        authority=authority,
        email=email,
        token=secrets.token_urlsafe(32),
        invited_by=by,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_LIFETIME_DAYS),
    )
    audit_record(
        actor=by,
        action="invitation.create",
        target=invitation,
        after={"email": email, "authority": authority.gss_code},
    )
    context = {
        "invitation": invitation,
        "site_name": settings.SITE_NAME,
        "accept_url": _site_url(reverse("councils:invitation", args=[invitation.token])),
        "lifetime_days": settings.INVITATION_LIFETIME_DAYS,
    }
    outbox_enqueue(
        kind="invitation",
        key=f"invitation:{invitation.pk}",
        to=[email],
        reply_to=[by.email],
        subject=f"[{settings.SITE_NAME}] {by} invites you to act for {authority.name}",
        body=render_to_string("councils/email/invitation.txt", context),
    )
    return invitation


def successor_invitations(*, links: Iterable[tuple[int, int]]) -> int:
    """Invite every approved member of a replaced organisation to join its successor.

    Members are not moved (ADR 14): the person chooses, since their job may not
    have gone to the successor (a split predecessor has two). Called by the
    importer inside its transaction for every recorded (predecessor, successor)
    link, on every run: the outbox key is per person and successor, so a
    re-import, or a second predecessor of the same successor, sends nothing
    more. No EmailPreference field covers this: it is about the person's own
    account, like a join decision. Returns how many invitations were queued.
    """
    links = list(links)
    successors_of: dict[int, list[int]] = {}
    for old, new in links:
        successors_of.setdefault(old, []).append(new)
    if not successors_of:
        return 0
    members = list(
        Membership.objects.approved()
        .not_demo()  # demo accounts' addresses are not people's inboxes
        .filter(authority_id__in=successors_of)
        .select_related("user", "authority")
        .order_by("pk")
    )
    successors = Authority.objects.in_bulk({new for _, new in links})
    wanted = {
        f"successor.invitation:{m.user_id}:{new}": (m, successors[new])
        for m in members
        for new in successors_of[m.authority_id]
    }
    sent = set(OutboxMessage.objects.filter(key__in=wanted).values_list("key", flat=True))
    queued = 0
    for key, (membership, successor) in wanted.items():
        email = membership.user.email.strip().lower()
        if key in sent or not email:
            continue
        invitation = Invitation.objects.filter(
            authority=successor, email=email, accepted_at__isnull=True, cancelled_at__isnull=True
        ).first() or Invitation.objects.create(
            authority=successor,
            email=email,
            token=secrets.token_urlsafe(32),
            invited_by=None,
            expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_LIFETIME_DAYS),
        )
        context = {
            "membership": membership,
            "successor": successor,
            "site_name": settings.SITE_NAME,
            "accept_url": _site_url(reverse("councils:invitation", args=[invitation.token])),
            "profile_url": _site_url(successor.get_absolute_url()),
            "lifetime_days": settings.INVITATION_LIFETIME_DAYS,
        }
        queued += (
            outbox_enqueue(
                kind="successor.invitation",
                key=key,
                to=[email],
                subject=f"[{settings.SITE_NAME}] {membership.authority.name} has been replaced "
                f"by {successor.name}: join it",
                body=render_to_string("councils/email/successor_invitation.txt", context),
            )
            is not None
        )
    return queued


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw an open invitation (its link stops working). Safe to call twice."""
    if not user_is_authority_admin(user=by, authority=invitation.authority):
        raise PermissionDenied("Only this organisation's admins can cancel invitations.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_open:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        audit_record(actor=by, action="invitation.cancel", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept_for_email(*, user: User, email: str) -> Membership | None:
    """Join the organisation an open invitation to this verified address is for.

    Called when allauth confirms an address (councils.signals) and from the
    invitation page. None if there is no open invitation, or the person
    already acts for (or has asked to join) an organisation: one at a time,
    except that a member of an organisation the invitation's one replaced
    leaves it to join (successor_invitations).
    """
    email = email.strip().lower()
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("authority")
        .filter(
            email=email,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )
    if invitation is None or not invitation.authority.is_current:
        return None
    User.objects.select_for_update().filter(pk=user.pk).first()
    current = membership_open(user=user)
    if current is not None:
        # A member of a replaced organisation accepting its successor's invitation
        # leaves the old one: that is the move they were invited to make.
        replaced = (
            current.status == Membership.Status.APPROVED
            and not current.authority.is_current
            and invitation.authority.predecessors.filter(pk=current.authority_id).exists()
        )
        if not replaced:
            return None
        current.status = Membership.Status.LEFT
        current.save(update_fields=["status"])
    membership = Membership.objects.create(
        user=user,
        authority=invitation.authority,
        role=Membership.Role.OFFICER,
        status=Membership.Status.APPROVED,
        method=Membership.Method.INVITED,
        decided_by=invitation.invited_by,
        decided_at=timezone.now(),
    )
    memberships_changed()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def email_preference_save(*, user: User, **choices: bool) -> EmailPreference:
    """Save which notification emails the person wants (fields of EmailPreference)."""
    preference, _ = EmailPreference.objects.select_for_update().get_or_create(user=user)
    for name, value in choices.items():
        setattr(preference, name, bool(value))
    preference.save()
    return preference
