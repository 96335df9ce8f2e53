"""Joining a council by request, and an authority admin deciding and managing members."""

from typing import Any, cast

import pytest
from django.contrib.admin.sites import site as admin_site

from councils.email_domains import clean_email_domain
from councils.models import Authority, EmailDomain, Membership, User
from tests.factories import MembershipFactory, UserFactory, officer_of

pytestmark = pytest.mark.django_db


def _membership(**kwargs: Any) -> Membership:
    return cast(Membership, MembershipFactory(**kwargs))


def _user(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


ADUR = "E07000223"
WORTHING = "E07000229"


def _adur() -> Authority:
    return Authority.objects.get(gss_code=ADUR)


def test_join_page_sends_anonymous_users_to_sign_in(client):
    response = client.get("/councils/join/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/councils/join/")


def test_join_page_lists_every_current_organisation_grouped_by_nation_and_kind(client):
    client.force_login(_user())

    html = client.get("/councils/join/").content.decode()

    # Councils in each of the 4 nations, then the 8 kinds of public body.
    assert html.count('<optgroup label="') == 12
    assert '<optgroup label="Councils in Northern Ireland">' in html
    assert '<optgroup label="Fire and rescue authorities">' in html
    assert '<optgroup label="Regional park authorities">' in html
    assert html.count('<option value="') - 1 == Authority.objects.current().count() == 382 + 162
    assert f'<option value="{ADUR}">Adur District Council</option>' in html


def test_join_request_is_pending_and_shown_as_waiting(client):
    user = _user(full_name="", job_title="")
    client.force_login(user)

    response = client.post(
        "/councils/join/",
        {
            "authority": ADUR,
            "full_name": "Pat Jones",
            "job_title": "Planner",
            "message": "I run planning.",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.status == Membership.Status.PENDING
    assert membership.method == Membership.Method.REQUEST
    assert membership.request_message == "I run planning."
    user.refresh_from_db()
    assert (user.full_name, user.job_title) == ("Pat Jones", "Planner")
    page = client.get("/councils/join/").content.decode()
    assert "Your request to join Adur District Council is waiting for approval" in page


def test_second_join_request_is_refused(client):
    user = _user()
    client.force_login(user)
    client.post("/councils/join/", {"authority": ADUR, "full_name": "Pat"})

    response = client.post("/councils/join/", {"authority": WORTHING, "full_name": "Pat"})

    assert response.status_code == 409
    assert list(
        Membership.objects.filter(user=user).values_list("authority__gss_code", flat=True)
    ) == [ADUR]


def test_join_without_choosing_a_council_shows_govuk_error(client):
    client.force_login(_user())

    response = client.post("/councils/join/", {"authority": "", "full_name": "Pat"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert '<a href="#id_authority">Select your council</a>' in html
    assert not Membership.objects.exists()


def test_join_with_an_abolished_council_is_refused(client):
    abolished = Authority.objects.exclude(status=Authority.Status.CURRENT).first()
    assert abolished is not None
    client.force_login(_user())

    response = client.post("/councils/join/", {"authority": abolished.gss_code, "full_name": "P"})

    assert response.status_code == 400
    assert not Membership.objects.exists()


def test_admin_approves_request_and_user_is_emailed_and_becomes_officer(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    pending = _membership(status=Membership.Status.PENDING, method=Membership.Method.REQUEST)
    client.force_login(admin)

    # The email is queued after commit; run the on-commit callbacks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/councils/{ADUR}/members/{pending.pk}/decide/", {"decision": "approve"}
        )

    assert response.status_code == 302
    assert response["Location"] == f"/councils/{ADUR}/members/"
    pending.refresh_from_db()
    assert pending.status == Membership.Status.APPROVED
    assert pending.role == Membership.Role.OFFICER
    assert pending.decided_by == admin
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [pending.user.email]
    assert "You can now act for Adur District Council" in mailoutbox[0].subject
    assert f"/councils/{ADUR}/" in mailoutbox[0].body


def test_reject_with_reason_emails_the_reason(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    pending = _membership(status=Membership.Status.PENDING, method=Membership.Method.REQUEST)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/councils/{ADUR}/members/{pending.pk}/decide/",
            {"decision": "reject", "reason": "You do not work for Adur."},
        )

    pending.refresh_from_db()
    assert pending.status == Membership.Status.REJECTED
    assert pending.decision_reason == "You do not work for Adur."
    assert len(mailoutbox) == 1
    assert "was not approved" in mailoutbox[0].subject
    assert "You do not work for Adur." in mailoutbox[0].body


def test_rejected_user_sees_reason_and_can_ask_again(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    pending = _membership(status=Membership.Status.PENDING, method=Membership.Method.REQUEST)
    client.post(
        f"/councils/{ADUR}/members/{pending.pk}/decide/",
        {"decision": "reject", "reason": "Wrong council."},
    )
    client.force_login(pending.user)

    html = client.get("/councils/join/").content.decode()

    assert "Wrong council." in html
    assert 'name="authority"' in html


def test_reject_without_reason_shows_govuk_error_and_changes_nothing(client, mailoutbox):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    pending = _membership(status=Membership.Status.PENDING, method=Membership.Method.REQUEST)

    response = client.post(
        f"/councils/{ADUR}/members/{pending.pk}/decide/", {"decision": "reject", "reason": "  "}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert "Enter a reason for rejecting this request" in html
    pending.refresh_from_db()
    assert pending.status == Membership.Status.PENDING
    assert mailoutbox == []  # (nothing queued either: see the on-commit tests above)


def test_deciding_twice_does_not_email_twice(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    pending = _membership(status=Membership.Status.PENDING, method=Membership.Method.REQUEST)
    url = f"/councils/{ADUR}/members/{pending.pk}/decide/"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "approve"})
        client.post(url, {"decision": "reject", "reason": "Changed my mind"})

    pending.refresh_from_db()
    assert pending.status == Membership.Status.APPROVED
    assert len(mailoutbox) == 1


def test_members_page_lists_members_and_pending_requests_oldest_first(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN, full_name="Alex Admin")
    officer_of(ADUR, full_name="Olive Officer")
    first = _membership(status=Membership.Status.PENDING, user__full_name="First Asker")
    second = _membership(status=Membership.Status.PENDING, user__full_name="Second Asker")
    Membership.objects.filter(pk=second.pk).update(created_at=first.created_at.replace(year=2030))
    officer_of(WORTHING, full_name="Wendy Worthing")
    client.force_login(admin)

    html = client.get(f"/councils/{ADUR}/members/").content.decode()

    assert html.count("<h1") == 1
    assert "Alex Admin" in html and "Olive Officer" in html
    assert "Wendy Worthing" not in html
    assert html.index("First Asker") < html.index("Second Asker")
    assert "Reject" in html and "Approve" in html


def test_members_page_queries_do_not_grow_with_members(client, django_assert_max_num_queries):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    MembershipFactory.create_batch(30)
    MembershipFactory.create_batch(15, status=Membership.Status.PENDING)
    client.force_login(admin)

    # 9: the eighth of before plus one counting open invitations.
    with django_assert_max_num_queries(9):
        response = client.get(f"/councils/{ADUR}/members/")

    assert response.status_code == 200
    assert response.content.decode().count("Make admin") == 30


def test_admin_changes_role_officer_to_admin_and_back(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    member = _membership()
    client.force_login(admin)
    url = f"/councils/{ADUR}/members/{member.pk}/role/"

    client.post(url, {"role": "admin"})
    member.refresh_from_db()
    assert member.role == Membership.Role.ADMIN

    client.post(url, {"role": "officer"})
    member.refresh_from_db()
    assert member.role == Membership.Role.OFFICER


def test_role_change_with_unknown_role_is_refused(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    member = _membership()

    client.post(f"/councils/{ADUR}/members/{member.pk}/role/", {"role": "superuser"})

    member.refresh_from_db()
    assert member.role == Membership.Role.OFFICER


def test_last_admin_cannot_make_themselves_an_officer(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    own = Membership.objects.get(user=admin)
    client.force_login(admin)

    response = client.post(
        f"/councils/{ADUR}/members/{own.pk}/role/", {"role": "officer"}, follow=True
    )

    own.refresh_from_db()
    assert own.role == Membership.Role.ADMIN
    assert "only authority admin" in response.content.decode()


def test_admin_removes_member_who_then_has_left(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    member = _membership()
    url = f"/councils/{ADUR}/members/{member.pk}/remove/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Remove member" in confirm.content.decode()
    response = client.post(url)

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Membership.Status.REMOVED


def test_last_admin_cannot_remove_themselves(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    own = Membership.objects.get(user=admin)
    client.force_login(admin)

    response = client.post(f"/councils/{ADUR}/members/{own.pk}/remove/")

    assert response.status_code == 400
    assert "only authority admin" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Membership.Status.APPROVED


def test_admin_can_leave_when_another_admin_remains(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    officer_of(ADUR, role=Membership.Role.ADMIN)
    own = Membership.objects.get(user=admin)
    client.force_login(admin)

    response = client.post(f"/councils/{ADUR}/members/{own.pk}/remove/")

    assert response["Location"] == "/councils/join/"
    own.refresh_from_db()
    assert own.status == Membership.Status.LEFT


def test_staff_add_email_domain_in_admin_with_added_by(client):
    staff = _user(is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.post(
        "/admin/councils/emaildomain/add/",
        {"authority": _adur().pk, "domain": " @Adur.Example.GOV.uk "},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    domain = EmailDomain.objects.get()
    assert domain.domain == "adur.example.gov.uk"
    assert domain.added_by == staff


@pytest.mark.parametrize("value", ["not a domain", "adur", "gmail.com", "-bad.gov.uk", "a..gov.uk"])
def test_email_domain_that_is_not_a_council_domain_is_refused(value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        clean_email_domain(value)


def test_admin_registers_every_councils_model():
    from django.apps import apps

    for model in apps.get_app_config("councils").get_models():
        assert admin_site.is_registered(model), model


def test_admin_pages_render_for_staff(client):
    client.force_login(_user(is_staff=True, is_superuser=True))
    for url in [
        "/admin/councils/authority/",
        f"/admin/councils/authority/{_adur().pk}/change/",
        "/admin/councils/emaildomain/add/",
        "/admin/councils/membership/",
        "/admin/councils/spendrecord/",
        "/admin/councils/adjacency/",
        "/admin/councils/user/",
    ]:
        assert client.get(url).status_code == 200, url
