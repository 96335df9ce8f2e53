"""Savings estimates an officer can defend, as pure functions (no ORM, no settings).

Two estimates, never confused:

* **One service**: a rate range for the service's family (from cited savings of
  real shared services, admin-editable: matching.SavingsAssumption) times the two
  organisations' combined cost of *that service*. The cost is the service's own
  where known (what the organisation recorded on its profile, or a listing's
  stated annual value); otherwise its revenue outturn line, which holds many
  services, so the estimate is then labelled an upper bound with the line named.
* **Whole organisation** (shared management, one workforce): NLGN's 1.8%-3.6%
  of the two organisations' combined total service expenditure (RO line 699),
  which is how the report means those rates.

A saving never exceeds the combined cost it is a share of (rates are capped at
100%, and the result at the cost), so no estimate can promise more than is spent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SavingsRate:
    """A rate range with where it comes from. `family` is "" for the whole-organisation rate."""

    low_percent: float = 1.8
    high_percent: float = 3.6
    source: str = "New Local Government Network, Shared Necessities"
    family: str = ""
    family_evidence: bool = True  # False: no saving cited for this family; general range used
    evidence_count: int = 0


@dataclass(frozen=True, slots=True)
class CostBase:
    """What one organisation's side of the estimate is a share of."""

    pounds: float
    label: str  # "Adur's own figure (2025-26)", "Adur's whole central services line (2024-25)"
    upper_bound: bool  # True when it is a whole revenue outturn line


@dataclass(frozen=True, slots=True)
class SavingsEstimate:
    """Combined cost x rate range; `low_gbp` is None when there is not enough data."""

    low_gbp: float | None
    high_gbp: float | None
    combined_thousands: float | None
    year: str
    line_name: str
    rate: SavingsRate
    sentence: str
    upper_bound: bool = False
    bases: tuple[CostBase, ...] = ()

    @property
    def enough_data(self) -> bool:
        return self.low_gbp is not None

    @property
    def display(self) -> str:
        if self.low_gbp is None or self.high_gbp is None:
            return "Not enough data"
        text = f"{format_gbp(self.low_gbp)} to {format_gbp(self.high_gbp)} a year"
        return f"up to {text}" if self.upper_bound else text


def format_gbp(pounds: float) -> str:
    """£ rounded for estimates: £41,000, £1.2m, £1.6bn (a combined total expenditure
    of £1,643.2m read as "£1643.2m" next to the other figures)."""
    if pounds < 0:
        return "−" + format_gbp(-pounds)
    if pounds >= 1_000_000_000:
        return f"£{pounds / 1_000_000_000:.1f}bn"
    if pounds >= 1_000_000:
        return f"£{pounds / 1_000_000:.1f}m"
    if pounds >= 1_000:
        rounded = round(pounds, -3) if pounds >= 10_000 else round(pounds, -2)
        return f"£{rounded:,.0f}"
    return f"£{pounds:,.0f}"


def cost_base(
    *,
    name: str,
    own: tuple[float, str] | None,
    line_thousands: float | None,
    line_name: str,
    year: str,
) -> CostBase | None:
    """The organisation's own cost of the service when known (`own`: pounds and
    where it comes from), else its whole revenue outturn line as an upper bound;
    None when neither is a positive figure."""
    if own is not None and own[0] > 0:
        return CostBase(own[0], f"{name}'s {own[1]}", False)
    if line_thousands is not None and line_thousands > 0 and line_name:
        return CostBase(
            line_thousands * 1000,
            f"{name}'s whole {_lower(line_name)} line ({year})",
            True,
        )
    return None


def _capped(pounds: float, percent: float) -> float:
    return min(pounds, pounds * max(0.0, min(percent, 100.0)) / 100)


def estimate_service_savings(
    *,
    origin: CostBase | None,
    candidate: CostBase | None,
    rate: SavingsRate,
    year: str,
    line_name: str,
    missing: str,
) -> SavingsEstimate:
    """The saving of sharing one service: the family's rate range times the two
    organisations' combined cost of it. `missing` is the sentence when a side has
    no usable figure."""
    if origin is None or candidate is None:
        return SavingsEstimate(None, None, None, year, line_name, rate, missing)
    combined = origin.pounds + candidate.pounds
    upper = origin.upper_bound or candidate.upper_bound
    low, high = _capped(combined, rate.low_percent), _capped(combined, rate.high_percent)
    bound = (
        " It is an upper bound: a revenue outturn line covers more than this one service."
        if upper
        else ""
    )
    sentence = (
        f"Estimate: {format_gbp(low)} to {format_gbp(high)} a year, {rate.low_percent:g}% to "
        f"{rate.high_percent:g}% of their combined {format_gbp(combined)}: "
        f"{origin.label} and {candidate.label}.{bound} Rates: {rate.source}."
    )
    return SavingsEstimate(
        low, high, combined / 1000, year, line_name, rate, sentence, upper, (origin, candidate)
    )


def estimate_whole_organisation(
    *,
    origin_name: str,
    candidate_name: str,
    origin_total_thousands: float | None,
    candidate_total_thousands: float | None,
    year: str,
    rate: SavingsRate,
) -> SavingsEstimate:
    """Sharing the whole back office (shared management, one workforce): the rate
    range times the two organisations' combined total service expenditure."""
    line = "Total service expenditure"
    a, b = origin_total_thousands, candidate_total_thousands
    if a is None or b is None or a <= 0 or b <= 0:
        return SavingsEstimate(
            None,
            None,
            None,
            year,
            line,
            rate,
            "Not enough data: both need a total service expenditure figure for the same year.",
        )
    combined = (a + b) * 1000
    low, high = _capped(combined, rate.low_percent), _capped(combined, rate.high_percent)
    sentence = (
        f"If {origin_name} and {candidate_name} shared their whole back office (shared "
        f"management, one workforce): {format_gbp(low)} to {format_gbp(high)} a year, "
        f"{rate.low_percent:g}% to {rate.high_percent:g}% of their combined total service "
        f"expenditure of {format_gbp(combined)} (revenue outturn line 699, {year}). "
        f"Rates: {rate.source}."
    )
    return SavingsEstimate(low, high, combined / 1000, year, line, rate, sentence)


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]
