"""Matching's own records: the savings assumption and recorded shared arrangements.

Moved from offers/models.py with state-only migrations (ADR 10): the tables keep
their `offers_` names, so each model names its table in Meta.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from arrangements.models import SharedArrangement as SharedArrangement  # re-export (ADR 17)
from councils.models import Authority
from offers.models import Service, ServiceFamily


class SavingsEvidence(models.Model):
    """What a real shared service reported saving, with its source
    (matching/data/savings_evidence.csv, loaded by a data migration)."""

    class Status(models.TextChoices):
        ACHIEVED = "achieved", "Reported as saved"
        EXPECTED = "expected", "Expected (business case or plan)"

    key = models.SlugField(max_length=80, unique=True)
    partnership = models.CharField(max_length=200)
    members = models.CharField(max_length=300, blank=True)
    family = models.ForeignKey(
        ServiceFamily, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service = models.CharField(max_length=200)
    annual_saving_gbp = models.PositiveBigIntegerField("annual saving (£)", null=True, blank=True)
    saving_period = models.CharField(max_length=100, blank=True)
    service_cost_gbp = models.PositiveBigIntegerField("service cost (£)", null=True, blank=True)
    saving_percent_low = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    saving_percent_high = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    basis = models.CharField(
        max_length=300, blank=True, help_text="What the percentage is a share of."
    )
    used_for_rate = models.BooleanField(
        default=False, help_text="The percentage is of the service's own cost."
    )
    year = models.CharField(max_length=4, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    source_url = models.URLField(max_length=500)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["family__name", "partnership"]
        verbose_name_plural = "savings evidence"

    def __str__(self) -> str:
        return f"{self.partnership}: {self.service}"


class SavingsAssumption(models.Model):
    """The rate range behind savings estimates: one row per service family, and one
    whole-organisation row (shared management, one workforce). Edited by staff.

    A policy assumption, not a fact: pages show it as an estimate, with its base,
    its source and the evidence it was seeded from.
    """

    class Scope(models.TextChoices):
        FAMILY = "family", "One service family"
        WHOLE = "whole", "Whole organisation (shared management, one workforce)"

    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.WHOLE)
    family = models.OneToOneField(
        ServiceFamily,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="savings_assumption",
    )
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
    family_evidence = models.BooleanField(
        default=True,
        help_text="False when the family has no evidence of its own and uses the general range.",
    )
    evidence = models.ManyToManyField(SavingsEvidence, blank=True, related_name="assumptions")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "offers_savingsassumption"
        verbose_name = "savings assumption"
        ordering = ["scope", "family__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(low_percent__gte=0)
                & Q(high_percent__lte=100)
                & Q(low_percent__lte=models.F("high_percent")),
                name="savings_rate_range_valid",
            ),
            models.CheckConstraint(
                condition=(Q(scope="family") & Q(family__isnull=False))
                | (Q(scope="whole") & Q(family__isnull=True)),
                name="savings_family_row_has_a_family",
            ),
            models.UniqueConstraint(
                fields=["scope"], condition=Q(scope="whole"), name="savings_one_whole_row"
            ),
        ]

    def __str__(self) -> str:
        what = self.family.name if self.family_id and self.family else "Whole organisation"
        return f"{what}: {self.low_percent}% to {self.high_percent}%"


class ServiceCost(models.Model):
    """What an organisation says one service costs it a year, recorded on its
    profile by its officers: the base of a savings estimate, ahead of the broad
    revenue outturn line."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="service_costs")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="costs")
    annual_cost_gbp = models.PositiveBigIntegerField("annual cost (£)")
    financial_year = models.CharField(max_length=7, help_text="For example 2025-26.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["authority", "service"], name="service_cost_once"),
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.service_id}: £{self.annual_cost_gbp:,}"
