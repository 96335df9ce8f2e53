"""Load matching/data/savings_evidence.csv and seed one savings assumption per
service family from it, plus the whole-organisation row (NLGN 1.8%-3.6%).

See matching/data/README.md for how each family's range is chosen. Re-running
(a fresh database) gives the same rows; staff edits happen afterwards in the admin.
"""

import csv
from decimal import Decimal
from pathlib import Path

from django.core.management.color import no_style
from django.db import migrations

EVIDENCE = Path(__file__).resolve().parent.parent / "data" / "savings_evidence.csv"
# Senior management's rate is a share of the senior posts' cost, not of a service:
# kept for its own family, left out of the general range used where a family has
# no evidence of its own.
NOT_GENERAL = {"Senior management and corporate"}


def _decimal(value: str) -> Decimal | None:
    return Decimal(value) if value.strip() else None


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Evidence = apps.get_model("matching", "SavingsEvidence")
    Assumption = apps.get_model("matching", "SavingsAssumption")
    Family = apps.get_model("offers", "ServiceFamily")
    families = {f.name: f for f in Family.objects.all()}
    # The single row was made with pk=1 explicitly, which leaves the id sequence
    # behind: move it on before adding rows.
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Assumption]):
        schema_editor.execute(sql)
    with EVIDENCE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_family: dict[str, list] = {}
    rated: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for row in rows:
        family = families.get(row["service_family"])
        evidence, _ = Evidence.objects.update_or_create(
            key=row["id"],
            defaults={
                "partnership": row["partnership"],
                "members": row["members"],
                "family": family,
                "service": row["service"],
                "annual_saving_gbp": _int(row["annual_saving_gbp"]),
                "saving_period": row["saving_period"],
                "service_cost_gbp": _int(row["service_cost_gbp"]),
                "saving_percent_low": _decimal(row["saving_percent_low"]),
                "saving_percent_high": _decimal(row["saving_percent_high"]),
                "basis": row["basis"],
                "used_for_rate": row["use_for_rate"] == "Y",
                "year": row["year"],
                "status": row["status"],
                "source_url": row["source_url"],
                "note": row["note"],
            },
        )
        by_family.setdefault(row["service_family"], []).append(evidence)
        if evidence.used_for_rate and family is not None:
            rated.setdefault(family.name, []).append(
                (evidence.saving_percent_low, evidence.saving_percent_high)
            )
    general = [r for name, rates in rated.items() if name not in NOT_GENERAL for r in rates]
    general_low = min(low for low, _ in general)
    general_high = max(high for _, high in general)
    general_evidence = [
        e for name in rated if name not in NOT_GENERAL for e in by_family[name] if e.used_for_rate
    ]

    whole, _ = Assumption.objects.get_or_create(scope="whole", family=None)
    whole.source = "New Local Government Network, “Shared Necessities”"
    whole.note = (
        "Sharing the back office as a whole saves about 1.8% of total expenditure "
        "realistically and 3.6% at best: applied to the two organisations' combined "
        "total service expenditure (revenue outturn line 699)."
    )
    whole.save()

    for name, family in families.items():
        rates = rated.get(name)
        own = bool(rates)
        low = min(r[0] for r in rates) if rates else general_low
        high = max(r[1] for r in rates) if rates else general_high
        cited = len(rates) if rates else len(general_evidence)
        assumption, _ = Assumption.objects.update_or_create(
            family=family,
            defaults={
                "scope": "family",
                "low_percent": low,
                "high_percent": high,
                "family_evidence": own,
                "source": (
                    f"{cited} cited saving{'s' if cited != 1 else ''} of shared services "
                    f"in {name}, as a share of the service's cost"
                    if own
                    else f"None cited for {name} yet: the range of the {cited} savings cited "
                    "as a share of a service's cost in other families"
                ),
                "note": "Seeded from matching/data/savings_evidence.csv; edit as evidence grows.",
            },
        )
        linked = list(by_family.get(name, []))
        if not own:
            linked += general_evidence
        assumption.evidence.set(linked)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_savings_by_family"),
        ("offers", "0013_services_by_kind"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
