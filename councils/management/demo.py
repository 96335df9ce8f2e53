"""Shared guard for the commands that create demo data (seed_demo, seed_demo_listings)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class DemoDataCommand(BaseCommand):
    """Refuses to run with DEBUG off unless --force: demo data in a real environment
    would be shown to real users (and demo accounts have a published password)."""

    #: Why demo data would harm a real environment, for the refusal message.
    risk = "Demo data would be shown to real users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (for a shared demo environment).",
        )

    def execute(self, *args: Any, **options: Any) -> Any:
        if not settings.DEBUG and not options.get("force"):
            raise CommandError(
                f"DEBUG is off, so this looks like a real environment. {self.risk} "
                "Use --force if you really want them here."
            )
        return super().execute(*args, **options)
