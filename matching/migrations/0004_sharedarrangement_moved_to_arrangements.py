"""SharedArrangement now lives in arrangements/ (ADR 17). State only: the table keeps
its name and rows; the content type follows the model, so its permissions, admin
history and audit entries stay attached."""

from django.db import migrations


def _move(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=source, model="sharedarrangement").exists():
        return  # a fresh database: post_migrate creates the row afterwards
    types.filter(app_label=target, model="sharedarrangement").delete()
    types.filter(app_label=source, model="sharedarrangement").update(app_label=target)


def forwards(apps, schema_editor):
    _move(apps, schema_editor, source="matching", target="arrangements")


def backwards(apps, schema_editor):
    _move(apps, schema_editor, source="arrangements", target="matching")


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0003_savings_evidence_seed"),
        ("arrangements", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SharedArrangement")],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
