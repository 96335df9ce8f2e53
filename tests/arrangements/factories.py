"""Arrangements made the way the site makes them: through arrangements.services."""

from arrangements.models import SharedArrangement
from arrangements.services import ArrangementInput, SeedRow, arrangement_record, arrangements_seed
from councils.models import Authority, User
from offers.models import Service

ADUR, WORTHING, ARUN = "E07000223", "E07000229", "E07000224"
HARTLEPOOL = "E06000001"


def org(gss: str) -> Authority:
    return Authority.objects.get(gss_code=gss)


def recorded(
    *, by: User, own: str = ADUR, partners: tuple[str, ...] = (WORTHING, ARUN), **kw
) -> SharedArrangement:
    data = ArrangementInput(
        name=kw.get("name", "Adur, Worthing and Arun building control"),
        services=[Service.objects.get(slug=kw.get("service", "building-control"))],
        partners=[org(g) for g in partners],
        delivery_model=kw.get("delivery_model", "lead_authority"),
        lead=org(own),
        started_year=kw.get("started_year", 2019),
        ended_year=kw.get("ended_year"),
        annual_savings_gbp=kw.get("annual_savings_gbp", 120000),
        savings_source_url="https://example.org/committee-report",
        source_url="",
        contact_name="Sam Contact-Person",
        contact_email="sam.contact@adur-worthing.example.gov.uk",
        description=kw.get("description", "One building control team for three districts."),
    )
    return arrangement_record(data=data, by=by, for_authority=org(own))


def seeded(name: str = "Adur and Worthing Councils", **kw) -> SharedArrangement:
    row = SeedRow(
        name=name,
        services=kw.get("services", ["building-control", "household-waste-collection"]),
        members=kw.get("members", [ADUR, WORTHING]),
        delivery_model=kw.get("delivery_model", "shared_team"),
        source_url="https://www.adur-worthing.gov.uk/about-the-councils/partnership-working/",
        other_sources="",
        notes="Single officer structure since 2008.",
        started_year=kw.get("started_year", 2008),
        ended_year=kw.get("ended_year"),
        is_active=kw.get("is_active", True),
    )
    arrangements_seed(rows=[row])
    return SharedArrangement.objects.get(name=name)
