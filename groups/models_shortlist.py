"""The shortlist and its business-case packs.

Kept in their own module (imported by groups/models.py) because they answer a
different question from the suggestions: not "who could we share with?" but "who
have we decided to look at, and what do we send our leadership?".
"""

from django.conf import settings
from django.db import models

from councils.models import Authority
from offers.models import Service


class ShortlistEntry(models.Model):
    """A candidate partner one organisation's officers are considering for a service.

    Kept per organisation (not per officer), so colleagues see and edit one list;
    the unique constraint makes a double-click on "Add to shortlist" harmless."""

    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="shortlist_entries"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+")
    notes = models.TextField(blank=True, max_length=2000)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name", "candidate__short_name"]
        verbose_name_plural = "shortlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "service", "candidate"], name="groups_shortlist_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} shortlists {self.candidate_id} for {self.service_id}"


class BusinessCasePack(models.Model):
    """One build of the business-case pack: for a shortlist entry, or for a
    suggested consortium (`suggestion_key`, since suggestions are rebuilt whenever
    their listings change: the pack keeps what it said when it was built).
    `authority` is the organisation that asked for it; only its officers see it.

    The files are kept as bytes in PostgreSQL: a pack is tens of kilobytes, and
    no media storage or volume is then needed for `make run` or a second web node."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    entry = models.ForeignKey(
        ShortlistEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="packs"
    )
    authority = models.ForeignKey(
        Authority, null=True, on_delete=models.CASCADE, related_name="business_case_packs"
    )
    suggestion_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300, blank=True)
    odt = models.BinaryField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Built from demo listings or account.")
    error = models.TextField(blank=True)
    build_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["entry", "-created_at"], name="groups_pack_latest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry__isnull=False) | ~models.Q(suggestion_key=""),
                name="groups_pack_has_a_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"pack {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
