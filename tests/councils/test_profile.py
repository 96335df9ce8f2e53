"""Council profile page (/councils/<gss>/) and profile editing (/councils/<gss>/edit/)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.models import Authority, AuthorityProfile, Membership, SpendRecord
from councils.selectors import format_gbp_thousands
from tests.factories import MembershipFactory, UserFactory, officer_of
from tests.queries import counted_queries

pytestmark = pytest.mark.django_db

ADUR, WORTHING, WEST_SUSSEX = "E07000223", "E07000229", "E10000032"
BRIGHTON = "E06000043"
SOMERSET = "E06000066"
EDIT_URL = f"/councils/{ADUR}/edit/"
GOOD_POST = {
    "description": "Adur shares one workforce with Worthing.",
    "open_to_sharing": "Revenues and benefits, as lead authority.",
    "contact_name": "Shared Services Team",
    "contact_email": "shared.services@adur-worthing.gov.uk",
    "contact_phone": "01903 221 000",
    "website": "https://www.adur-worthing.gov.uk",
}


def html_of(client, code: str) -> str:
    response = client.get(f"/councils/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    """The page from one h2 (by id) to the next h2."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<h2", start)
    return html[start : end if end != -1 else None]


def linked(html: str, code: str, name: str) -> bool:
    return f'<a class="govuk-link" href="/councils/{code}/">{name}</a>' in html


# Key facts -----------------------------------------------------------------


def test_profile_shows_key_facts(client):
    adur = Authority.objects.get(gss_code=ADUR)
    html = html_of(client, ADUR)
    assert "<h1" in html and "Adur District Council" in html
    for text in [
        "E07000223",
        "District council",
        "Lower tier (district)",
        "England",
        "South East",
        f"{adur.population:,} ({adur.population_year})",
        f"Source: {adur.population_source}",
        f"{adur.area_km2} km²",
    ]:
        assert text in html, text
    assert linked(html, WEST_SUSSEX, "West Sussex County Council")


def test_county_lists_its_districts(client):
    html = html_of(client, WEST_SUSSEX)
    for code, name in [(ADUR, "Adur District Council"), (WORTHING, "Worthing Borough Council")]:
        assert linked(html, code, name)
    districts = Authority.objects.filter(parent_county__gss_code=WEST_SUSSEX).count()
    assert districts == 7
    assert "County council</dt>" not in html


def test_combined_authority_and_start_date(client):
    html = html_of(client, "E08000025")  # Birmingham
    assert "West Midlands" in html
    html = html_of(client, BRIGHTON)
    assert "19 June 2005" in html
    assert re.search(r"Member of</dt>\s*<dd[^>]*>No combined authority</dd>", html)


def test_unknown_code_is_404(client):
    assert client.get("/councils/E99999999/").status_code == 404
    assert client.get("/councils/not-a-code/").status_code == 404


# Neighbours ----------------------------------------------------------------


def test_district_neighbours_use_the_district_layer(client):
    html = section(html_of(client, ADUR), "neighbours")
    assert linked(html, WORTHING, "Worthing Borough Council")
    assert linked(html, "E07000224", "Arun District Council")
    assert linked(html, "E07000227", "Horsham District Council")
    assert linked(html, BRIGHTON, "Brighton and Hove City Council")
    assert "West Sussex County Council" not in html  # its county is not a neighbour


def test_county_neighbours_use_the_upper_layer(client):
    html = section(html_of(client, WEST_SUSSEX), "neighbours")
    names = re.findall(r'href="/councils/([A-Z]\d{8})/"', html)
    expected = set(
        Authority.objects.filter(
            gss_code__in=["E06000043", "E10000011", "E10000014", "E10000030"]
        ).values_list("gss_code", flat=True)
    )
    assert len(expected) == 4  # Brighton & Hove, East Sussex, Hampshire, Surrey
    assert set(names) == expected


def test_unitary_shows_district_neighbours_and_counties_separately(client):
    html = section(html_of(client, BRIGHTON), "neighbours")
    assert linked(html, ADUR, "Adur District Council")
    assert "County councils next to Brighton and Hove" in html
    counties = html.split('<h3 class="govuk-heading-s">County councils next to', 1)[1]
    assert linked(counties, WEST_SUSSEX, "West Sussex County Council")
    assert linked(counties, "E10000011", "East Sussex County Council")
    assert "Adur" not in counties
    assert "County councils next to it are listed separately" in html


def test_island_has_no_neighbours(client):
    html = section(html_of(client, "E06000046"), "neighbours")  # Isle of Wight
    assert "No other council shares a land boundary with Isle of Wight." in html


# Spend ---------------------------------------------------------------------


