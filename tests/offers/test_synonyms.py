"""Search synonyms (issue 15, point 6): staff-kept, applied before PostgreSQL parses
the query, so "IT" (an English stop word) finds ICT listings."""

from typing import cast

import pytest
from django.urls import reverse

from core.models import AuditEntry
from councils.models import User
from offers.browse import services
from offers.browse.search import listing_text_search, search_synonyms
from offers.browse.synonyms import expand_query
from offers.models import Listing, SearchSynonym, Service
from tests.factories import UserFactory

from .factories import make_listing

SYNONYMS = {"IT": ["ICT"], "revs and bens": ["revenues and benefits"], "revs": ["revenue"]}


def test_expand_takes_the_phrase_out_and_lists_its_alternatives():
    expanded = expand_query("IT support", synonyms=SYNONYMS)
    assert expanded.rest == "support"
    assert expanded.alternatives == [["IT", "ICT"]]


def test_expand_prefers_the_longest_phrase_and_ignores_parts_of_words():
    expanded = expand_query("Revs and bens with Italy", synonyms=SYNONYMS)
    assert expanded.alternatives == [["Revs and bens", "revenues and benefits"]]
    assert expanded.rest == "with Italy"


def test_expand_leaves_quotes_and_negations_alone():
    assert expand_query('"IT support" -IT', synonyms=SYNONYMS).alternatives == []


def test_an_acronym_matches_only_in_capitals_so_the_pronoun_stays_a_stop_word():
    assert expand_query("audit it", synonyms=SYNONYMS).alternatives == []
    assert expand_query("REVS and Bens", synonyms=SYNONYMS).alternatives == [
        ["REVS and Bens", "revenues and benefits"]
    ]


def published(title: str, summary: str, service: str) -> Listing:
    return make_listing(
        status=Listing.Status.PUBLISHED,
        title=title,
        summary=summary,
        description="",
        service=Service.objects.get(slug=service),
    )


def found(q: str) -> set[str]:
    return set(listing_text_search(Listing.objects.all(), q=q).values_list("title", flat=True))


@pytest.mark.django_db
def test_the_seeded_list_has_the_issues_examples():
    synonyms = search_synonyms()
    assert "ICT" in synonyms["IT"]
    assert "waste collection" in synonyms["bins"]
    assert "revenues and benefits" in synonyms["revs and bens"]


@pytest.mark.django_db
def test_it_finds_ict_listings_although_it_is_a_stop_word():
    published("Shared ICT service desk", "A shared service desk.", "ict-infrastructure-and-support")
    published("Shared building control", "Surveyors.", "building-control")
    assert found("IT") == {"Shared ICT service desk"}
    assert found("IT service desk") == {"Shared ICT service desk"}


@pytest.mark.django_db
def test_bins_finds_waste_collection_and_revs_and_bens_finds_revenues_and_benefits():
    published("Joint waste collection round", "Weekly rounds.", "building-control")
    published("Revenues and benefits partnership", "Shared team.", "building-control")
    assert found("bins") == {"Joint waste collection round"}
    assert found("revs and bens") == {"Revenues and benefits partnership"}


@pytest.mark.django_db
def test_without_the_synonym_it_finds_nothing():
    published("Shared ICT service desk", "A shared service desk.", "ict-infrastructure-and-support")
    services.search_synonym_delete(
        synonym=SearchSynonym.objects.get(phrase="IT"), by=cast(User, UserFactory(is_staff=True))
    )
    assert found("IT") == set()


@pytest.mark.django_db
def test_staff_add_and_remove_a_synonym_audited(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    published("Planning enforcement team", "Enforcement.", "building-control")
    client.post(reverse("offers:synonyms"), {"phrase": "naughty builds", "synonyms": "enforcement"})
    assert found("naughty builds") == {"Planning enforcement team"}
    synonym = SearchSynonym.objects.get(phrase="naughty builds")
    client.post(reverse("offers:synonym_delete", kwargs={"pk": synonym.pk}))
    assert found("naughty builds") == set()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "search_synonym.add",
        "search_synonym.delete",
    ]
