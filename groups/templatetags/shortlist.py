"""`{% shortlist_for_search request.user authority service as shortlist %}`: what
Find a partner needs to offer "Add to shortlist" (matching's page, groups' data).

A template tag rather than a view change because matching sits below groups in
the import layers: matching's view cannot import groups, its template can ask."""

from typing import Any

from django import template

from groups.shortlist_selectors import officer_authority, shortlisted_candidates

register = template.Library()


@register.simple_tag
def shortlist_for_search(user: Any, authority: Any, service: Any) -> dict[str, Any] | None:
    """None unless the user is an officer of the searched organisation; else the
    GSS codes already shortlisted for the service (one query)."""
    own = officer_authority(user=user)
    if own is None or authority is None or own.pk != authority.pk:
        return None
    return {"codes": shortlisted_candidates(authority=own, service=service)}