def test_spend_shows_the_newest_year_with_its_edition(client):
    html = section(html_of(client, ADUR), "spend")
    assert "Financial year 2024-25" in html
    assert "edition of 4 December 2025" in html
    # Adur's planning and development (line 599), 2024-25 RSX.
    assert "£2,118,000 (2024-25)" in html
    # In the newest-year table every figure carries its year.
    newest = html[: html.index('id="spend-chart-key"')]
    figures = re.findall(r"govuk-table__cell--numeric\">(?:<strong>)?([^<]*)<", newest)
    assert len(figures) == 15
    assert all(f.endswith("(2024-25)") for f in figures), figures
    # The trend's label reads every year's figure with its year.
    assert "2017-18: £1,219,000; 2021-22: £734,000;" in newest
    # The by-year table names each year's edition in its column header.
    for edition in ["23 Nov 2023", "6 Jun 2024", "12 Dec 2024", "4 Dec 2025"]:
        assert f"edition {edition}" in html


def test_years_without_a_file_are_a_gap_never_a_figure(client):
    html = section(html_of(client, ADUR), "spend")
    by_year = html[html.index('id="spend-by-year-caption"') :]
    headers = re.findall(r'<th scope="col"[^>]*>(\d{4}-\d{2})', by_year)
    assert headers == [
        "2017-18",
        "2018-19",
        "2019-20",
        "2020-21",
        "2021-22",
        "2022-23",
        "2023-24",
        "2024-25",
    ]
    rows = re.findall(r"<tr class=\"govuk-table__row[^\"]*\">(.*?)</tr>", by_year, re.S)
    body = [r for r in rows if 'scope="row"' in r]
    assert len(body) == 15  # 14 lines in every year, and 2017-18's line 749
    for row in body:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert cells[1:4] == ["No file held"] * 3, cells
    # Each trend chart draws the three years as dashed gaps and puts no bar there.
    charts = re.findall(r"<svg class=\"app-trend\".*?</svg>", html, re.S)
    assert len(charts) == 15
    for chart in charts:
        assert chart.count('class="app-trend__gap"') == 3
        for x in re.findall(r'class="app-trend__bar[^"]*" x="(\d+)"', chart):
            assert not 24 <= int(x) < 4 * 24  # slots 1-3 are 2018-19 to 2020-21
    assert "style=" not in html  # the CSP refuses style attributes


def test_a_return_not_received_is_said(client):
    html = section(html_of(client, "E08000025"), "spend")  # Birmingham
    assert (
        "No 2024-25, 2023-24 or 2022-23 return was received from Birmingham City Council: "
        "the newest figures it reported are for 2021-22."
    ) in html
    assert "Financial year 2021-22" in html
    assert "Not received" in html
    assert 'class="app-trend__missing"' in html


def test_scottish_council_has_no_spend_and_says_why(client):
    html = section(html_of(client, "S12000036"), "spend")  # City of Edinburgh
    assert "No spend data: MHCLG revenue outturn covers England only" in html
    assert "<table" not in html


def _pounds(value: Decimal | int | None) -> str:
    assert value is not None, "a figure was expected"
    return format_gbp_thousands(Decimal(value), "").removesuffix(" ()")


def test_successor_shows_its_own_newest_year_and_its_predecessors_before(client):
    somerset = Authority.objects.get(gss_code=SOMERSET)
    html = section(html_of(client, SOMERSET), "spend")
    own = SpendRecord.objects.get(authority=somerset, line__code="699", year="2024-25")
    assert f"{_pounds(own.net_expenditure_thousands)} (2024-25)" in html
    for year in ["2022-23", "2021-22", "2017-18"]:
        assert (
            f"Somerset Council did not exist in {year}: these are the figures of the councils "
            "it replaced, and their sum."
        ) in html
    # 2022-23: the county and four districts side by side, and their sum.
    table = html[html.index('id="spend-before-2022-23"') : html.index('id="spend-before-2021-22"')]
    records = SpendRecord.objects.filter(
        authority__in=somerset.predecessors.all(), line__code="699", year="2022-23"
    )
    assert records.count() == 5
    for record in records:
        assert record.authority.short_name.replace("&", "&amp;") in table
        assert _pounds(record.net_expenditure_thousands) in table
    total = sum(r.net_expenditure_thousands or 0 for r in records)
    assert f"<strong>{_pounds(total)}</strong>" in table
    # The trend shows the sum as the predecessors' figure, drawn apart from its own.
    assert f"{_pounds(total)} (predecessors)" in html
    assert "app-trend__bar--predecessors" in html


