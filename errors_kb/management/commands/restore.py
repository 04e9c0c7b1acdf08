from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from errors_kb.models import DictionaryGeneration
from portal import backup


class Command(BaseCommand):
    help = "Replace the portal's database with a backup (pg_restore --clean --if-exists, one transaction)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .dump file written by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")

    def handle(self, *args, file: Path, yes: bool, **options) -> None:
        db = connections["default"].settings_dict
        if not yes:
            answer = input(f"Replace every table of database {db['NAME']!r} with {file}? Type the database name: ")
            if answer.strip() != db["NAME"]:
                raise CommandError("not confirmed; nothing changed")
        connections["default"].close()  # no open transaction of ours holds a lock on a table
        try:
            backup.restore(db, file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        # Workers keep what they read under the dictionary's generation: the restored data gets a new one.
        DictionaryGeneration.objects.move_past_a_restore()
        self.stdout.write(f"restored {file} into {db['NAME']}")
