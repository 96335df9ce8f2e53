"""Fold CombinedAuthority into Authority, keeping every membership (ADR 14).

Each combined authority (and the GLA) becomes an Authority row of kind
"combined" (or "gla") keyed on the same GSS code, and every council's "member
of" is pointed at that row. The next import of public_bodies.csv then brings
the names up to date.
"""

from django.db import migrations


def fold_combined_authorities(apps, schema_editor):
    Authority = apps.get_model("councils", "Authority")
    CombinedAuthority = apps.get_model("councils", "CombinedAuthority")
    moved = {}
    for ca in CombinedAuthority.objects.all():
        body, _ = Authority.objects.get_or_create(
            gss_code=ca.gss_code,
            defaults={
                "name": ca.name,
                "short_name": ca.short_name,
                "kind": "gla" if ca.gss_code.startswith("E61") else "combined",
                "authority_type": "",
                "tier": "",
                "nation": "England",
                "region": ca.region,
                "start_date": ca.start_date,
                "latitude": ca.latitude,
                "longitude": ca.longitude,
                "population": ca.population_2020,
                "population_year": 2020 if ca.population_2020 else None,
                "population_source": "mySociety pop-2020" if ca.population_2020 else "",
            },
        )
        moved[ca.pk] = body.pk
    for council in Authority.objects.filter(combined_authority__isnull=False):
        council.member_of_new_id = moved[council.combined_authority_id]
        council.save(update_fields=["member_of_new"])


def unfold_combined_authorities(apps, schema_editor):
    Authority = apps.get_model("councils", "Authority")
    CombinedAuthority = apps.get_model("councils", "CombinedAuthority")
    for body in Authority.objects.filter(kind__in=["combined", "gla"]):
        ca = CombinedAuthority.objects.create(
            gss_code=body.gss_code,
            name=body.name,
            short_name=body.short_name,
            authority_type="Combined authority",
            region=body.region,
            start_date=body.start_date,
            latitude=body.latitude,
            longitude=body.longitude,
        )
        Authority.objects.filter(member_of_new=body).update(combined_authority=ca)


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0004_organisations_of_every_kind"),
    ]

    operations = [
        migrations.RunPython(fold_combined_authorities, unfold_combined_authorities),
    ]
