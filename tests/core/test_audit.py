"""The staff audit log: every staff action leaves one entry, entries never change, the page."""

import datetime as dt
from decimal import Decimal
from typing import Any, cast

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.audit import HIDDEN, audit_record, json_safe, model_snapshot, snapshot_diff
from core.models import AuditEntry, AuditEntryImmutable
from councils import services as council_services
from councils.models import Authority, EmailDomain, Membership, User
from offers.models import Listing, ScreeningTerm, Service, ServiceFamily
from offers.moderation import services as moderation_services
from tests.factories import EmailDomainFactory, MembershipFactory, UserFactory, officer_of
from tests.offers.factories import ADUR, ARUN, make_listing

pytestmark = pytest.mark.django_db

AUDIT_URL = "/staff/audit/"


def _user(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


@pytest.fixture
def staff() -> User:
    return _user(is_staff=True, email="moderator@example.org")


@pytest.fixture
def superuser() -> User:
    """Site staff with every admin permission (the admin's add/change/delete pages)."""
    return _user(is_staff=True, is_superuser=True, email="admin-staff@example.org")


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def _only_entry(**filters: Any) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(**filters))
    assert len(entries) == 1, [str(e) for e in AuditEntry.objects.all()]
    return entries[0]


def _target_of(entry: AuditEntry, obj: Any) -> bool:
    content_type = ContentType.objects.get_for_model(obj)
    return entry.target_content_type == content_type and entry.target_object_id == str(obj.pk)


