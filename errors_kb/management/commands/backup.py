from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from portal import backup


class Command(BaseCommand):
    help = "Dump the portal's database (pg_dump, custom format) into BACKUP_DIR (default var/backups/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="where to write (default BACKUP_DIR or var/backups)")
        parser.add_argument("--keep-daily", type=int, default=None, help="then keep the newest backup of N days")
        parser.add_argument("--keep-weekly", type=int, default=0, help="and of N ISO weeks (with --keep-daily)")

    def handle(self, *args, dir: Path | None, keep_daily: int | None, keep_weekly: int, **options) -> None:
        db = connections["default"].settings_dict
        try:
            path = backup.backup(db, dir)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(path))
        if keep_daily is not None:
            deleted = backup.prune(dir, daily=keep_daily, weekly=keep_weekly)
            self.stderr.write(f"{len(deleted)} old backup(s) deleted")
