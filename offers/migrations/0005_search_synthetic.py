"""Listing.is_synthetic and Listing.search_vector, with PostgreSQL's GIN index and trigger.

Written when SQLite was still an embedded default, this migration once skipped
the SQL there; PostgreSQL is now the only database (ADR 9), so it runs as plain
RunSQL. Later migrations move the trigger to django-pgtrigger. The SQL is frozen here; offers/search.py holds the same document definition
for the bulk refresh, so change both together.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations, models

DOCUMENT = """
    setweight(to_tsvector('english', coalesce({l}.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce({l}.summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce({s}.name, '') || ' ' || coalesce({f}.name, '')), 'B')
    || setweight(to_tsvector('english', coalesce({a}.name, '')), 'B')
    || setweight(to_tsvector('english', coalesce({l}.description, '')), 'C')
"""

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION offers_listing_search_vector() RETURNS trigger AS $$
    DECLARE
        s RECORD;
        f RECORD;
        a RECORD;
    BEGIN
        SELECT name, family_id INTO s FROM offers_service WHERE id = NEW.service_id;
        SELECT name INTO f FROM offers_servicefamily WHERE id = s.family_id;
        SELECT name INTO a FROM councils_authority WHERE id = NEW.authority_id;
        NEW.search_vector := """
    + DOCUMENT.format(l="NEW", s="s", f="f", a="a")
    + """;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER offers_listing_search_vector_trigger
    BEFORE INSERT OR UPDATE OF title, summary, description, service_id, authority_id
    ON offers_listing FOR EACH ROW EXECUTE FUNCTION offers_listing_search_vector()
    """,
    "CREATE INDEX IF NOT EXISTS offers_listing_search_gin ON offers_listing USING gin (search_vector)",
    # Browse at national scale: the result count is an index-only scan, and
    # "newest first" (any page) walks an index in order.
    "CREATE INDEX IF NOT EXISTS offers_listing_browse_count ON offers_listing"
    " (visibility, expires_at) WHERE status = 'published'",
    "CREATE INDEX IF NOT EXISTS offers_listing_browse_newest ON offers_listing"
    " (published_at DESC, id DESC) WHERE status = 'published'",
    # Listings that exist before this migration: one UPDATE fills them all.
    "UPDATE offers_listing AS l SET search_vector = "
    + DOCUMENT.format(l="l", s="s", f="f", a="a")
    + " FROM offers_service AS s, offers_servicefamily AS f, councils_authority AS a"
    " WHERE s.id = l.service_id AND f.id = s.family_id AND a.id = l.authority_id",
]

BACKWARD = [
    "DROP INDEX IF EXISTS offers_listing_browse_newest",
    "DROP INDEX IF EXISTS offers_listing_browse_count",
    "DROP INDEX IF EXISTS offers_listing_search_gin",
    "DROP TRIGGER IF EXISTS offers_listing_search_vector_trigger ON offers_listing",
    "DROP FUNCTION IF EXISTS offers_listing_search_vector()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0001_initial"),
        ("offers", "0004_screening_terms"),
    ]

    operations = [
        migrations.AddField(
            model_name="listing",
            name="is_synthetic",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Benchmark load from generate_synthetic_listings; never real or demo data.",
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
