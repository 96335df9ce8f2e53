"""Matching's own records: the savings assumption and recorded shared arrangements.

Moved from offers/models.py with state-only migrations (ADR 10): the tables keep
their `offers_` names, so each model names its table in Meta.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from councils.models import Authority
from offers.models import Listing, Service


class SavingsAssumption(models.Model):
    """The rate range behind every savings estimate. One row (pk=1), edited by staff.

    A policy assumption, not a fact: pages show it as an estimate with this source.
    """

    low_percent = models.DecimalField(
        "realistic saving (%)", max_digits=5, decimal_places=2, default=Decimal("1.80")
    )
    high_percent = models.DecimalField(
        "best-case saving (%)", max_digits=5, decimal_places=2, default=Decimal("3.60")
    )
    source = models.CharField(
        max_length=300,
        default="New Local Government Network, “Shared Necessities”",
        help_text="Shown next to every estimate.",
    )
    source_url = models.URLField(blank=True)
    note = models.TextField(
        blank=True,
        default=(
            "Sharing back-office services saves about 1.8% of expenditure realistically "
            "and 3.6% at best."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "offers_savingsassumption"
        verbose_name = "savings assumption"
        constraints = [
            models.CheckConstraint(
                condition=Q(low_percent__gte=0)
                & Q(high_percent__lte=100)
                & Q(low_percent__lte=models.F("high_percent")),
                name="savings_rate_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.low_percent}% to {self.high_percent}% ({self.source})"


class SharedArrangement(models.Model):
    """A recorded, publicly documented arrangement in which councils share a service.

    Feeds the "experienced partner" signal. The evaluation set in
    data/evaluation/ is kept out of this table on purpose (see docs/matching.md).
    """

    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="arrangements")
    members = models.ManyToManyField(Authority, related_name="shared_arrangements")
    delivery_model = models.CharField(
        max_length=20, choices=Listing.DeliveryModel.choices, default=Listing.DeliveryModel.OPEN
    )
    source_url = models.URLField("source", help_text="A public page that documents it.")
    started_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "offers_sharedarrangement"
        ordering = ["name"]
        indexes = [models.Index(fields=["service", "is_active"], name="arrangement_service")]

    def __str__(self) -> str:
        return f"{self.name} ({self.service})"
