"""Digest models moved from offers (ADR 10): state only, the tables keep their names."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

APP = "digests"
MOVED = ('digestpreference', 'savedsearch', 'digestrun', 'digestdelivery')


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
        ("offers", "0008_interest_report_survive_account_deletion"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
                    name='DigestRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('frequency', models.CharField(choices=[('off', 'Off'), ('daily', 'Daily'), ('weekly', 'Weekly')], max_length=6)),
                        ('period_start', models.DateField()),
                        ('window_end', models.DateTimeField()),
                        ('due', models.PositiveIntegerField(default=0)),
                        ('batches', models.PositiveIntegerField(default=0)),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('last_fanned_out_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'offers_digestrun',
                        'ordering': ['-period_start', '-pk'],
                        'constraints': [models.UniqueConstraint(fields=('frequency', 'period_start'), name='digestrun_once')],
                    },
                ),
                migrations.CreateModel(
                    name='DigestPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('frequency', models.CharField(choices=[('off', 'Off'), ('daily', 'Daily'), ('weekly', 'Weekly')], default='weekly', max_length=6)),
                        ('follow_council', models.BooleanField(default=True, help_text="Choose services and kinds from the council's own listings (a need for legal services hears about legal offers).")),
                        ('kinds', models.CharField(choices=[('both', 'Offers and needs'), ('offer', 'Offers only'), ('need', 'Needs only')], default='both', max_length=5)),
                        ('distance', models.CharField(choices=[('any', 'Any distance'), ('radius', 'Within a distance of my council'), ('region', "My council's region only")], default='radius', max_length=6)),
                        ('radius_km', models.PositiveSmallIntegerField(default=100)),
                        ('unsubscribed_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('services', models.ManyToManyField(blank=True, related_name='+', to='offers.service')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='digest_preference', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'offers_digestpreference',
                        'constraints': [models.CheckConstraint(condition=models.Q(('radius_km__gt', 0)), name='digestpreference_radius_positive')],
                    },
                ),
                migrations.CreateModel(
                    name='DigestDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('skipped', 'Skipped (nothing new)'), ('failed', 'Failed')], default='pending', max_length=7)),
                        ('window_start', models.DateTimeField(blank=True, null=True)),
                        ('window_end', models.DateTimeField(blank=True, null=True)),
                        ('listing_ids', models.JSONField(blank=True, default=list)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('claim_token', models.CharField(blank=True, max_length=32)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='digest_deliveries', to=settings.AUTH_USER_MODEL)),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='digests.digestrun')),
                    ],
                    options={
                        'verbose_name_plural': 'digest deliveries',
                        'db_table': 'offers_digestdelivery',
                        'ordering': ['run', 'user'],
                        'indexes': [models.Index(fields=['user', 'status', '-window_end'], name='digestdelivery_user_sent'), models.Index(fields=['run', 'status'], name='digestdelivery_run_status')],
                        'constraints': [models.UniqueConstraint(fields=('run', 'user'), name='digestdelivery_once')],
                    },
                ),
                migrations.CreateModel(
                    name='SavedSearch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('querystring', models.CharField(blank=True, max_length=2000)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='saved_searches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'saved search alert',
                        'db_table': 'offers_savedsearch',
                        'ordering': ['name', 'pk'],
                        'constraints': [models.UniqueConstraint(fields=('user', 'querystring'), name='savedsearch_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]
