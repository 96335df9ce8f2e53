"""Declare the search trigger and three raw-SQL indexes on the model (issue 12).

Migration 0005 created them with raw SQL: the GIN index on search_vector, the
browse count and newest-first partial indexes, and a plain PL/pgSQL trigger.
They now live in `Listing.Meta` (indexes, and the trigger through
django-pgtrigger), so the model says what the database has and `makemigrations`
sees any change to them.

- The indexes already exist with these names and definitions, so they are added
  to the migration state only (SeparateDatabaseAndState); nothing is rebuilt.
- The old trigger and its function are dropped and pgtrigger installs the same
  document (offers/search_document.py) under its own name, in one transaction,
  so no listing is saved without its search vector in between.
"""

import importlib

import django.contrib.postgres.indexes
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

# 0005's own statements: its trigger function and trigger, for reversing.
_OLD_TRIGGER_CREATE = importlib.import_module("offers.migrations.0005_search_synthetic").FORWARD[:2]
OLD_TRIGGER_DROP = [
    "DROP TRIGGER IF EXISTS offers_listing_search_vector_trigger ON offers_listing",
    "DROP FUNCTION IF EXISTS offers_listing_search_vector()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0010_email_preference_join_request_reminders"),
        ("offers", "0014_listing_browse_facets_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="listing",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], name="offers_listing_search_gin"
                    ),
                ),
                migrations.AddIndex(
                    model_name="listing",
                    index=models.Index(
                        condition=models.Q(("status", "published")),
                        fields=["visibility", "expires_at"],
                        name="offers_listing_browse_count",
                    ),
                ),
                migrations.AddIndex(
                    model_name="listing",
                    index=models.Index(
                        models.OrderBy(models.F("published_at"), descending=True),
                        models.OrderBy(models.F("id"), descending=True),
                        condition=models.Q(("status", "published")),
                        name="offers_listing_browse_newest",
                    ),
                ),
            ],
            database_operations=[],
        ),
        # Reversing re-creates 0005's trigger (its FORWARD statements 0 and 1).
        migrations.RunSQL(OLD_TRIGGER_DROP, reverse_sql=_OLD_TRIGGER_CREATE),
        pgtrigger.migrations.AddTrigger(
            model_name="listing",
            trigger=pgtrigger.compiler.Trigger(
                name="listing_search_vector",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE s RECORD; f RECORD; a RECORD;",
                    func="\n    SELECT name, family_id INTO s FROM offers_service WHERE id = NEW.service_id;\n    SELECT name INTO f FROM offers_servicefamily WHERE id = s.family_id;\n    SELECT name INTO a FROM councils_authority WHERE id = NEW.authority_id;\n    NEW.search_vector := \n    setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')\n    || setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B')\n    || setweight(\n        to_tsvector('english', coalesce(s.name, '') || ' ' || coalesce(f.name, '')), 'B'\n    )\n    || setweight(to_tsvector('english', coalesce(a.name, '')), 'B')\n    || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C')\n;\n    RETURN NEW;\n",
                    hash="5e230bbfdfb93e88cc4265630916c423f800ccec",
                    operation='INSERT OR UPDATE OF "title", "summary", "description", "service_id", "authority_id"',
                    pgid="pgtrigger_listing_search_vector_7e969",
                    table="offers_listing",
                    when="BEFORE",
                ),
            ),
        ),
    ]
