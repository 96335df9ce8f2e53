"""Who delivers what, by kind of body (issue 13, ADR 14).

Councils deliver services by tier (0002); every other kind of body delivers its
own services plus the back office. Back-office services that every council
tier delivers are delivered by every kind of body too (electoral registration,
local land charges and revenues and benefits are councils' alone). The new
services are those bodies deliver and no council service covered: fire and
rescue, policing support, control rooms, health commissioning, adult skills,
rangers and visitor services. Existing council services gain the kinds that
also deliver them: waste disposal authorities dispose of waste, national park
authorities are the planning authority in their park, combined authorities and
the GLA run transport and economic development.

Idempotent: rows are matched by slug; re-running sets the same kinds.
"""

from django.db import migrations
from django.utils.text import slugify

BODY_KINDS = ["combined", "gla", "fire", "police", "nhs", "park", "waste", "regional_park", "other"]
TIER_FIELDS = {"U": "by_upper", "L": "by_lower", "X": "by_unitary", "N": "by_ni_district"}

# (family, office, [(service, council tiers, body kinds, ro_line), ...])
NEW_SERVICES = [
    ("Fire and rescue", "front", [
        ("Fire and rescue response", "", ["fire"], "602"),
        ("Fire prevention and protection", "", ["fire"], "602"),
    ]),
    ("Policing and emergency services", "front", [
        ("Policing support services", "", ["police"], "601"),
        ("Emergency services control rooms", "", ["fire", "police"], ""),
    ]),
    ("Health and care commissioning", "front", [
        # ICBs commission NHS care; none of it is in a council's revenue outturn.
        ("Health services commissioning", "", ["nhs"], ""),
        ("NHS continuing healthcare", "", ["nhs"], ""),
        # Councils with social care and ICBs commission together (s.75 agreements).
        ("Joint health and social care commissioning", "UX", ["nhs"], "360"),
    ]),
    ("Skills and employment", "front", [
        ("Adult skills and community learning", "UX", ["combined", "gla"], "190"),
    ]),
    ("National parks and countryside", "front", [
        ("Ranger and countryside services", "ULX", ["park", "regional_park"], "509"),
        ("Visitor services and centres", "", ["park", "regional_park"], "509"),
    ]),
]

# Existing council services other kinds deliver as well.
ALSO_BY = {
    "waste-disposal-and-treatment": ["waste"],
    "household-waste-recycling-centres": ["waste"],
    "planning-applications-development-management": ["park"],
    "planning-policy-and-local-plans": ["park"],
    "minerals-and-waste-planning": ["park"],
    "public-transport-and-concessionary-travel": ["combined", "gla"],
    "economic-development": ["combined", "gla"],
}


def _every_tier(service):
    return all(getattr(service, field) for field in TIER_FIELDS.values())


def load(apps, schema_editor):
    ServiceFamily = apps.get_model("offers", "ServiceFamily")
    Service = apps.get_model("offers", "Service")
    for service in Service.objects.filter(office="back"):
        if _every_tier(service):
            service.body_kinds = list(BODY_KINDS)
            service.save(update_fields=["body_kinds"])
    for slug, kinds in ALSO_BY.items():
        Service.objects.filter(slug=slug).update(body_kinds=kinds)
    last = ServiceFamily.objects.order_by("-position").values_list("position", flat=True).first()
    for f_pos, (family_name, office, services) in enumerate(NEW_SERVICES, start=(last or 0) + 1):
        family, _ = ServiceFamily.objects.update_or_create(
            slug=slugify(family_name),
            defaults={"name": family_name, "office": office, "position": f_pos},
        )
        for s_pos, (name, tiers, kinds, ro_line) in enumerate(services, start=1):
            flags = {field: code in tiers for code, field in TIER_FIELDS.items()}
            Service.objects.update_or_create(
                slug=slugify(name),
                defaults={
                    "family": family,
                    "name": name,
                    "office": office,
                    "ro_line": ro_line,
                    "position": s_pos,
                    "body_kinds": kinds,
                    **flags,
                },
            )


def unload(apps, schema_editor):
    ServiceFamily = apps.get_model("offers", "ServiceFamily")
    Service = apps.get_model("offers", "Service")
    slugs = [slugify(name) for _, _, services in NEW_SERVICES for name, *_ in services]
    Service.objects.filter(slug__in=slugs, listings__isnull=True).delete()
    ServiceFamily.objects.filter(services__isnull=True).delete()
    Service.objects.update(body_kinds=[])


class Migration(migrations.Migration):
    dependencies = [("offers", "0012_service_body_kinds")]

    operations = [migrations.RunPython(load, unload)]
