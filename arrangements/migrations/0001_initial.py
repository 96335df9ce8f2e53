"""SharedArrangement moves from matching to arrangements (ADR 17): state only, the
tables (offers_sharedarrangement and its members table) keep their names and rows.
matching 0002 forgets the model and relabels its content type."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("councils", "0006_combined_authority_table_folded"),
        ("offers", "0013_services_by_kind"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SharedArrangement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('delivery_model', models.CharField(choices=[('lead_authority', 'Lead authority'), ('joint_committee', 'Joint committee'), ('shared_team', 'Shared team or shared management'), ('joint_company', 'Jointly owned company'), ('contract', 'Contract between councils'), ('open', 'Open to discussion')], default='open', max_length=20)),
                        ('source_url', models.URLField(help_text='A public page that documents it.', verbose_name='source')),
                        ('started_year', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('is_active', models.BooleanField(default=True)),
                        ('notes', models.TextField(blank=True, max_length=2000)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('members', models.ManyToManyField(related_name='shared_arrangements', to='councils.authority')),
                        ('service', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='arrangements', to='offers.service')),
                    ],
                    options={
                        'db_table': 'offers_sharedarrangement',
                        'ordering': ['name'],
                        'indexes': [models.Index(fields=['service', 'is_active'], name='arrangement_service')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
