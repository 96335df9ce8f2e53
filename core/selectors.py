"""Reads for the audit log page."""

from django.http import QueryDict

from .filters import AuditEntryFilter
from .models import AuditEntry


def audit_log_filter(*, params: QueryDict) -> AuditEntryFilter:
    """The log, newest first, narrowed by the page's filters.

    One query for the rows whatever their number: who acted and what the target
    was called are copied into each entry, so nothing else is joined but the
    target's content type (for its kind of record).
    """
    queryset = AuditEntry.objects.select_related("target_content_type").order_by("-at", "-pk")
    return AuditEntryFilter(params, queryset=queryset)
