"""Every councils URL that changes something refuses people who may not do it.

Each case posts as someone who must be refused and then checks the database
did not change; a refusal that still wrote would pass a status-only test.
"""

from typing import Any, cast

import pytest
from django.test import Client

from councils.models import Authority, AuthorityProfile, Membership, User
from tests.factories import MembershipFactory, UserFactory, officer_of

pytestmark = pytest.mark.django_db


def _membership(**kwargs: Any) -> Membership:
    return cast(Membership, MembershipFactory(**kwargs))


def _user(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


ADUR = "E07000223"
WORTHING = "E07000229"


def _snapshot() -> dict[str, Any]:
    return {
        "memberships": sorted(
            Membership.objects.values_list("pk", "user_id", "authority_id", "role", "status")
        ),
        "profiles": sorted(
            AuthorityProfile.objects.values_list("authority_id", "description", "contact_email")
        ),
    }


@pytest.fixture
def adur() -> dict[str, Any]:
    """An Adur admin, an approved officer and a pending request."""
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    member = _membership()
    pending = _membership(status=Membership.Status.PENDING, method=Membership.Method.REQUEST)
    return {"admin": admin, "member": member, "pending": pending}


def _mutations(adur: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    member, pending = adur["member"].pk, adur["pending"].pk
    return [
        (f"/councils/{ADUR}/members/{pending}/decide/", {"decision": "approve"}),
        (f"/councils/{ADUR}/members/{pending}/decide/", {"decision": "reject", "reason": "No"}),
        (f"/councils/{ADUR}/members/{member}/role/", {"role": "admin"}),
        (f"/councils/{ADUR}/members/{member}/remove/", {}),
        (
            f"/councils/{ADUR}/edit/",
            {"description": "Hacked", "contact_email": "evil@example.org"},
        ),
    ]


def _actor(kind: str) -> User | None:
    if kind == "anonymous":
        return None
    if kind == "other_council_officer":
        return officer_of(WORTHING)
    if kind == "other_council_admin":
        return officer_of(WORTHING, role=Membership.Role.ADMIN)
    if kind == "same_council_officer":
        return officer_of(ADUR)
    if kind == "no_council":
        return _user()
    raise ValueError(kind)


ACTORS = [
    "anonymous",
    "other_council_officer",
    "other_council_admin",
    "same_council_officer",
    "no_council",
]


def _assert_refused(response: Any, actor: User | None) -> None:
    if actor is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("kind", ACTORS)
def test_mutating_urls_refuse_people_who_are_not_admins(client: Client, adur, kind):
    actor = _actor(kind)
    if actor is not None:
        client.force_login(actor)
    before = _snapshot()

    for url, data in _mutations(adur):
        _assert_refused(client.post(url, data), actor)
        assert _snapshot() == before, url


@pytest.mark.parametrize("kind", ACTORS)
def test_members_and_decision_pages_are_not_shown_to_non_admins(client: Client, adur, kind):
    actor = _actor(kind)
    if actor is not None:
        client.force_login(actor)

    for url in [
        f"/councils/{ADUR}/members/",
        f"/councils/{ADUR}/members/{adur['pending'].pk}/decide/",
        f"/councils/{ADUR}/members/{adur['member'].pk}/remove/",
    ]:
        response = client.get(url)
        _assert_refused(response, actor)
        assert adur["member"].user.email not in response.content.decode()


def test_anonymous_join_post_redirects_to_sign_in_and_creates_nothing(client: Client):
    response = client.post("/councils/join/", {"authority": ADUR, "full_name": "Anon"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Membership.objects.exists()


def test_join_post_by_a_member_creates_no_second_membership(client: Client):
    officer = officer_of(WORTHING)
    client.force_login(officer)
    before = _snapshot()

    response = client.post("/councils/join/", {"authority": ADUR, "full_name": "Two Hats"})

    assert response.status_code == 409
    assert _snapshot() == before


def test_get_cannot_change_role_or_decide(client: Client, adur):
    client.force_login(adur["admin"])
    before = _snapshot()

    assert (
        client.get(f"/councils/{ADUR}/members/{adur['member'].pk}/role/?role=admin").status_code
        == 405
    )
    client.get(f"/councils/{ADUR}/members/{adur['pending'].pk}/decide/?decision=approve")

    assert _snapshot() == before


def test_admin_cannot_touch_another_councils_membership_through_own_url(client: Client, adur):
    """Worthing's admin uses a valid Worthing URL with an Adur membership id: refused."""
    client.force_login(officer_of(WORTHING, role=Membership.Role.ADMIN))
    before = _snapshot()

    for path, data in [
        (f"{adur['pending'].pk}/decide/", {"decision": "approve"}),
        (f"{adur['member'].pk}/role/", {"role": "admin"}),
        (f"{adur['member'].pk}/remove/", {}),
    ]:
        response = client.post(f"/councils/{WORTHING}/members/{path}", data)
        assert response.status_code == 404, path

    assert _snapshot() == before


def test_csrf_is_enforced_on_decisions(adur):
    client = Client(enforce_csrf_checks=True)
    client.force_login(adur["admin"])
    before = _snapshot()

    response = client.post(
        f"/councils/{ADUR}/members/{adur['pending'].pk}/decide/", {"decision": "approve"}
    )

    assert response.status_code == 403
    assert _snapshot() == before


def test_authority_admin_may_manage_members(client: Client, adur):
    client.force_login(adur["admin"])

    assert client.get(f"/councils/{ADUR}/members/").status_code == 200
    client.post(f"/councils/{ADUR}/members/{adur['pending'].pk}/decide/", {"decision": "approve"})
    client.post(f"/councils/{ADUR}/members/{adur['member'].pk}/role/", {"role": "admin"})

    adur["pending"].refresh_from_db()
    adur["member"].refresh_from_db()
    assert adur["pending"].status == Membership.Status.APPROVED
    assert adur["member"].role == Membership.Role.ADMIN


def test_site_staff_may_manage_any_council(client: Client, adur):
    client.force_login(_user(is_staff=True))

    assert client.get(f"/councils/{ADUR}/members/").status_code == 200
    client.post(
        f"/councils/{ADUR}/members/{adur['pending'].pk}/decide/",
        {"decision": "reject", "reason": "Not known"},
    )
    client.post(f"/councils/{ADUR}/members/{adur['member'].pk}/remove/")
    # Staff may step in even when the council would be left without an admin.
    admin_membership = Membership.objects.get(user=adur["admin"])
    client.post(f"/councils/{ADUR}/members/{admin_membership.pk}/role/", {"role": "officer"})

    adur["pending"].refresh_from_db()
    adur["member"].refresh_from_db()
    admin_membership.refresh_from_db()
    assert adur["pending"].status == Membership.Status.REJECTED
    assert adur["member"].status == Membership.Status.REMOVED
    assert admin_membership.role == Membership.Role.OFFICER


def test_unknown_council_is_404_for_admins(client: Client, adur):
    client.force_login(adur["admin"])

    assert client.get("/councils/E99999999/members/").status_code == 404
    assert Authority.objects.filter(gss_code="E99999999").count() == 0
