"""The /listings/ filter panel: GOV.UK checkboxes drawn from templates (no HTML built
in Python), read back as a person's browser would, with an HTML parser."""

import pytest

from offers.browse import filters
from offers.models import Service, ServiceFamily
from tests.offers.pages import filter_checkboxes

pytestmark = pytest.mark.django_db


def boxes_named(response, name: str) -> list[dict]:
    return [box for box in filter_checkboxes(response) if box["name"] == name]


def test_each_group_is_a_fieldset_of_govuk_checkboxes_with_the_first_box_on_the_field_id(
    client,
):
    kinds = boxes_named(client.get("/listings/"), "kind")

    assert [(b["id"], b["value"], b["label"]) for b in kinds] == [
        ("id_kind", "offer", "Offer"),
        ("id_kind-1", "need", "Need"),
    ]
    assert {b["legend"] for b in kinds} == {"Offers or needs"}
    assert {b["class"] for b in kinds} == {"govuk-checkboxes__input"}
    assert not any(b["checked"] for b in kinds)


def test_chosen_values_are_ticked_and_their_group_opens(client):
    response = client.get("/listings/?kind=need&nation=Wales&service=payroll")
    boxes = filter_checkboxes(response)

    ticked = {(b["name"], b["value"]) for b in boxes if b["checked"]}
    assert ticked == {("kind", "need"), ("nation", "Wales"), ("service", "payroll")}
    nation = [b for b in boxes if b["name"] == "nation"]
    assert {b["group_open"] for b in nation} == {True}
    payroll_family = Service.objects.get(slug="payroll").family.name
    by_group = {b["group"]: b["group_open"] for b in boxes if b["name"] == "service"}
    assert by_group[payroll_family] is True
    assert [group for group, is_open in by_group.items() if is_open] == [payroll_family]
    assert {b["group_open"] for b in boxes if b["name"] == "region"} == {False}


def test_each_service_family_is_a_group_with_a_whole_family_box_then_its_services(client):
    boxes = filter_checkboxes(client.get("/listings/"))
    family = ServiceFamily.objects.order_by("pk")[0]

    in_group = [b for b in boxes if b["group"] == family.name]
    assert in_group[0]["name"] == "family"
    assert in_group[0]["label"] == f"All of {family.name}"
    assert {b["value"] for b in in_group[1:]} == set(family.services.values_list("slug", flat=True))
    assert len({b["id"] for b in boxes}) == len(boxes)  # every id unique, every label finds its box
    assert all(b["label"] for b in boxes)


def test_an_unknown_value_ticks_nothing_opens_its_group_and_the_summary_links_to_the_first_box(
    client,
):
    response = client.get("/listings/?nation=atlantis")
    html = response.content.decode()

    nation = boxes_named(response, "nation")
    assert not any(b["checked"] for b in nation)
    assert {b["group_open"] for b in nation} == {True}
    assert 'href="#id_nation"' in html
    assert nation[0]["id"] == "id_nation"
    assert 'aria-describedby="id_nation-error"' in html


def test_labels_are_escaped_by_the_template(client, monkeypatch):
    # A region name comes from imported data: whatever it holds, it is text, not markup.
    real = filters._browse_reference_build

    def with_hostile_region(*, stamp: int) -> filters.BrowseReference:
        reference = real(stamp=stamp)
        hostile = '<script>alert("x")</script> & Co'
        checkboxes = dict(reference.checkboxes)
        checkboxes["region"] = filters._boxes("region", "id_region", [(hostile, hostile)])
        return filters.BrowseReference(**{**reference.__dict__, "checkboxes": checkboxes})

    monkeypatch.setattr(filters, "_local", None)
    monkeypatch.setattr(filters, "_browse_reference_build", with_hostile_region)
    response = client.get("/listings/")

    assert "<script>alert" not in response.content.decode()
    region = boxes_named(response, "region")
    assert region[0]["label"] == '<script>alert("x")</script> & Co'
    assert region[0]["value"] == '<script>alert("x")</script> & Co'


def test_the_drawn_panel_follows_the_reference_data(client, settings):
    settings.BROWSE_CACHE_SECONDS = 0  # the panel fragments alone, not the whole page
    # The panel's fragments are cached under the reference build's stamp: a new
    # service shows once the reference is rebuilt, not a stale panel.
    first = {b["value"] for b in boxes_named(client.get("/listings/"), "service")}
    family = ServiceFamily.objects.order_by("pk")[0]
    Service.objects.create(family=family, slug="new-service", name="A new service")
    filters._local = None
    from django.core.cache import cache

    cache.delete_many([filters.REFERENCE_STAMP_KEY, filters.REFERENCE_CACHE_KEY])

    second = {b["value"] for b in boxes_named(client.get("/listings/"), "service")}
    assert second - first == {"new-service"}
