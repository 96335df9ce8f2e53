"""The /listings/ filter panel: GOV.UK checkboxes drawn from templates (no HTML built
in Python), read back as a person's browser would, with an HTML parser."""

import time
from typing import cast

import pytest

from core.generations import GENERATION_CACHE_SECONDS
from councils.changes import REFERENCE_DATA_GENERATION
from councils.models import Authority, User
from offers.browse import filters
from offers.models import Service, ServiceFamily
from offers.taxonomy import service_save
from tests.commits import bump_as_another_process
from tests.factories import UserFactory
from tests.offers.pages import filter_checkboxes, select_options

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

    filters.forget_local_reference()
    monkeypatch.setattr(filters, "_browse_reference_build", with_hostile_region)
    response = client.get("/listings/")

    assert "<script>alert" not in response.content.decode()
    region = boxes_named(response, "region")
    assert region[0]["label"] == '<script>alert("x")</script> & Co'
    assert region[0]["value"] == '<script>alert("x")</script> & Co'


def test_the_drawn_panel_follows_the_reference_data(client, settings):
    settings.BROWSE_CACHE_SECONDS = 0  # the panel fragments alone, not the whole page
    # The panel's fragments are cached under the reference-data generation: a new
    # service bumps it (offers.changes), so it shows, not a stale panel.
    first = {b["value"] for b in boxes_named(client.get("/listings/"), "service")}
    family = ServiceFamily.objects.order_by("pk")[0]
    Service.objects.create(family=family, slug="new-service", name="A new service")

    second = {b["value"] for b in boxes_named(client.get("/listings/"), "service")}
    assert second - first == {"new-service"}


def near_labels(response) -> dict[str, str]:
    return {str(o["value"]): str(o["label"]) for o in select_options(response, "near")}


def test_a_renamed_service_shows_on_the_next_request_after_the_commit(
    client, django_capture_on_commit_callbacks
):
    """Renamed on the staff taxonomy page: the page cache, the reference build this
    process holds and the panel fragments all follow once the change commits."""
    service = Service.objects.get(slug="payroll")
    staff = cast(User, UserFactory(is_staff=True))
    label = lambda response: {b["value"]: b["label"] for b in boxes_named(response, "service")}  # noqa: E731
    assert label(client.get("/listings/"))["payroll"] == service.name
    with django_capture_on_commit_callbacks(execute=True):
        service_save(service=service, values={"name": "Payroll and expenses"}, by=staff)
    assert label(client.get("/listings/"))["payroll"] == "Payroll and expenses"


def test_a_council_renamed_by_another_process_shows_in_this_one_within_the_ttl(client):
    """The importer in another process renames a council to a name of the same length
    (bulk_update: no signals here) and bumps the reference-data generation. This
    process, which holds the old build and a cached page, shows the new name once its
    copy of the generation expires: no stamp of its own to wait out."""
    worthing = "E07000229"
    old, new = "Worthing Borough Council", "Worthing Burrows Council"
    assert near_labels(client.get("/listings/"))[worthing] == old
    assert near_labels(client.get("/listings/"))[worthing] == old  # a hit, same build
    Authority.objects.filter(gss_code=worthing).update(name=new)
    bump_as_another_process(REFERENCE_DATA_GENERATION)
    time.sleep(GENERATION_CACHE_SECONDS + 0.2)
    assert near_labels(client.get("/listings/"))[worthing] == new
