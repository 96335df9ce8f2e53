"""manage.py seed_demo: three labelled demo accounts for trying the service locally.

Safe to re-run: each account, email address and membership is looked up by
its natural key and brought back to the state below. It only ever writes
User, EmailAddress and Membership rows for the demo addresses; reference
data and email domains are never touched.
"""

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from councils.management.demo import DemoDataCommand
from councils.models import Authority, Membership, User


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    job_title: str
    gss_code: str | None = None
    role: str | None = None
    is_staff: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(
        email="demo-officer@example.com",
        full_name="Demo Officer",
        job_title="Shared services officer (demo)",
        gss_code="E07000223",  # Adur
        role=Membership.Role.OFFICER,
    ),
    DemoAccount(
        email="demo-admin@example.com",
        full_name="Demo Admin",
        job_title="Head of transformation (demo)",
        gss_code="E07000229",  # Worthing
        role=Membership.Role.ADMIN,
    ),
    DemoAccount(
        email="demo-moderator@example.com",
        full_name="Demo Moderator",
        job_title="Service moderator (demo)",
        is_staff=True,
    ),
)


def _seed_account(account: DemoAccount, *, password: str) -> tuple[User, Membership | None]:
    user = User.objects.filter(email=account.email).first()
    if user is not None and not user.is_demo:
        # A real person registered this address: never turn them into a demo.
        raise CommandError(f"{account.email} belongs to an account that is not a demo account.")
    if user is None:
        user = User(email=account.email)
    user.full_name = account.full_name
    user.job_title = account.job_title
    user.is_demo = True
    user.is_active = True
    user.is_staff = account.is_staff
    user.is_superuser = False
    if not user.check_password(password):  # a new hash would sign out demo sessions
        user.set_password(password)
    user.save()

    EmailAddress.objects.filter(user=user).exclude(email=account.email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )

    if account.is_staff:
        _seed_authenticator(user, secret=settings.DEMO_TOTP_SECRET)
    if account.gss_code is None:
        return user, None
    authority = Authority.objects.get(gss_code=account.gss_code)
    # One open membership per person (a database constraint): close any other
    # council the demo user joined while someone was trying the service.
    open_statuses = [Membership.Status.PENDING, Membership.Status.APPROVED]
    Membership.objects.filter(user=user, status__in=open_statuses).exclude(
        authority=authority
    ).update(status=Membership.Status.LEFT)
    membership = (
        Membership.objects.filter(user=user, authority=authority, status__in=open_statuses)
        .order_by("pk")
        .first()
    )
    if membership is None:
        membership = Membership(user=user, authority=authority)
    membership.role = account.role or Membership.Role.OFFICER
    membership.status = Membership.Status.APPROVED
    membership.method = Membership.Method.DEMO
    membership.save()
    return user, membership


def _seed_authenticator(user: User, *, secret: str) -> None:
    """Staff must have an authenticator app; the demo moderator's secret is published."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None and decrypt(existing.data["secret"]) == secret:
        return
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)


class Command(DemoDataCommand):
    help = (
        "Create or refresh three demo accounts (officer of Adur, admin of Worthing, "
        "moderator). Password from DEMO_PASSWORD, default demo-password-123. "
        "Refuses to run when DEBUG is off unless --force."
    )

    risk = "Demo accounts have a published password."

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        missing = [
            a.gss_code
            for a in DEMO_ACCOUNTS
            if a.gss_code and not Authority.objects.filter(gss_code=a.gss_code).exists()
        ]
        if missing:
            raise CommandError(
                f"Councils {', '.join(missing)} are not loaded. Run manage.py import_authorities."
            )
        password = settings.DEMO_PASSWORD

        with transaction.atomic():
            seeded = [(a, *_seed_account(a, password=password)) for a in DEMO_ACCOUNTS]

        self.stdout.write(self.style.SUCCESS("Demo accounts ready (all labelled demo on screen):"))
        for account, _user, membership in seeded:
            if membership is not None:
                what = f"{membership.get_role_display()} of {membership.authority.name}"
            else:
                what = "Site moderator (staff, not superuser)"
            self.stdout.write(f"  {account.email}  –  {what}")
        self.stdout.write(f"Password for all three: {password}")
        self.stdout.write(
            "The moderator signs in with a code from an authenticator app: add the secret "
            f"{settings.DEMO_TOTP_SECRET} to one (for example `oathtool --totp -b "
            f"{settings.DEMO_TOTP_SECRET}`)."
        )