@pytest.mark.parametrize("successor", ["E06000063", "E06000064"])  # Cumberland, W&F
def test_a_split_predecessor_is_shown_on_both_successors_and_never_summed(client, successor):
    html = section(html_of(client, successor), "spend")
    table = html[html.index('id="spend-before-2022-23"') :]
    table = table[: table.find('id="spend-before-2021-22"')]
    assert "Cumbria covered more than" in table
    assert "its figures are shown in full and not added to anything: no total is given." in table
    assert "Sum of the councils replaced" not in table
    cumbria = SpendRecord.objects.get(
        authority__gss_code="E10000006", line__code="699", year="2022-23"
    )
    assert _pounds(cumbria.net_expenditure_thousands) in table  # in full, on both
    assert "Not summed: Cumbria covered more than this council" in html  # the trend cells


def test_northamptonshire_split_in_2017_18_is_not_summed(client):
    html = section(html_of(client, "E06000061"), "spend")  # North Northamptonshire
    table = html[html.index('id="spend-before-2017-18"') :]
    assert "Northamptonshire covered more than" in table
    assert "Sum of the councils replaced" not in table
    assert "Financial year 2024-25" in html


def test_format_gbp_thousands():
    assert format_gbp_thousands(Decimal("1234"), "2017-18") == "£1,234,000 (2017-18)"
    assert format_gbp_thousands(Decimal("0.4995"), "2017-18") == "£500 (2017-18)"
    assert format_gbp_thousands(Decimal("-74"), "2017-18") == "−£74,000 (2017-18)"
    assert format_gbp_thousands(None, "2017-18") == "No figure reported (2017-18)"


# Abolished councils ----------------------------------------------------------


def test_abolished_council_links_its_successors(client):
    html = html_of(client, "E10000006")  # Cumbria County Council
    assert "Abolished</strong>" in html
    assert linked(html, "E06000063", "Cumberland Council")
    assert linked(html, "E06000064", "Westmorland and Furness Council")
    assert "has been abolished" in html


def test_successor_links_its_predecessors(client):
    html = html_of(client, "E06000060")  # Buckinghamshire
    assert "Replaced</dt>" in html
    for code in ["E07000004", "E07000005", "E07000006", "E07000007", "E10000002"]:
        name = Authority.objects.get(gss_code=code).name
        assert linked(html, code, name)
    assert "Abolished</strong>" not in html


# Officers and the council's own words --------------------------------------


def test_officer_count_counts_approved_members_only(client):
    adur = Authority.objects.get(gss_code=ADUR)
    MembershipFactory.create_batch(2, authority=adur)
    MembershipFactory(authority=adur, role=Membership.Role.ADMIN)
    MembershipFactory(authority=adur, status=Membership.Status.PENDING)
    MembershipFactory(authority=adur, status=Membership.Status.REJECTED)
    html = html_of(client, ADUR)
    assert re.search(r'id="officer-count">3 registered officers<', html)


def test_profile_empty_state_and_filled_profile(client):
    html = html_of(client, ADUR)
    assert "This council has not added a description yet." in html
    AuthorityProfile.objects.create(
        authority=Authority.objects.get(gss_code=ADUR),
        description="We share <everything> with Worthing.",
        open_to_sharing="Waste collection.",
        contact_email="team@adur-worthing.gov.uk",
    )
    html = html_of(client, ADUR)
    assert "This council has not added a description yet." not in html
    assert "We share &lt;everything&gt; with Worthing." in html  # escaped
    assert "Waste collection." in html
    assert 'href="mailto:team@adur-worthing.gov.uk"' in html


def test_edit_link_only_for_those_allowed(client):
    assert "Edit profile" not in html_of(client, ADUR)
    client.force_login(officer_of(ADUR))
    assert "Edit profile" not in html_of(client, ADUR)
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    assert f'href="{EDIT_URL}"' in html_of(client, ADUR)
    assert "Edit profile" not in html_of(client, WORTHING)
    client.force_login(UserFactory(is_staff=True))
    assert f'href="/councils/{WORTHING}/edit/"' in html_of(client, WORTHING)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(counted_queries(ctx))


def test_profile_page_query_count_is_small_and_constant(client):
    # 7 for the profile (2 of them the spend years held and the spend records, 1 the
    # public bodies covering it), +1 for its published listings (offers_browse), +1 for
    # the services with live listings that get suggested partners (matching_tags), +1
    # for its public arrangements (the register). The first request builds the matching
    # snapshot for this generation, so it is not counted; cache-generation reads are
    # left out (tests/queries.py).
    client.get(f"/councils/{ADUR}/")
    before = _queries(client, f"/councils/{ADUR}/")
    assert before <= 10
    adur = Authority.objects.get(gss_code=ADUR)
    MembershipFactory.create_batch(10, authority=adur)
    AuthorityProfile.objects.create(authority=adur, description="Hello")
    assert _queries(client, f"/councils/{ADUR}/") == before
    # A county with many districts and neighbours, and a successor with predecessors.
    # +1: the county's districts, +1: the fire areas it runs.
    assert _queries(client, f"/councils/{WEST_SUSSEX}/") <= before + 2
    # +1: is a predecessor split?, +1: fire areas it runs, +1: its predecessors'
    # listings, +2: their arrangements and the arrangements' members.
    assert _queries(client, "/councils/E06000060/") <= before + 5
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    # session, user, membership, admin check, and whether the viewer may see
    # signed-in-only listings.
    assert _queries(client, f"/councils/{ADUR}/") <= before + 5


