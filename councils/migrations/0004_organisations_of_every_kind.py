"""Every organisation is an Authority: kinds for every public body, the areas
bodies cover, and a new "member of" column that 0005 fills from the old
CombinedAuthority table and 0006 renames (ADR 14). Three migrations, because
PostgreSQL will not alter a table while a data migration's writes are pending."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0003_spend_edition_certified"),
    ]

    operations = [
        migrations.CreateModel(
            name="BodyArea",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("share", models.DecimalField(decimal_places=4, default=1, max_digits=5)),
                ("share_basis", models.CharField(blank=True, max_length=20)),
                (
                    "n_lsoa",
                    models.CharField(
                        blank=True,
                        max_length=20,
                        verbose_name="LSOAs in the body / in the district",
                    ),
                ),
                ("source", models.CharField(blank=True, max_length=300)),
            ],
            options={
                "ordering": ["body", "council"],
            },
        ),
        migrations.AddField(
            model_name="authority",
            name="area_name",
            field=models.CharField(
                blank=True,
                help_text='The register\'s bare area name for a body ("Kent"); blank for councils.',
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="authority",
            name="ods_code",
            field=models.CharField(
                blank=True,
                help_text="Integrated care boards only.",
                max_length=5,
                verbose_name="NHS ODS code",
            ),
        ),
        migrations.AddField(
            model_name="authority",
            name="run_by",
            field=models.ForeignKey(
                blank=True,
                help_text="For a fire and rescue area with no authority of its own: the council, combined authority or GLA that runs its service.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="runs_services_for",
                to="councils.authority",
            ),
        ),
        migrations.AlterField(
            model_name="authority",
            name="authority_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("CTY", "County council"),
                    ("NMD", "District council"),
                    ("UA", "Unitary authority"),
                    ("MD", "Metropolitan district"),
                    ("LBO", "London borough"),
                    ("CC", "City of London"),
                    ("SCO", "Scottish council"),
                    ("WPA", "Welsh principal area"),
                    ("NID", "Northern Ireland district"),
                ],
                max_length=3,
            ),
        ),
        migrations.AlterField(
            model_name="authority",
            name="gss_code",
            field=models.CharField(
                help_text="ONS code (E07000223), or the MHCLG E-code (E6803) for a body that has none.",
                max_length=9,
                unique=True,
                verbose_name="GSS code",
            ),
        ),
        migrations.AlterField(
            model_name="authority",
            name="kind",
            field=models.CharField(
                choices=[
                    ("council", "Council"),
                    ("combined", "Combined authority"),
                    ("gla", "Greater London Authority"),
                    ("fire", "Fire and rescue authority"),
                    ("police", "Police force area"),
                    ("nhs", "Integrated care board"),
                    ("park", "National park authority"),
                    ("waste", "Waste disposal authority"),
                    ("regional_park", "Regional park authority"),
                    ("other", "Other public body"),
                ],
                default="council",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="authority",
            name="tier",
            field=models.CharField(
                blank=True,
                choices=[
                    ("upper", "Upper tier (county)"),
                    ("lower", "Lower tier (district)"),
                    ("unitary", "Single tier (unitary)"),
                    ("ni_district", "Northern Ireland district"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="authority",
            index=models.Index(fields=["kind", "status"], name="councils_au_kind_4416d8_idx"),
        ),
        migrations.AddField(
            model_name="bodyarea",
            name="body",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="areas",
                to="councils.authority",
            ),
        ),
        migrations.AddField(
            model_name="bodyarea",
            name="council",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="covered_by",
                to="councils.authority",
            ),
        ),
        migrations.AddField(
            model_name="authority",
            name="member_of_new",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="councils.authority",
            ),
        ),
        migrations.AddConstraint(
            model_name="bodyarea",
            constraint=models.UniqueConstraint(fields=("body", "council"), name="body_area_unique"),
        ),
        migrations.AddConstraint(
            model_name="bodyarea",
            constraint=models.CheckConstraint(
                condition=models.Q(("share__gt", 0), ("share__lte", 1)),
                name="body_area_share_range",
            ),
        ),
    ]
