"""factory_boy factories. Real councils come from the imported reference data;
these make people, memberships and (for edge cases) synthetic authorities."""

from typing import Any, cast

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from factory.django import DjangoModelFactory

from councils.models import Authority, EmailDomain, Membership, User

factory.Faker._DEFAULT_LOCALE = "en_GB"

# The authenticator-app secret every factory-made staff user has (staff must
# have a second factor: councils.middleware). Tests sign in with totp_code().
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = STAFF_TOTP_SECRET, *, at: float | None = None) -> str:
    """The code an authenticator app shows now for the secret (RFC 6238, 30 s steps)."""
    import time

    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    job_title = factory.Faker("job")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A verified primary address, as allauth records it after confirmation."""
        if create and extracted is not False:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def totp(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Staff get an authenticator app (STAFF_TOTP_SECRET) unless totp=False."""
        if create and extracted is not False and (obj.is_staff or obj.is_superuser):
            obj.save()
            TOTP.activate(obj, extracted if isinstance(extracted, str) else STAFF_TOTP_SECRET)


class AuthorityFactory(DjangoModelFactory):
    """A synthetic council, for tests that must not depend on the real list."""

    class Meta:
        model = Authority

    gss_code = factory.Sequence(lambda n: f"E9{n:07d}")
    name = factory.Sequence(lambda n: f"Testshire District Council {n}")
    short_name = factory.Sequence(lambda n: f"Testshire {n}")
    authority_type = Authority.Type.DISTRICT
    tier = Authority.Tier.LOWER
    nation = Authority.Nation.ENGLAND
    region = "South East"
    latitude = factory.Faker("pyfloat", min_value=50.5, max_value=55.0)
    longitude = factory.Faker("pyfloat", min_value=-3.0, max_value=1.0)
    population = factory.Faker("pyint", min_value=20000, max_value=900000)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    authority = factory.LazyFunction(lambda: Authority.objects.get(gss_code="E07000223"))  # Adur
    role = Membership.Role.OFFICER
    status = Membership.Status.APPROVED
    method = Membership.Method.STAFF


class EmailDomainFactory(DjangoModelFactory):
    class Meta:
        model = EmailDomain

    authority = factory.LazyFunction(lambda: Authority.objects.get(gss_code="E07000223"))
    domain = factory.Sequence(lambda n: f"council{n}.example.gov.uk")


def officer_of(gss_code: str, *, role: str = Membership.Role.OFFICER, **user: Any) -> User:
    """A verified user with an approved membership of the council with that GSS code."""
    membership = MembershipFactory(
        authority=Authority.objects.get(gss_code=gss_code),
        role=role,
        user__verified=True,
        **{f"user__{k}": v for k, v in user.items()},
    )
    return cast(User, membership.user)
