"""Moderator tools outside the Django admin (issue 15, point 4): screened words, the
taxonomy and the daily summary preference, for staff with MFA only, audited."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from councils.models import Authority
from offers.models import ScreeningTerm, Service, ServiceFamily, authority_delivers
from tests.factories import UserFactory, officer_of

from .factories import ADUR

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "offers:screening_terms",
    "offers:taxonomy",
    "offers:service_add",
    "offers:family_add",
    "offers:synonyms",
    "councils:email_domains",
]


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_open_for_staff_with_an_authenticator(client, staff, name):
    client.force_login(staff)
    response = client.get(reverse(name))
    assert response.status_code == 200
    if name not in ("offers:service_add", "offers:family_add"):  # form pages: a back link
        assert "Moderator tools" in response.content.decode()


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_refuse_officers_with_a_message_that_says_who_may(client, name):
    client.force_login(officer_of(ADUR))
    response = client.get(reverse(name))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only site staff who sign in with an authenticator app" in page
    assert "act for this council" not in page


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_refuse_staff_without_an_authenticator(client, settings, name):
    settings.STAFF_MFA_REQUIRED = False  # the page checks by itself, not only the middleware
    client.force_login(UserFactory(is_staff=True, totp=False))
    assert client.get(reverse(name)).status_code == 403


def test_the_admin_refusal_no_longer_speaks_of_councils(client, staff):
    """A staff member without admin permissions gets Django's refusal in our words."""
    client.force_login(staff)
    response = client.get(reverse("admin:offers_screeningterm_changelist"))
    assert response.status_code == 403
    assert "act for this council" not in response.content.decode()


