"""The listing's full-text search document, in SQL, defined once.

Two places compute it: the trigger on `offers_listing` (declared with
django-pgtrigger in `Listing.Meta.triggers`) for each row as it is saved, and
`offers.browse.search.search_vectors_refresh` for every row at once after a bulk
load or a rename of a service, family or council (the trigger only sees the
listing's own row). Both format this one definition, so they cannot drift.

Weights: title A; summary, service and family name, and organisation name B;
description C. English stemming, so "audits" finds "audit".
"""

DOCUMENT_SQL = """
    setweight(to_tsvector('english', coalesce({l}.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce({l}.summary, '')), 'B')
    || setweight(
        to_tsvector('english', coalesce({s}.name, '') || ' ' || coalesce({f}.name, '')), 'B'
    )
    || setweight(to_tsvector('english', coalesce({a}.name, '')), 'B')
    || setweight(to_tsvector('english', coalesce({l}.description, '')), 'C')
"""


def document_sql(*, listing: str, service: str, family: str, authority: str) -> str:
    """The document over the given row aliases (`NEW` in the trigger, `l` in the
    bulk UPDATE)."""
    return DOCUMENT_SQL.format(l=listing, s=service, f=family, a=authority)


# The trigger's body: look up the names the document includes, then set it.
_NEW_DOCUMENT = document_sql(listing="NEW", service="s", family="f", authority="a")
TRIGGER_SQL = f"""
    SELECT name, family_id INTO s FROM offers_service WHERE id = NEW.service_id;
    SELECT name INTO f FROM offers_servicefamily WHERE id = s.family_id;
    SELECT name INTO a FROM councils_authority WHERE id = NEW.authority_id;
    NEW.search_vector := {_NEW_DOCUMENT};
    RETURN NEW;
"""  # noqa: S608 - fixed SQL, no user input
