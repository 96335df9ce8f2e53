"""Load the service taxonomy: families and services, with who delivers them.

Tiers follow ../shared/DOMAIN.md: U = county (upper tier), L = district
(lower tier), X = single tier (unitary, metropolitan, London, Scottish,
Welsh), N = Northern Ireland district (no education, social care or roads;
housing sits with the Housing Executive, rates with Land and Property
Services, libraries with Libraries NI, trading standards and public health
with the Executive). Back-office services exist in every council.

`ro_line` is the revenue outturn line that holds the spend (RO codes as in
data/reference/spend_ro_2017_18.csv); blank where the spend sits outside the
general fund (council housing is in the Housing Revenue Account). LGSL codes
are left blank: none has been checked against the published list yet, and a
wrong code is worse than none. Staff can fill them in the admin.

Idempotent: rows are matched by slug, so re-running changes nothing.
"""

from django.db import migrations
from django.utils.text import slugify

ALL = "ULXN"

# (family, office, [(service, tiers, ro_line), ...])
TAXONOMY = [
    ("Finance", "back", [
        ("Financial management and accounting", ALL, "690"),
        ("Accounts payable and receivable", ALL, "690"),
        ("Treasury management", ALL, "690"),
        ("Insurance and risk management", ALL, "690"),
    ]),
    ("Legal and democratic services", "back", [
        ("Legal services", ALL, "690"),
        ("Democratic and committee services", ALL, "690"),
        ("Electoral registration and elections", "LX", "690"),
        ("Local land charges", "LX", "690"),
    ]),
    ("HR and payroll", "back", [
        ("Human resources", ALL, "690"),
        ("Payroll", ALL, "690"),
        ("Learning and development", ALL, "690"),
    ]),
    ("ICT and digital", "back", [
        ("ICT infrastructure and support", ALL, "690"),
        ("Digital services and websites", ALL, "690"),
        ("Information governance and data protection", ALL, "690"),
    ]),
    ("Procurement and contracts", "back", [
        ("Procurement", ALL, "690"),
        ("Contract management", ALL, "690"),
    ]),
    ("Audit and counter-fraud", "back", [
        ("Internal audit", ALL, "690"),
        ("Counter-fraud", ALL, "690"),
    ]),
    ("Revenues and benefits", "back", [
        ("Council tax collection", "LX", "690"),
        ("Business rates collection", "LX", "690"),
        ("Housing benefit administration", "LX", "490"),
    ]),
    ("Customer services", "back", [
        ("Contact centre", ALL, "690"),
        ("Complaints and freedom of information", ALL, "690"),
    ]),
    ("Senior management and corporate", "back", [
        ("Chief executive and senior management", ALL, "690"),
        ("Policy, performance and communications", ALL, "690"),
        ("Emergency planning and business continuity", ALL, "690"),
    ]),
    ("Property and facilities", "back", [
        ("Estates and asset management", ALL, "690"),
        ("Facilities management", ALL, "690"),
        ("Fleet management", ALL, "690"),
    ]),
    ("Waste and street scene", "front", [
        ("Household waste collection", "LXN", "590"),
        ("Recycling collection", "LXN", "590"),
        ("Commercial waste collection", "LXN", "590"),
        ("Waste disposal and treatment", "UXN", "590"),
        ("Household waste recycling centres", "UXN", "590"),
        ("Street cleansing", "LXN", "590"),
    ]),
    ("Planning and building control", "front", [
        ("Planning applications (development management)", "LXN", "599"),
        ("Planning policy and local plans", "LXN", "599"),
        ("Minerals and waste planning", "UX", "599"),
        ("Building control", "LXN", "599"),
        ("Economic development", ALL, "599"),
    ]),
    ("Environmental health and regulation", "front", [
        ("Food safety", "LXN", "590"),
        ("Environmental protection and pollution control", "LXN", "590"),
        ("Pest control", "LXN", "590"),
        ("Licensing", "LXN", "590"),
        ("Trading standards", "UX", "590"),
        ("Bereavement services", "LXN", "590"),
        ("Registration of births, deaths and marriages", "UXN", "590"),
        ("Coroners", "UX", "590"),
        ("Flood risk management", "ULX", "590"),
    ]),
    ("Housing", "front", [
        ("Homelessness and housing advice", "LX", "490"),
        ("Housing register and allocations", "LX", "490"),
        ("Private sector housing standards", "LX", "490"),
        ("Disabled facilities grants", "LX", "490"),
        ("Council housing management", "LX", ""),
    ]),
    ("Culture and leisure", "front", [
        ("Leisure centres and sport", "LXN", "509"),
        ("Libraries", "UX", "509"),
        ("Museums and heritage", ALL, "509"),
        ("Arts and events", ALL, "509"),
        ("Tourism", ALL, "509"),
        ("Parks and open spaces", "LXN", "509"),
    ]),
    ("Highways and transport", "front", [
        ("Highways maintenance", "UX", "290"),
        ("Street lighting", "UX", "290"),
        ("Traffic management and road safety", "UX", "290"),
        ("Parking services", "ULX", "290"),
        ("Public transport and concessionary travel", "UX", "290"),
    ]),
    ("Adult social care", "front", [
        ("Adult social care assessment and care management", "UX", "360"),
        ("Home care", "UX", "360"),
        ("Residential and nursing care commissioning", "UX", "360"),
        ("Adult safeguarding", "UX", "360"),
        ("Community equipment", "UX", "360"),
    ]),
    ("Children's services and education", "front", [
        ("Children's social care", "UX", "330"),
        ("Fostering and adoption", "UX", "330"),
        ("Special educational needs and disabilities (SEND)", "UX", "190"),
        ("School admissions", "UX", "190"),
        ("Home to school transport", "UX", "190"),
        ("Youth services", "UX", "190"),
    ]),
    ("Public health", "front", [
        ("Sexual health services", "UX", "390"),
        ("Drug and alcohol services", "UX", "390"),
        ("Health improvement and NHS health checks", "UX", "390"),
        ("Public health intelligence", "UX", "390"),
    ]),
]

TIER_FIELDS = {"U": "by_upper", "L": "by_lower", "X": "by_unitary", "N": "by_ni_district"}


def load(apps, schema_editor):
    ServiceFamily = apps.get_model("offers", "ServiceFamily")
    Service = apps.get_model("offers", "Service")
    for f_pos, (family_name, office, services) in enumerate(TAXONOMY, start=1):
        family, _ = ServiceFamily.objects.update_or_create(
            slug=slugify(family_name),
            defaults={"name": family_name, "office": office, "position": f_pos},
        )
        for s_pos, (name, tiers, ro_line) in enumerate(services, start=1):
            flags = {field: code in tiers for code, field in TIER_FIELDS.items()}
            Service.objects.update_or_create(
                slug=slugify(name),
                defaults={
                    "family": family,
                    "name": name,
                    "office": office,
                    "ro_line": ro_line,
                    "position": s_pos,
                    **flags,
                },
            )


def unload(apps, schema_editor):
    ServiceFamily = apps.get_model("offers", "ServiceFamily")
    Service = apps.get_model("offers", "Service")
    slugs = [slugify(name) for _, _, services in TAXONOMY for name, _, _ in services]
    Service.objects.filter(slug__in=slugs, listings__isnull=True).delete()
    ServiceFamily.objects.filter(services__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("offers", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