def test_moderator_adds_switches_off_and_removes_a_screened_word(client, staff):
    client.force_login(staff)
    url = reverse("offers:screening_terms")
    response = client.post(url, {"term": "  Guaranteed   savings ", "note": "Sales talk"})
    assert response.status_code == 302
    term = ScreeningTerm.objects.get(term__iexact="guaranteed savings")
    assert (term.term, term.note, term.is_active) == ("Guaranteed savings", "Sales talk", True)
    duplicate = client.post(url, {"term": "guaranteed savings"})
    assert "is already on the list" in duplicate.content.decode()
    assert duplicate.context["form"].errors
    change = reverse("offers:screening_term_change", kwargs={"pk": term.pk})
    client.post(change, {"action": "off"})
    term.refresh_from_db()
    assert not term.is_active
    client.post(change, {"action": "delete"})
    assert not ScreeningTerm.objects.filter(pk=term.pk).exists()
    actions = list(
        AuditEntry.objects.filter(actor_id=staff.pk).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["screening_term.add", "screening_term.change", "screening_term.delete"]


def test_screened_word_form_shows_a_govuk_error_summary(client, staff):
    client.force_login(staff)
    response = client.post(reverse("offers:screening_terms"), {"term": ""})
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#id_term"' in page
    assert "Enter a word or phrase to screen for" in page


def test_moderator_renames_a_service_audited_and_search_follows(client, staff):
    client.force_login(staff)
    service = Service.objects.get(slug="building-control")
    url = reverse("offers:service_edit", kwargs={"pk": service.pk})
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update({"family": service.family_id, "name": "Building control and inspection"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    service.refresh_from_db()
    assert service.name == "Building control and inspection"
    entry = AuditEntry.objects.get(action="service.change")
    assert entry.before == {"name": "Building control"}
    assert entry.after == {"name": "Building control and inspection"}


def test_taxonomy_page_queries_do_not_grow_with_services(
    client, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("offers:taxonomy"))
    assert response.content.decode().count("Change<span") == Service.objects.count()


def test_moderator_tools_link_to_the_summary_switch_on_the_email_preferences_page(client, staff):
    client.force_login(staff)
    page = client.get(reverse("offers:screening_terms")).content.decode()
    assert f'href="{reverse("offers:digest_preferences")}#other-emails"' in page
    assert client.get("/listings/moderation/summary/").status_code == 404  # no second switch


def test_moderator_adds_and_renames_a_service_family_audited(client, staff):
    client.force_login(staff)
    taxonomy_page = client.get(reverse("offers:taxonomy")).content.decode()
    assert f'href="{reverse("offers:family_add")}"' in taxonomy_page
    response = client.post(
        reverse("offers:family_add"), {"name": "Coroners", "office": "front", "position": "9"}
    )
    assert response.status_code == 302, response.context["form"].errors
    family = ServiceFamily.objects.get(name="Coroners")
    assert (family.slug, family.office, family.position) == ("coroners", "front", 9)
    edit = reverse("offers:family_edit", kwargs={"pk": family.pk})
    assert f'href="{edit}"' in client.get(reverse("offers:taxonomy")).content.decode()
    response = client.post(
        edit, {"name": "Coroners and registrars", "office": "front", "position": "9"}
    )
    assert response.status_code == 302, response.context["form"].errors
    family.refresh_from_db()
    assert (family.name, family.slug) == ("Coroners and registrars", "coroners")
    entries = AuditEntry.objects.filter(actor_id=staff.pk, action__startswith="service_family.")
    added, renamed = entries.order_by("pk")
    assert added.action == "service_family.add"
    assert added.after == {"name": "Coroners", "office": "front", "position": 9}
    assert renamed.action == "service_family.change"
    assert (renamed.before, renamed.after) == (
        {"name": "Coroners"},
        {"name": "Coroners and registrars"},
    )


def test_a_duplicate_family_name_is_refused_with_the_error_summary(client, staff):
    client.force_login(staff)
    existing = ServiceFamily.objects.order_by("pk")[0]
    response = client.post(
        reverse("offers:family_add"),
        {"name": existing.name, "office": existing.office, "position": "0"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#id_name"' in page
    assert "A service family with this name already exists" in page
    assert ServiceFamily.objects.filter(name=existing.name).count() == 1
    assert not AuditEntry.objects.filter(action="service_family.add").exists()


def test_a_family_with_services_keeps_its_office(client, staff):
    client.force_login(staff)
    family = Service.objects.get(slug="payroll").family
    other = "front" if family.office == "back" else "back"
    response = client.post(
        reverse("offers:family_edit", kwargs={"pk": family.pk}),
        {"name": family.name, "office": other, "position": family.position},
    )
    assert response.status_code == 200
    assert "can only change while it has no services" in response.content.decode()
    family.refresh_from_db()
    assert family.office != other


@pytest.mark.parametrize("name", ["offers:family_add", "offers:family_edit"])
def test_family_pages_refuse_officers_and_save_nothing(client, name):
    family = ServiceFamily.objects.order_by("pk")[0]
    kwargs = {"pk": family.pk} if name == "offers:family_edit" else {}
    client.force_login(officer_of(ADUR))
    data = {"name": "Taken over", "office": "back", "position": "0"}
    assert client.post(reverse(name, kwargs=kwargs), data).status_code == 403
    assert not ServiceFamily.objects.filter(name="Taken over").exists()
    client.logout()
    assert client.post(reverse(name, kwargs=kwargs), data).status_code == 302  # to sign in
    assert not ServiceFamily.objects.filter(name="Taken over").exists()


def test_body_kinds_checkboxes_make_a_fire_authority_eligible_audited(client, staff):
    client.force_login(staff)
    kent_fire = Authority.objects.get(gss_code="E31000022")
    assert kent_fire.kind == Authority.Kind.FIRE
    service = Service.objects.get(slug="libraries")
    assert not authority_delivers(service, kent_fire)
    url = reverse("offers:service_edit", kwargs={"pk": service.pk})
    page = client.get(url).content.decode()
    assert 'class="govuk-checkboxes__input" type="checkbox" name="body_kinds" value="fire"' in page
    assert 'value="council"' not in page  # councils go by their tier checkboxes
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update({"family": service.family_id, "body_kinds": ["police", "fire"]})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    service.refresh_from_db()
    assert service.body_kinds == ["fire", "police"]  # in the checkboxes' order
    assert authority_delivers(service, kent_fire)
    assert service in Service.objects.delivered_by_kind(Authority.Kind.FIRE)
    entry = AuditEntry.objects.get(action="service.change")
    assert (entry.before, entry.after) == ({"body_kinds": []}, {"body_kinds": ["fire", "police"]})
    # Saving the same choices again is no change and writes no second entry.
    data["body_kinds"] = ["fire", "police"]
    assert client.post(url, data).status_code == 302
    assert AuditEntry.objects.filter(action="service.change").count() == 1


def test_an_unknown_body_kind_is_refused(client, staff):
    client.force_login(staff)
    service = Service.objects.get(slug="libraries")
    url = reverse("offers:service_edit", kwargs={"pk": service.pk})
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update({"family": service.family_id, "body_kinds": ["council"]})
    page = client.post(url, data).content.decode()
    assert "Select only from the kinds of body shown" in page
    service.refresh_from_db()
    assert service.body_kinds == []
