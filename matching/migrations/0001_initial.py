"""Matching models moved from offers (ADR 10): state only, the tables keep their names."""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

APP = "matching"
MOVED = ('savingsassumption', 'sharedarrangement')


def _content_types_move(apps, schema_editor, *, source, target):
    """Relabel the moved models' content types, so their permissions, admin history and
    audit entries (which point at the content type's id) follow them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not types.filter(app_label=source, model=model).exists():
            continue  # a fresh database: post_migrate creates the rows afterwards
        # Only after a rollback can the target row exist (post_migrate made it); the
        # source row carries the history, so it wins.
        types.filter(app_label=target, model=model).delete()
        types.filter(app_label=source, model=model).update(app_label=target)


def content_types_forwards(apps, schema_editor):
    _content_types_move(apps, schema_editor, source="offers", target=APP)


def content_types_backwards(apps, schema_editor):
    _content_types_move(apps, schema_editor, source=APP, target="offers")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("councils", "0002_removed_members_shared_domains"),
        ("offers", "0008_interest_report_survive_account_deletion"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    # offers forgets these models only once this app knows them; said here, not in
    # offers, so the lower app's migrations never name a higher app.
    run_before = [("offers", "0009_digest_and_matching_models_moved_out")]

    operations = [
        # The tables exist (offers 0006/0007) and keep their names: state only, no SQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SavingsAssumption',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('low_percent', models.DecimalField(decimal_places=2, default=Decimal('1.80'), max_digits=5, verbose_name='realistic saving (%)')),
                        ('high_percent', models.DecimalField(decimal_places=2, default=Decimal('3.60'), max_digits=5, verbose_name='best-case saving (%)')),
                        ('source', models.CharField(default='New Local Government Network, “Shared Necessities”', help_text='Shown next to every estimate.', max_length=300)),
                        ('source_url', models.URLField(blank=True)),
                        ('note', models.TextField(blank=True, default='Sharing back-office services saves about 1.8% of expenditure realistically and 3.6% at best.')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'savings assumption',
                        'db_table': 'offers_savingsassumption',
                        'constraints': [models.CheckConstraint(condition=models.Q(('low_percent__gte', 0), ('high_percent__lte', 100), ('low_percent__lte', models.F('high_percent'))), name='savings_rate_range_valid')],
                    },
                ),
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
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]