def _admin_form_data(response: Any) -> dict[str, Any]:
    """The admin change page's form (and inline formsets) as the browser would post it."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            bound = form[name]
            value = bound.value()
            key = form.add_prefix(name)
            widget = field.widget
            if hasattr(widget, "widgets"):  # split date and time
                parts = widget.decompress(value)
                for i, part in enumerate(parts):
                    data[f"{key}_{i}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            add(form)
    return data


# --- the helpers ----------------------------------------------------------------------


def test_json_safe_keeps_dates_and_decimals_readable():
    value = {
        "when": dt.datetime(2026, 3, 27, 9, 30, tzinfo=dt.UTC),
        "day": dt.date(2026, 3, 27),
        "rate": Decimal("1.80"),
        "tags": {"b", "a"},
    }

    assert json_safe(value) == {
        "when": "2026-03-27T09:30:00+00:00",
        "day": "2026-03-27",
        "rate": "1.80",
        "tags": ["a", "b"],
    }


def test_snapshot_diff_keeps_only_changed_fields_and_hides_secrets():
    before = {"email": "a@example.org", "is_staff": False, "password": "md5$old"}
    after = {"email": "a@example.org", "is_staff": True, "password": "md5$new"}

    assert snapshot_diff(before, after, hidden={"password"}) == (
        {"is_staff": False, "password": HIDDEN},
        {"is_staff": True, "password": HIDDEN},
    )


def test_model_snapshot_names_related_records():
    domain = cast(EmailDomain, EmailDomainFactory(domain="snap.example.gov.uk"))

    snapshot = model_snapshot(domain, ["domain", "authority"])

    assert snapshot == {"domain": "snap.example.gov.uk", "authority": "Adur District Council"}


# --- moderation -----------------------------------------------------------------------


def _submitted(**kwargs: Any) -> Listing:
    return make_listing(status=Listing.Status.SUBMITTED, submitted_at=timezone.now(), **kwargs)


def test_approving_a_listing_is_recorded(staff):
    listing = _submitted(title="Shared payroll")

    moderation_services.listing_moderate(listing=listing, by=staff, decision="approve")

    entry = _only_entry(action="listing.approve")
    assert entry.actor == staff and entry.actor_label == "moderator@example.org"
    assert _target_of(entry, listing) and "Shared payroll" in entry.target_label
    assert entry.before == {"status": "submitted"} and entry.after == {"status": "published"}


def test_requesting_changes_is_recorded_with_the_reason(staff):
    listing = _submitted()

    moderation_services.listing_moderate(
        listing=listing, by=staff, decision="request_changes", reason="Add the costs"
    )

    entry = _only_entry(action="listing.request_changes")
    assert entry.actor == staff and _target_of(entry, listing)
    assert entry.before == {"status": "submitted"}
    assert entry.after == {"status": "changes_requested"}
    assert entry.reason == "Add the costs"


def test_taking_a_listing_down_records_the_reports_it_resolved(staff):
    listing = make_listing(status=Listing.Status.PUBLISHED)
    for _ in range(2):
        moderation_services.report_create(listing=listing, by=officer_of(ARUN), reason="Advert")

    moderation_services.listing_moderate(
        listing=listing, by=staff, decision="reject", reason="Advertising"
    )

    entry = _only_entry(action="listing.reject")
    assert entry.before == {"status": "published", "open_reports": 2}
    assert entry.after == {"status": "rejected", "open_reports": 0}
    assert entry.reason == "Advertising"


def test_dismissing_a_report_is_recorded(staff):
    listing = make_listing(status=Listing.Status.PUBLISHED)
    report, _ = moderation_services.report_create(
        listing=listing, by=officer_of(ARUN), reason="Advert"
    )

    moderation_services.report_dismiss(report=report, by=staff)

    entry = _only_entry(action="report.dismiss")
    assert entry.actor == staff and _target_of(entry, report)
    assert entry.before == {"status": "open"} and entry.after == {"status": "dismissed"}


def test_a_refused_decision_records_nothing(staff):
    listing = _submitted()

    with pytest.raises(Exception):  # noqa: B017 (the reason is missing: ValidationError)
        moderation_services.listing_moderate(listing=listing, by=staff, decision="reject")

    assert not AuditEntry.objects.exists()


# --- memberships ----------------------------------------------------------------------


@pytest.fixture
def council_admin() -> User:
    return officer_of(ADUR, role=Membership.Role.ADMIN, email="council-admin@example.org")


def _pending() -> Membership:
    return cast(
        Membership,
        MembershipFactory(status=Membership.Status.PENDING, method=Membership.Method.REQUEST),
    )


def test_a_council_admin_approving_a_request_is_recorded(council_admin):
    membership = _pending()

    council_services.membership_decide(membership=membership, by=council_admin, approve=True)

    entry = _only_entry(action="membership.decide")
    assert entry.actor == council_admin and _target_of(entry, membership)
    assert entry.before == {"status": "pending"} and entry.after == {"status": "approved"}


def test_staff_rejecting_a_request_is_recorded_with_the_reason(staff):
    membership = _pending()

    council_services.membership_decide(
        membership=membership, by=staff, approve=False, reason="Not an employee"
    )

    entry = _only_entry(action="membership.decide")
    assert entry.actor == staff
    assert entry.after == {"status": "rejected"} and entry.reason == "Not an employee"


def test_a_role_change_is_recorded_and_an_unchanged_role_is_not(council_admin):
    membership = cast(Membership, MembershipFactory())

    council_services.membership_set_role(
        membership=membership, by=council_admin, role=Membership.Role.ADMIN
    )
    council_services.membership_set_role(
        membership=membership, by=council_admin, role=Membership.Role.ADMIN
    )

    entry = _only_entry(action="membership.set_role")
    assert entry.actor == council_admin and _target_of(entry, membership)
    assert entry.before == {"role": "officer"} and entry.after == {"role": "admin"}


def test_removing_a_member_is_recorded_once(council_admin):
    membership = cast(Membership, MembershipFactory())

    council_services.membership_remove(membership=membership, by=council_admin)
    council_services.membership_remove(membership=membership, by=council_admin)  # no-op

    entry = _only_entry(action="membership.remove")
    assert entry.actor == council_admin and _target_of(entry, membership)
    assert entry.before == {"status": "approved"}
    membership.refresh_from_db()
    assert entry.after == {"status": membership.status} != {"status": "approved"}


def test_re_adding_a_removed_member_is_recorded(council_admin):
    removed = cast(Membership, MembershipFactory(status=Membership.Status.REMOVED))

    readded = council_services.membership_readd(membership=removed, by=council_admin)

    entry = _only_entry(action="membership.readd")
    assert entry.actor == council_admin and _target_of(entry, readded)
    assert entry.before == {"status": "removed"} and entry.after == {"status": "approved"}


# --- changes in the Django admin ------------------------------------------------------


def test_email_domain_add_change_and_delete_in_the_admin_are_recorded(admin_client, superuser):
    adur = Authority.objects.get(gss_code=ADUR)

    response = admin_client.post(
        reverse("admin:councils_emaildomain_add"),
        {"authority": adur.pk, "domain": "Audit-Test.gov.uk"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    domain = EmailDomain.objects.get(domain="audit-test.gov.uk")
    added = _only_entry(action="email_domain.add")
    assert added.actor == superuser and _target_of(added, domain)
    assert added.before == {}
    assert added.after["domain"] == "audit-test.gov.uk"
    assert added.after["authority"] == "Adur District Council"

    response = admin_client.post(
        reverse("admin:councils_emaildomain_change", args=[domain.pk]),
        {"authority": adur.pk, "domain": "audit-test-2.gov.uk"},
    )
    assert response.status_code == 302
    changed = _only_entry(action="email_domain.change")
    assert changed.before == {"domain": "audit-test.gov.uk"}
    assert changed.after == {"domain": "audit-test-2.gov.uk"}

    pk = domain.pk
    response = admin_client.post(
        reverse("admin:councils_emaildomain_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not EmailDomain.objects.filter(pk=pk).exists()
    deleted = _only_entry(action="email_domain.delete")
    assert deleted.target_object_id == str(pk) and deleted.target_label == "audit-test-2.gov.uk"
    assert deleted.before["domain"] == "audit-test-2.gov.uk" and deleted.after == {}


def test_a_shared_email_domain_added_in_the_admin_is_recorded(admin_client):
    response = admin_client.post(
        reverse("admin:councils_sharedemaildomain_add"),
        {"domain": "shared-audit.example", "note": "Many employers"},
    )

    assert response.status_code == 302
    entry = _only_entry(action="shared_email_domain.add")
    assert entry.after == {"domain": "shared-audit.example", "note": "Many employers"}


def test_saving_without_changes_records_nothing(admin_client, superuser):
    domain = cast(EmailDomain, EmailDomainFactory(added_by=superuser))

    admin_client.post(
        reverse("admin:councils_emaildomain_change", args=[domain.pk]),
        {"authority": domain.authority_id, "domain": domain.domain},
    )

    assert not AuditEntry.objects.exists()


def test_deleting_selected_email_domains_records_each(admin_client):
    domains = [cast(EmailDomain, EmailDomainFactory()) for _ in range(2)]

    response = admin_client.post(
        reverse("admin:councils_emaildomain_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [d.pk for d in domains],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    entries = AuditEntry.objects.filter(action="email_domain.delete")
    assert sorted(e.target_label for e in entries) == sorted(d.domain for d in domains)


def test_an_email_domain_added_on_the_council_page_inline_is_recorded(admin_client):
    adur = Authority.objects.get(gss_code=ADUR)
    url = reverse("admin:councils_authority_change", args=[adur.pk])
    data = _admin_form_data(admin_client.get(url))
    prefix = "domains"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-domain"] = "inline-audit.gov.uk"
    data[f"{prefix}-{total}-authority"] = str(adur.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    entry = _only_entry(action="email_domain.add")
    assert entry.after["domain"] == "inline-audit.gov.uk"
    assert not AuditEntry.objects.filter(action="authority.change").exists()


def test_screened_word_edits_in_the_admin_are_recorded(admin_client):
    response = admin_client.post(
        reverse("admin:offers_screeningterm_add"),
        {"term": "jackpot", "note": "Gambling", "is_active": "on"},
    )
    assert response.status_code == 302
    term = ScreeningTerm.objects.get(term="jackpot")
    assert _only_entry(action="screened_word.add").after == {
        "term": "jackpot",
        "note": "Gambling",
        "is_active": True,
    }

    admin_client.post(
        reverse("admin:offers_screeningterm_change", args=[term.pk]),
        {"term": "jackpot", "note": "Gambling"},  # unticked: inactive
    )
    changed = _only_entry(action="screened_word.change")
    assert changed.before == {"is_active": True} and changed.after == {"is_active": False}

    admin_client.post(reverse("admin:offers_screeningterm_delete", args=[term.pk]), {"post": "yes"})
    assert _only_entry(action="screened_word.delete").target_label == "jackpot"


def test_a_taxonomy_edit_in_the_admin_is_recorded(admin_client, superuser):
    service = Service.objects.get(slug="building-control")
    url = reverse("admin:offers_service_change", args=[service.pk])
    data = _admin_form_data(admin_client.get(url))
    data["description"] = "Checking building work meets the regulations."
    was = service.description

    response = admin_client.post(url, data)

    assert response.status_code == 302
    entry = _only_entry(action="service.change")
    assert entry.actor == superuser and _target_of(entry, service)
    assert entry.before == {"description": was}
    assert entry.after == {"description": "Checking building work meets the regulations."}


def test_a_service_renamed_in_its_familys_inline_is_recorded(admin_client):
    service = Service.objects.get(slug="building-control")
    family = service.family
    url = reverse("admin:offers_servicefamily_change", args=[family.pk])
    data = _admin_form_data(admin_client.get(url))
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-id") and value == str(service.pk)
    )
    data[f"services-{index}-name"] = "Building control and inspection"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    entry = _only_entry(action="service.change")
    assert _target_of(entry, service)
    assert entry.before == {"name": "Building control"}
    assert entry.after == {"name": "Building control and inspection"}
    assert not AuditEntry.objects.filter(action__startswith="service_family.").exists()
    assert ServiceFamily.objects.filter(pk=family.pk).exists()


def test_making_someone_staff_in_the_admin_is_recorded(admin_client, superuser):
    person = _user(email="pat@example.org", date_joined=timezone.now().replace(microsecond=0))
    url = reverse("admin:councils_user_change", args=[person.pk])
    data = _admin_form_data(admin_client.get(url))
    data["is_staff"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    entry = _only_entry(action="user.change")
    assert entry.actor == superuser and _target_of(entry, person)
    assert entry.before == {"is_staff": False} and entry.after == {"is_staff": True}


def test_a_password_set_by_staff_is_recorded_without_the_password(admin_client):
    person = _user(email="pat@example.org")
    url = reverse("admin:auth_user_password_change", args=[person.pk])

    response = admin_client.post(
        url,
        {
            "usable_password": "true",
            "password1": "a-new-long-password-42",
            "password2": "a-new-long-password-42",
        },
    )

    assert response.status_code == 302
    entry = _only_entry(action="user.change")
    assert _target_of(entry, person) and "password" in entry.reason.lower()
    assert "a-new-long-password-42" not in str(entry.before) + str(entry.after) + entry.reason


# --- append-only ----------------------------------------------------------------------


@pytest.fixture
def entry(staff) -> AuditEntry:
    return audit_record(
        actor=staff,
        action="email_domain.add",
        target=cast(EmailDomain, EmailDomainFactory()),
        after={"domain": "x.gov.uk"},
    )


def test_an_entry_cannot_be_changed_or_deleted(entry):
    entry.reason = "tampered"
    with pytest.raises(AuditEntryImmutable):
        entry.save()
    with pytest.raises(AuditEntryImmutable):
        entry.delete()
    with pytest.raises(AuditEntryImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="tampered")
    with pytest.raises(AuditEntryImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_a_copy_with_an_existing_key_does_not_overwrite_the_entry(entry):
    copy = AuditEntry(
        pk=entry.pk,
        actor_label="someone",
        action="x",
        target_content_type=entry.target_content_type,
        target_object_id="1",
        target_label="x",
    )
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (IntegrityError)
        copy.save()
    entry.refresh_from_db()
    assert entry.action == "email_domain.add"


def test_the_database_refuses_to_change_or_delete_an_entry(entry):
    for sql in [
        "UPDATE core_auditentry SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == ""


def test_an_entry_outlives_the_actors_account(entry, staff):
    staff.delete()

    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_label == "moderator@example.org"


def test_the_admin_shows_entries_but_offers_no_add_change_or_delete(admin_client, entry):
    changelist = admin_client.get(reverse("admin:core_auditentry_changelist"))
    assert changelist.status_code == 200
    assert "email_domain.add" in changelist.content.decode()
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403

    page = admin_client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200  # view only
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    response = admin_client.post(
        reverse("admin:core_auditentry_change", args=[entry.pk]), {"reason": "tampered"}
    )
    assert response.status_code == 403
    response = admin_client.post(
        reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()


# --- the staff page -------------------------------------------------------------------


def _entries(count: int, *, actor: User, action: str = "screened_word.add") -> None:
    for i in range(count):
        audit_record(
            actor=actor,
            action=action,
            target=ScreeningTerm.objects.create(term=f"{action}-{actor.pk}-{i}"),
            after={"term": f"word {i}"},
        )


def test_staff_see_the_log_newest_first(client, staff):
    _entries(2, actor=staff)
    client.force_login(staff)

    response = client.get(AUDIT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Audit log</h1>' in html
    assert html.index("word 1") < html.index("word 0")
    assert "moderator@example.org" in html and "screened_word.add" in html
    assert f'href="{AUDIT_URL}">Audit log</a>' in html  # in the staff navigation


def test_the_log_shows_before_and_after(client, staff):
    membership = cast(Membership, MembershipFactory())
    council_services.membership_set_role(
        membership=membership, by=staff, role=Membership.Role.ADMIN
    )
    client.force_login(staff)

    html = client.get(AUDIT_URL).content.decode()

    assert "membership.set_role" in html
    assert "officer" in html and "→" in html and "admin" in html


def test_officers_are_refused_and_see_no_link(client):
    officer = officer_of(ADUR)
    client.force_login(officer)

    response = client.get(AUDIT_URL)

    assert response.status_code == 403
    assert "Only site staff can see the audit log." in response.content.decode()
    assert f'href="{AUDIT_URL}"' not in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(AUDIT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/audit/")


def test_filters_narrow_the_log_by_action_actor_and_date(client, staff):
    other = _user(is_staff=True, email="other-moderator@example.org")
    _entries(2, actor=staff, action="screened_word.add")
    _entries(1, actor=other, action="email_domain.delete")
    AuditEntry.objects.create(
        actor_label="old@example.org",
        action="screened_word.add",
        at=timezone.make_aware(dt.datetime(2026, 1, 15, 23, 30)),  # UK time
        target_content_type=ContentType.objects.get_for_model(ScreeningTerm),
        target_object_id="0",
        target_label="old entry",
    )
    client.force_login(staff)

    def rows(**params: str) -> list[str]:
        response = client.get(AUDIT_URL, params)
        assert response.status_code == 200
        return [entry.target_label for entry in response.context["page_obj"]]

    assert len(rows()) == 4
    assert len(rows(action="screened_word.add")) == 3
    assert rows(action="email_domain.delete") == [f"email_domain.delete-{other.pk}-0"]
    assert len(rows(actor="OTHER-moderator")) == 1
    assert rows(date_from="15/1/2026", date_to="15/1/2026") == ["old entry"]
    assert rows(date_to="14/1/2026") == []
    assert "old entry" not in rows(date_from="16/1/2026")


def test_bad_filters_show_a_govuk_error_not_a_guess(client, staff):
    _entries(1, actor=staff)
    client.force_login(staff)

    response = client.get(
        AUDIT_URL, {"date_from": "31/2/2026", "action": "nope", "date_to": "1/1/2026"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a real date, like 27/3/2026" in html
    assert "Select an action from the list" in html
    assert response.context["page_obj"].paginator.count == 0

    response = client.get(AUDIT_URL, {"date_from": "2/1/2026", "date_to": "1/1/2026"})
    assert "The ‘to’ date must be the same as or after the ‘from’ date" in response.content.decode()


def test_the_log_is_paginated_25_a_page(client, staff):
    _entries(30, actor=staff)
    client.force_login(staff)

    first = client.get(AUDIT_URL)
    second = client.get(AUDIT_URL, {"page": "2"})

    assert len(first.context["page_obj"]) == 25 and len(second.context["page_obj"]) == 5
    assert 'class="govuk-pagination"' in first.content.decode()


def test_log_page_queries_do_not_grow_with_rows(client, staff, django_assert_num_queries):
    client.force_login(staff)
    _entries(2, actor=staff)
    client.get(AUDIT_URL)  # warm the content type cache
    # Session, user, the staff MFA check, the action choices, the count, the
    # header's membership and one query for the rows with their content types.
    with django_assert_num_queries(7) as few:
        client.get(AUDIT_URL)

    _entries(40, actor=_user(is_staff=True), action="email_domain.change")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(AUDIT_URL)
    assert len(response.context["page_obj"]) == 25
