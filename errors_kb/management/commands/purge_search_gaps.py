from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from errors_kb.gaps import purge


class Command(BaseCommand):
    help = "Delete the search gaps nobody searched for in the retention period (SEARCH_GAP_RETENTION_DAYS, 180 days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"keep gaps seen in the last DAYS days (default {settings.SEARCH_GAP_RETENTION_DAYS})",
        )

    def handle(self, *args, days: int | None, **options) -> None:
        if days is not None and days < 1:
            self.stderr.write("--days must be at least 1")
            raise SystemExit(2)
        deleted = purge(days)
        self.stdout.write(f"{deleted} search gaps deleted.")
