"""/market/ figures against small, hand-computed fixtures; caching and queries."""

import csv
import io
from typing import cast

import pytest
from django.test.utils import CaptureQueriesContext

from api.market import _compute, area_coverage, market_figures, unmet_needs
from arrangements import services as arrangement_services
from core.generations import generation
from councils.changes import MEMBERSHIPS_GENERATION
from councils.models import Authority, BodyArea, Membership, User
from councils.services import membership_decide, membership_remove
from offers.changes import listings_changed
from offers.models import Interest, Listing, Service
from tests.arrangements.factories import WORTHING, recorded
from tests.commits import committing
from tests.factories import MembershipFactory, UserFactory, officer_of
from tests.offers.factories import ADUR, ARUN, HARTLEPOOL, InterestFactory, ListingFactory

pytestmark = pytest.mark.django_db
P = Listing.Status.PUBLISHED
# The public figures (14 less the three staff-only ones), and one more for the page.
MARKET_PAGE_COLD = 12


def _rows(figures, slug: str) -> dict[str, list]:
    table = figures.table(slug)
    assert table is not None, slug
    return {str(row[0]): row[1:] for row in table.rows}


@pytest.fixture
def market() -> None:
    """Adur offers building control; Arun (next door) and Hartlepool (300 km off) need
    it; Adur needs payroll, which nobody offers; Hartlepool's neighbour-free offer of
    building control is for signed-in users only, so the public does not count it."""
    org = Authority.objects.get
    payroll = Service.objects.get(slug="payroll")
    ListingFactory(status=P, kind=Listing.Kind.OFFER)
    ListingFactory(status=P, kind=Listing.Kind.NEED, authority=org(gss_code=ARUN))
    ListingFactory(status=P, kind=Listing.Kind.NEED, authority=org(gss_code=HARTLEPOOL))
    ListingFactory(status=P, kind=Listing.Kind.NEED, service=payroll)
    ListingFactory(
        status=P,
        kind=Listing.Kind.OFFER,
        authority=org(gss_code="E06000004"),  # Stockton-on-Tees, next to Hartlepool
        visibility=Listing.Visibility.SIGNED_IN,
    )
    ListingFactory(status=Listing.Status.DRAFT, kind=Listing.Kind.OFFER)


def test_unmet_needs_is_pure_and_uses_the_distance():
    places = {1: (50.83, -0.32), 2: (50.81, -0.54), 3: (54.69, -1.21)}  # Adur, Arun, Hartlepool
    needs = [(10, 2, 3), (10, 3, 1), (11, 1, 2)]
    offers = [(10, 1)]
    assert unmet_needs(needs=needs, offers=offers, places=places) == {10: 1, 11: 2}
    assert unmet_needs(needs=needs, offers=offers, places=places, km=5) == {10: 4, 11: 2}


def test_public_figures_match_the_hand_count(market):
    figures = _compute(staff=False)
    family = _rows(figures, "offers-needs-by-family")
    assert family["Planning and building control"] == [1, 2]
    assert family["HR and payroll"] == [0, 1]
    region = _rows(figures, "offers-needs-by-region")
    assert region["South East"] == [1, 2] and region["North East"] == [0, 1]
    unmet = _rows(figures, "unmet-needs")
    assert unmet["Building control"] == [2, 1]  # Arun is met by Adur; Hartlepool is not
    assert unmet["Payroll"] == [1, 1]
    assert figures.table("staff-moderation") is None


def test_staff_figures_count_signed_in_listings_and_drafts(market):
    figures = _compute(staff=True)
    assert _rows(figures, "unmet-needs")["Building control"] == [2, 0]  # Stockton's offer
    assert _rows(figures, "offers-needs-by-family")["Planning and building control"] == [2, 2]
    assert _rows(figures, "staff-listings-by-status")["Draft"] == [1]


def test_organisations_interest_and_savings(market):
    interests = [InterestFactory(), InterestFactory(status=Interest.Status.PARTNERED)]
    arrangement = recorded(by=officer_of(ADUR), partners=(WORTHING,), annual_savings_gbp=120000)
    worthing = Authority.objects.get(gss_code=WORTHING)
    arrangement_services.arrangement_answer(
        arrangement=arrangement, authority=worthing, by=officer_of(WORTHING), state="confirmed"
    )
    arrangement_services.arrangement_moderate(
        arrangement=arrangement, by=cast(User, UserFactory(is_staff=True)), decision="publish"
    )
    figures = _compute(staff=False)
    assert _rows(figures, "interest") == {
        "Expressions of interest sent": [len(interests)],
        "Marked Partnered by the listing's owner": [1],
        # The published arrangement was not recorded from an interest.
        "Became an arrangement recorded in the register": [0],
        "Became an arrangement every partner confirmed, published": [0],
    }
    assert _rows(figures, "savings-by-family")["Planning and building control"] == [1, 120000]
    assert _rows(figures, "arrangements-over-time")["2019"] == [1]
    table = figures.table("organisations-by-kind-region")
    assert table is not None
    kinds = {(row[0], row[1]): row[2:] for row in table.rows}
    police = Authority.objects.current().filter(kind="police", region="South East").count()
    assert kinds[("Police force area", "South East")] == [police, 0] and police > 0
    assert kinds[("Council", "South East")][1] == 2  # Adur and Worthing have officers