# Editing -------------------------------------------------------------------


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(EDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.post(EDIT_URL, GOOD_POST)
    assert response.status_code == 302
    assert not AuthorityProfile.objects.filter(authority__gss_code=ADUR).exists()


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: officer_of(WORTHING, role=Membership.Role.ADMIN),
        lambda: officer_of(WORTHING),
        lambda: officer_of(ADUR),  # an officer, not an admin
        lambda: UserFactory(),  # signed in, no council
    ],
)
def test_others_cannot_get_or_post_the_edit_page(client, make_user):
    client.force_login(make_user())
    assert client.get(EDIT_URL).status_code == 403
    assert client.post(EDIT_URL, GOOD_POST).status_code == 403
    assert not AuthorityProfile.objects.filter(authority__gss_code=ADUR).exists()


def test_authority_admin_can_edit(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    client.force_login(admin)
    response = client.get(EDIT_URL)
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert "csrfmiddlewaretoken" in response.content.decode()

    response = client.post(EDIT_URL, GOOD_POST, follow=True)
    assert response.redirect_chain == [(f"/councils/{ADUR}/", 302)]
    html = response.content.decode()
    assert "Adur’s profile has been updated" in html
    assert "govuk-notification-banner--success" in html
    assert "Adur shares one workforce with Worthing." in html
    profile = AuthorityProfile.objects.get(authority__gss_code=ADUR)
    assert profile.contact_phone == "01903 221 000"
    assert profile.updated_by == admin


def test_edit_form_shows_current_values(client):
    AuthorityProfile.objects.create(
        authority=Authority.objects.get(gss_code=ADUR), contact_name="Existing Team"
    )
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    assert 'value="Existing Team"' in client.get(EDIT_URL).content.decode()


def test_staff_can_edit_any_council(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.post(f"/councils/{WORTHING}/edit/", GOOD_POST)
    assert response.status_code == 302
    assert AuthorityProfile.objects.get(authority__gss_code=WORTHING).contact_name == (
        "Shared Services Team"
    )


def test_form_errors_keep_every_value(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    bad = {
        **GOOD_POST,
        "contact_email": "not-an-email",
        "contact_phone": "call us",
        "website": "not a website",
        "description": "x" * 5001,
    }
    response = client.post(EDIT_URL, bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "<title>Error: " in html
    for message in [
        "Enter an email address in the correct format, like name@example.gov.uk",
        "Enter a telephone number, like 01632 960 001 or +44 808 157 0192",
        "Enter a website address in the correct format, like https://www.example.gov.uk",
        "About your council must be 5,000 characters or fewer",
    ]:
        assert message in html, message
    assert 'href="#id_contact_email"' in html  # the summary links to the field
    assert 'value="not-an-email"' in html
    assert 'value="call us"' in html
    assert 'value="not a website"' in html
    assert 'value="Shared Services Team"' in html
    assert "Revenues and benefits, as lead authority." in html
    assert "x" * 5001 in html
    assert not AuthorityProfile.objects.filter(authority__gss_code=ADUR).exists()


def test_edit_unknown_council_is_404(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/councils/E99999999/edit/").status_code == 404


def test_a_body_shows_its_spend_and_a_successor_body_its_predecessors(client):
    html = section(html_of(client, "E31000022"), "spend")  # Kent Fire and Rescue Authority
    fire = SpendRecord.objects.get(
        authority__gss_code="E31000022", line__code="602", year="2024-25"
    )
    assert f"{_pounds(fire.net_expenditure_thousands)} (2024-25)" in html
    html = section(html_of(client, "E47000014"), "spend")  # North East Mayoral CA
    assert (
        "North East Mayoral Combined Authority did not exist in 2023-24: these are the "
        "figures of the organisations it replaced, and their sum."
    ) not in html  # North of Tyne sent no 2023-24 return: no sum that year
    assert (
        "North East Mayoral Combined Authority did not exist in 2022-23: these are the "
        "figures of the organisations it replaced, and their sum."
    ) in html
    assert "No return was received from North of Tyne Combined Authority, so no total" in html
