"""Reads for the staff pages: the audit log and the outbox's problems."""

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .filters import AuditEntryFilter
from .models import AuditEntry, OutboxMessage


def audit_log_filter(*, params: QueryDict) -> AuditEntryFilter:
    """The log, newest first, narrowed by the page's filters.

    One query for the rows whatever their number: who acted and what the target
    was called are copied into each entry, so nothing else is joined but the
    target's content type (for its kind of record).
    """
    queryset = AuditEntry.objects.select_related("target_content_type").order_by("-at", "-pk")
    return AuditEntryFilter(params, queryset=queryset)


def outbox_problems(*, now: dt.datetime | None = None) -> QuerySet[OutboxMessage]:
    """Messages staff should look at: failed, or stuck (pending or claimed for
    longer than the relay and the claim timeout allow). Oldest first."""
    now = now or timezone.now()
    settle = now - dt.timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS * 5)
    stale = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    return OutboxMessage.objects.filter(
        Q(status=OutboxMessage.Status.FAILED)
        | Q(status=OutboxMessage.Status.PENDING, created_at__lt=settle)
        | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=stale)
    ).order_by("created_at", "pk")
