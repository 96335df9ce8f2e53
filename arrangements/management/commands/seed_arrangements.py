"""manage.py seed_arrangements [FILE]: add the real, sourced arrangements of the
evaluation set (data/evaluation/shared_service_arrangements_v2.csv) to the register,
labelled "from public sources, not yet confirmed by the partners". Safe to re-run."""

import csv
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from arrangements.services import SeedRow, arrangements_seed

DEFAULT = Path(settings.BASE_DIR) / "data" / "evaluation" / "shared_service_arrangements_v2.csv"


def read_seed_rows(path: Path) -> list[SeedRow]:
    """One SeedRow per arrangement name, its services in file order."""
    grouped: dict[str, list[dict[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            grouped.setdefault(row["arrangement"].strip(), []).append(row)
    out = []
    for name, rows in grouped.items():
        first = rows[0]
        status = (first.get("still_running") or "unknown").strip()
        year = (first.get("start_year") or "").strip()
        status_year = (first.get("status_year") or "").strip()
        members: list[str] = []
        for row in rows:
            for code in row["member_gss"].split(";"):
                if code.strip() and code.strip() not in members:
                    members.append(code.strip())
        out.append(
            SeedRow(
                name=name,
                services=list(dict.fromkeys(r["service_slug"].strip() for r in rows)),
                members=members,
                delivery_model=first["delivery_model"].strip() or "open",
                source_url=first["source_url"].strip(),
                other_sources=" ; ".join(
                    s for r in rows for s in [(r.get("other_sources") or "").strip()] if s
                ),
                notes=first.get("notes", "").strip(),
                started_year=int(year) if year.isdigit() else None,
                ended_year=int(status_year) if status == "no" and status_year.isdigit() else None,
                is_active=status != "no",
            )
        )
    return out


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(DEFAULT))

    def handle(self, *args: Any, **options: Any) -> None:
        created, unchanged, skipped = arrangements_seed(rows=read_seed_rows(Path(options["file"])))
        self.stdout.write(f"arrangements: {created} created, {unchanged} unchanged")
        for reason in skipped:
            self.stdout.write(f"  skipped {reason}")
