"""The service taxonomy loaded by the data migration, and who delivers what."""

import pytest

from councils.models import Authority, SpendLine
from offers.models import (
    Office,
    Service,
    ServiceFamily,
    authority_delivers,
    not_delivered_reason,
    tier_delivers,
)

pytestmark = pytest.mark.django_db

Tier = Authority.Tier


def test_taxonomy_is_loaded_with_back_and_front_office_families():
    # 80 council services (0002) and 10 that only other kinds of body deliver with them (0013).
    assert Service.objects.count() == 90
    assert ServiceFamily.objects.filter(office=Office.BACK).exists()
    assert ServiceFamily.objects.filter(office=Office.FRONT).exists()
    names = set(Service.objects.values_list("name", flat=True))
    for expected in [
        "Payroll",
        "Internal audit",
        "Procurement",
        "Legal services",
        "Council tax collection",
        "Household waste collection",
        "Waste disposal and treatment",
        "Street cleansing",
        "Building control",
        "Licensing",
        "Trading standards",
        "Libraries",
        "Highways maintenance",
        "Children's social care",
    ]:
        assert expected in names


def test_every_service_is_delivered_by_some_tier_or_kind_and_office_matches_family():
    for service in Service.objects.select_related("family"):
        assert service.delivered_by_kinds, service.name
        assert service.office == service.family.office, service.name


def test_every_ro_line_is_a_real_spend_line():
    codes = set(SpendLine.objects.values_list("code", flat=True))
    assert codes, "reference data should be imported"
    used = set(Service.objects.exclude(ro_line="").values_list("ro_line", flat=True))
    assert used <= codes


def test_back_office_services_exist_in_every_tier():
    for service in (
        Service.objects.filter(office=Office.BACK)
        .exclude(family__slug="revenues-and-benefits")
        .exclude(slug__in=["electoral-registration-and-elections", "local-land-charges"])
    ):
        assert set(service.delivered_by_tiers) == set(Tier.values), service.name


@pytest.mark.parametrize(
    ("slug", "tier", "delivers"),
    [
        ("adult-social-care-assessment-and-care-management", Tier.LOWER, False),
        ("adult-social-care-assessment-and-care-management", Tier.UPPER, True),
        ("adult-social-care-assessment-and-care-management", Tier.UNITARY, True),
        ("adult-social-care-assessment-and-care-management", Tier.NI_DISTRICT, False),
        ("household-waste-collection", Tier.UPPER, False),
        ("household-waste-collection", Tier.LOWER, True),
        ("household-waste-collection", Tier.NI_DISTRICT, True),
        ("waste-disposal-and-treatment", Tier.UPPER, True),
        ("waste-disposal-and-treatment", Tier.LOWER, False),
        ("school-admissions", Tier.NI_DISTRICT, False),
        ("school-admissions", Tier.UNITARY, True),
        ("childrens-social-care", Tier.NI_DISTRICT, False),
        ("highways-maintenance", Tier.NI_DISTRICT, False),
        ("highways-maintenance", Tier.LOWER, False),
        ("building-control", Tier.UPPER, False),
        ("payroll", Tier.NI_DISTRICT, True),
    ],
)
def test_tier_delivers(slug, tier, delivers):
    assert tier_delivers(Service.objects.get(slug=slug), tier) is delivers


def test_no_district_delivers_social_care_and_no_county_collects_waste():
    district = set(Service.objects.delivered_by(Tier.LOWER).values_list("family__slug", flat=True))
    assert "adult-social-care" not in district
    assert "childrens-services-and-education" not in district
    county = set(Service.objects.delivered_by(Tier.UPPER).values_list("slug", flat=True))
    assert "household-waste-collection" not in county
    assert "street-cleansing" not in county


def test_ni_districts_deliver_no_education_social_care_or_roads():
    ni = Service.objects.delivered_by(Tier.NI_DISTRICT)
    families = set(ni.values_list("family__slug", flat=True))
    assert not families & {
        "adult-social-care",
        "childrens-services-and-education",
        "highways-and-transport",
    }
    assert ni.filter(family__slug="finance").exists()


def test_unknown_tier_delivers_nothing():
    assert not Service.objects.delivered_by("martian").exists()


# Who delivers what, by kind of body (offers/migrations/0013_services_by_kind.py) -------------

Kind = Authority.Kind


@pytest.mark.parametrize(
    ("kind", "includes", "excludes"),
    [
        (
            Kind.FIRE,
            [
                "fire-and-rescue-response",
                "fire-prevention-and-protection",
                "emergency-services-control-rooms",
                "fleet-management",
                "estates-and-asset-management",
                "payroll",
            ],
            ["policing-support-services", "libraries", "homelessness-and-housing-advice"],
        ),
        (
            Kind.POLICE,
            [
                "policing-support-services",
                "emergency-services-control-rooms",
                "fleet-management",
                "estates-and-asset-management",
                "legal-services",
            ],
            ["fire-and-rescue-response", "household-waste-collection"],
        ),
        (
            Kind.NHS,
            [
                "health-services-commissioning",
                "nhs-continuing-healthcare",
                "joint-health-and-social-care-commissioning",
                "ict-infrastructure-and-support",
            ],
            ["home-care", "fire-and-rescue-response"],
        ),
        (
            Kind.COMBINED,
            [
                "public-transport-and-concessionary-travel",
                "economic-development",
                "adult-skills-and-community-learning",
                "procurement",
            ],
            ["highways-maintenance", "childrens-social-care"],
        ),
        (
            Kind.NATIONAL_PARK,
            [
                "planning-applications-development-management",
                "ranger-and-countryside-services",
                "visitor-services-and-centres",
                "internal-audit",
            ],
            ["building-control", "council-tax-collection"],
        ),
        (
            Kind.WASTE,
            ["waste-disposal-and-treatment", "payroll"],
            ["household-waste-collection", "street-cleansing"],
        ),
    ],
)
def test_each_kind_delivers_its_own_services_and_the_back_office(kind, includes, excludes):
    slugs = set(Service.objects.delivered_by_kind(kind).values_list("slug", flat=True))
    assert set(includes) <= slugs
    assert not set(excludes) & slugs


def test_back_office_every_council_tier_delivers_is_delivered_by_every_kind():
    for service in Service.objects.filter(office=Office.BACK):
        every_tier = set(service.delivered_by_tiers) == set(Tier.values)
        assert (set(service.body_kinds) == set(Kind.values) - {Kind.PRINCIPAL_COUNCIL}) is (
            every_tier
        ), service.name
    # Councils' own back office stays theirs.
    assert Service.objects.get(slug="council-tax-collection").body_kinds == []


def test_a_fire_authority_is_told_by_name_why_it_cannot_list_housing():
    kent_fire = Authority.objects.get(gss_code="E31000022")
    housing = Service.objects.get(slug="homelessness-and-housing-advice")
    assert not authority_delivers(housing, kent_fire)
    assert not_delivered_reason(housing, kent_fire) == (
        "Kent Combined Fire and Rescue Authority does not deliver homelessness and housing advice"
    )
    payroll = Service.objects.get(slug="payroll")
    assert authority_delivers(payroll, kent_fire)
    assert list(Service.objects.delivered_by_authority(kent_fire)) == list(
        Service.objects.delivered_by_kind(Kind.FIRE)
    )
