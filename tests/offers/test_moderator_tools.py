"""Moderator tools outside the Django admin (issue 15, point 4): screened words, the
taxonomy and the daily summary preference, for staff with MFA only, audited."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from offers.models import ScreeningTerm, Service
from tests.factories import UserFactory, officer_of

from .factories import ADUR

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "offers:screening_terms",
    "offers:taxonomy",
    "offers:service_add",
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
    if name != "offers:service_add":  # a form page: it has a back link instead
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
