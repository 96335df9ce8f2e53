"""The staff audit log: who did what to which record, and what changed.

Append-only. A row is written once (core.audit.audit_record) and never changed
or deleted: `save()` refuses to update, `delete()` and the queryset's bulk
`update()`/`delete()` refuse, the admin is read-only, and on PostgreSQL a
trigger refuses UPDATE and DELETE too (migration 0002). The one change the
database allows is the actor's foreign key becoming NULL when their account is
deleted; `actor_label` keeps who it was.

Generic on purpose: the target is a content type and an object id, so this
app needs no import from councils or offers.
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class AuditEntryImmutable(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Bulk writes are refused like single ones.

    Deleting a user still clears `actor` (ON DELETE SET NULL): Django's deletion
    collector updates through the plain base manager, not this queryset.
    """

    def update(self, **kwargs: Any) -> int:
        raise AuditEntryImmutable("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditEntryImmutable("Audit entries cannot be deleted.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AuditEntryImmutable("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    """One action by a member of staff (or a council admin) on one record."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who acted, as they were known then: kept after their account is deleted.
    actor_label = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # A short dotted code: "listing.approve", "membership.decide", "email_domain.add".
    action = models.CharField(max_length=64, db_index=True)
    # PROTECT: a content type cannot be removed while the log points at it.
    target_content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_object_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_content_type", "target_object_id")
    # What the target was called then: kept after it is deleted or renamed.
    target_label = models.CharField(max_length=300)
    # Only the fields that changed, JSON-safe (core.audit.json_safe).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            # "Everything that happened to this record", newest first.
            models.Index(
                fields=["target_content_type", "target_object_id", "-at"],
                name="core_audit_target_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEntryImmutable("Audit entries cannot be changed.")
        # force_insert: an entry built with the pk of an existing row must not update it.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditEntryImmutable("Audit entries cannot be deleted.")

    def changes(self) -> list[dict[str, Any]]:
        """The changed fields in order, each with its value before and after as text.

        `had_before`/`has_after` tell "was blank" apart from "did not exist"
        (an added record has no before; a deleted one has no after).
        """
        names = list(self.before) + [name for name in self.after if name not in self.before]
        return [
            {
                "field": name,
                "before": _as_text(self.before.get(name)),
                "after": _as_text(self.after.get(name)),
                "had_before": name in self.before,
                "has_after": name in self.after,
            }
            for name in names
        ]


def _as_text(value: Any) -> str:
    """A recorded JSON value as staff read it."""
    if value is None or value == "":
        return "(blank)"
    if value is True or value is False:
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items()) or "(none)"
    return str(value)


class OutboxMessage(models.Model):
    """One email the service has decided to send, written in the deciding transaction.

    `key` names the logical message (kind, object, recipient, the event's
    version), so deciding twice, retrying a task or re-running a job can never
    make a second row, and a row is sent at most once: the send task claims it
    with a conditional update (core.outbox.outbox_send). Never lost either: a
    row whose task never ran (broker down) or whose worker died is queued again
    by the relay.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=255, unique=True)
    to = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.to)} ({self.status})"


class CacheGeneration(models.Model):
    """A counter per cached thing (core.generations): bumped in the transaction
    that changes what the cache holds, so every process sees a new value once
    it commits. The database holds the truth; the cache only holds copies."""

    key = models.CharField(max_length=100, unique=True)
    value = models.BigIntegerField(default=0)
    # When the value last moved on (set by the bump's own SQL, so it commits with
    # it): the open data API's Last-Modified header.
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
