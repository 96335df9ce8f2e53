"""The table core.cache.FallbackRedisCache uses while Redis is down.

Made here so nobody has to remember `manage.py createcachetable`: Django's
command creates it (the same columns and index as any database cache) and does
nothing if it exists already.
"""

from typing import Any

from django.core.management import call_command
from django.db import migrations

TABLE = "cache_fallback"  # FallbackRedisCache's default FALLBACK_TABLE


def create_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_outbox")]

    operations = [migrations.RunPython(create_table, drop_table)]