def test_coverage_counts_each_registered_organisation_over_an_area(market):
    """Adur is covered by its own council, West Sussex (its county) and Sussex Police;
    Arun by the county and the police; Worthing by the county, the police and a
    demo officer, who does not count. The police cover every West Sussex district."""
    for gss in (ADUR, "E10000032", "E23000033"):
        officer_of(gss)
    officer_of(WORTHING, is_demo=True)
    officer_of("E10000032", is_demo=True)  # beside a real officer: the county still counts
    figures = _compute(staff=False)
    coverage = _rows(figures, "coverage-by-area")
    assert coverage["Adur"] == ["South East", 3]
    assert coverage["Arun"] == ["South East", 2]
    assert coverage["Worthing"] == ["South East", 2]
    police_areas = BodyArea.objects.filter(body__gss_code="E23000033").count()
    assert len(coverage) == police_areas > 7  # every Sussex district and unitary
    assert "Hartlepool" not in coverage
    table = figures.table("coverage-by-area")
    assert table is not None and table.rows[0][0] == "Adur"  # most covered first
    by_kind = figures.table("organisations-by-kind-region")
    assert by_kind is not None
    kinds = {(row[0], row[1]): row[3] for row in by_kind.rows}
    assert kinds[("Council", "South East")] == 2  # Adur and West Sussex; not the demo officer
    assert kinds[("Police force area", "South East")] == 1
    drawn = figures.extra["coverage_map"]
    assert drawn["mode"] == "coverage" and drawn["ranked"][0] == [ADUR, "Adur", 3, 1]
    assert drawn["link"] == "/councils/X00000000/"


def test_area_coverage_is_pure():
    # Areas 1 and 2 are districts of county 10; body 20 covers area 2 and 3.
    got = area_coverage(
        areas=[1, 2, 3, 4],
        parent={1: 10, 2: 10, 3: None, 4: None},
        covered_by={2: [20], 3: [20]},
        registered={1, 10, 20},
    )
    assert got == {1: 2, 2: 2, 3: 1}


def test_interest_counts_the_arrangements_recorded_from_it(market):
    """Five interests: one in discussion; four Partnered, of which one became an
    arrangement confirmed and published, one became one still waiting for its
    partner (recorded twice, counted once), one became one the partner declined,
    and one became nothing yet. An arrangement recorded without an interest is
    published too, and is not counted."""
    staff = cast(User, UserFactory(is_staff=True))
    InterestFactory(status=Interest.Status.IN_DISCUSSION)
    done, waiting, declined, _nothing = InterestFactory.create_batch(
        4, status=Interest.Status.PARTNERED
    )
    adur, worthing = officer_of(ADUR), officer_of(WORTHING)
    worthing_org = Authority.objects.get(gss_code=WORTHING)

    def from_interest(interest, name):
        arrangement = recorded(by=adur, partners=(WORTHING,), name=name)
        arrangement.interest = interest
        arrangement.save(update_fields=["interest"])
        return arrangement

    published = from_interest(done, "Published one")
    arrangement_services.arrangement_answer(
        arrangement=published, authority=worthing_org, by=worthing, state="confirmed"
    )
    arrangement_services.arrangement_moderate(arrangement=published, by=staff, decision="publish")
    from_interest(waiting, "Waiting one")
    from_interest(waiting, "Waiting one, again")
    dropped = from_interest(declined, "Declined one")
    arrangement_services.arrangement_answer(
        arrangement=dropped, authority=worthing_org, by=worthing, state="declined", reason="No."
    )
    plain = recorded(by=adur, partners=(WORTHING,), name="No interest")
    arrangement_services.arrangement_answer(
        arrangement=plain, authority=worthing_org, by=worthing, state="confirmed"
    )
    arrangement_services.arrangement_moderate(arrangement=plain, by=staff, decision="publish")

    assert _rows(_compute(staff=False), "interest") == {
        "Expressions of interest sent": [5],
        "Marked Partnered by the listing's owner": [4],
        "Became an arrangement recorded in the register": [2],  # done and waiting
        "Became an arrangement every partner confirmed, published": [1],
    }


@pytest.mark.parametrize("extra", [0, 40])
def test_figures_cost_the_same_queries_at_any_size(market, extra):
    ListingFactory.create_batch(extra, status=P, kind=Listing.Kind.NEED)
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        _compute(staff=True)
    assert len(ctx.captured_queries) == 14


