"""manage.py import_authorities [FILE ...]: load or refresh the reference data."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from councils.importers import ImportRefused, default_files, import_reference_files


class Command(BaseCommand):
    help = (
        "Import UK principal authorities, combined authorities, boundary adjacency and "
        "revenue outturn spend. With no FILE, imports everything in data/reference/. "
        "Safe to re-run: unchanged rows are left alone, changed rows updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="CSV files to import")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        paths = files or default_files(Path(settings.BASE_DIR) / "data" / "reference")
        try:
            report = import_reference_files(paths)
        except ImportRefused as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Imported.") if report.changed else "Already up to date."
        )