@pytest.mark.parametrize("extra", [0, 40])
def test_market_page_costs_the_same_queries_at_any_size_and_fewer_once_cached(
    market, client, extra, steady_generations
):
    """The whole page, charts and map data included: a fixed number of queries when
    its figures are computed, whatever the number of listings and organisations with
    officers, and none once they are cached (the generations are read from the cache)."""
    ListingFactory.create_batch(extra, status=P, kind=Listing.Kind.NEED)
    for gss in [ADUR, WORTHING, ARUN][: 1 + extra // 20]:
        officer_of(gss)
    from django.db import connection

    with CaptureQueriesContext(connection) as cold:
        assert client.get("/market/").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/market/").status_code == 200
    assert (len(cold.captured_queries), len(warm.captured_queries)) == (MARKET_PAGE_COLD, 0)


def test_figures_are_cached_until_listings_change(
    market, client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = market_figures(staff=False)
    with django_assert_num_queries(0):
        assert market_figures(staff=False).computed_at == first.computed_at
    with django_capture_on_commit_callbacks(execute=True):
        ListingFactory(status=P, kind=Listing.Kind.NEED)
        listings_changed()
    again = market_figures(staff=False)
    assert _rows(again, "unmet-needs")["Building control"] == [3, 1]


def test_page_says_when_and_offers_each_table_as_csv(market, client):
    html = client.get("/market/").content.decode()
    assert "Figures computed at" in html
    assert "Staff only" not in html
    # A chart for each figure group with figures, read out by its label.
    # No interest, savings or arrangements here: no chart of zeros.
    assert html.count('role="img"') == 3
    assert (
        'aria-label="Bar chart. Live offers and needs by service family, 2 rows: most offers in '
        "Planning and building control (1 offer) and most needs in Planning and building "
        "control (2 needs). 22 rows with none are not drawn; the table below gives every "
        'figure."' in html
    )
    assert "Bar chart. Expressions of interest" not in html
    assert "style=" not in html
    response = client.get("/market/unmet-needs.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Service", "Needs", "Unmet needs"]
    assert ["Building control", "2", "1"] in rows
    assert client.get("/market/nothing.csv").status_code == 404
    client.force_login(UserFactory(is_staff=True))
    assert "Staff only" in client.get("/market/").content.decode()


def test_market_figures_in_the_api_are_the_public_ones(market, client):
    client.force_login(UserFactory(is_staff=True))  # the API never widens for a session
    body = client.get("/api/v1/market/").json()
    assert body["licence"]["name"] == "Open Government Licence v3.0"
    tables = {t["slug"]: t for t in body["tables"]}
    assert "staff-moderation" not in tables
    assert ["Building control", 2, 1] in tables["unmet-needs"]["rows"]


def test_demo_and_synthetic_listings_are_said_to_be_in_the_figures(market, client):
    ListingFactory(status=P, is_demo=True)
    ListingFactory.create_batch(2, status=P, is_synthetic=True)
    html = client.get("/market/").content.decode()
    assert "1 demo listing and 2 synthetic test listings, which are not real" in html


def _coverage_on_page(client) -> dict[str, list]:
    response = client.get("/market/")
    assert response.status_code == 200
    return _rows(response.context["figures"], "coverage-by-area")


def test_an_approved_or_removed_officer_shows_on_the_next_request(market, client):
    """Deciding a membership bumps the memberships generation in its transaction, so
    the cached figures are a miss once it commits: no ten-minute lag."""
    staff = cast(User, UserFactory(is_staff=True))
    pending = cast(
        Membership,
        MembershipFactory(
            authority=Authority.objects.get(gss_code=HARTLEPOOL), status=Membership.Status.PENDING
        ),
    )
    assert "Hartlepool" not in _coverage_on_page(client)  # now cached
    before = generation(MEMBERSHIPS_GENERATION)
    with committing():
        membership_decide(membership=pending, by=staff, approve=True)
    assert generation(MEMBERSHIPS_GENERATION) != before
    assert _coverage_on_page(client)["Hartlepool"] == ["North East", 1]

    with committing():
        membership_remove(membership=pending, by=staff)
    assert "Hartlepool" not in _coverage_on_page(client)


def test_a_rejected_request_leaves_the_cached_figures_alone(market, client):
    staff = cast(User, UserFactory(is_staff=True))
    pending = cast(
        Membership,
        MembershipFactory(
            authority=Authority.objects.get(gss_code=HARTLEPOOL), status=Membership.Status.PENDING
        ),
    )
    first = market_figures(staff=False)
    with committing():
        membership_decide(membership=pending, by=staff, approve=False, reason="Not known to us")
    assert market_figures(staff=False).computed_at == first.computed_at
