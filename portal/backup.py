"""Backups of the portal's database: `make backup`, `make restore FILE=...`.

`manage.py backup` and `manage.py restore` (errors_kb/management/commands/) call these
functions with Django's "default" database, so the Makefile, cron and the tests run the same
code. A backup is one `pg_dump --format=custom` file, `portal-YYYYMMDD-HHMMSS.dump`, under
BACKUP_DIR (default var/backups/); `restore` runs `pg_restore --clean --if-exists` into the
database, replacing every table the dump holds, in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from portal import localdb

NAME = re.compile(r"^portal-(\d{8}-\d{6})\.dump$")


class BackupError(RuntimeError):
    pass


def backup_dir() -> Path:
    return Path(os.getenv("BACKUP_DIR") or localdb.PROJECT_DIR / "var" / "backups")


def _tool(name: str) -> str:
    directory = localdb.pg_bin_dir()
    if directory and (directory / name).exists():
        return str(directory / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is missing: install PostgreSQL's client tools (apt-get install postgresql-client)")
    return found


def _libpq_env(db: dict) -> dict[str, str]:
    """The connection as libpq environment variables: no password on a command line."""
    env = dict(os.environ)
    options = db.get("OPTIONS", {})
    for var, value in {
        "PGHOST": db.get("HOST") or options.get("host", ""),
        "PGPORT": str(db.get("PORT") or options.get("port", "")),
        "PGUSER": db.get("USER", ""),
        "PGPASSWORD": db.get("PASSWORD", ""),
        "PGDATABASE": db["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
    }.items():
        if value:
            env[var] = value
    return env


def _run(argv: list[str], db: dict) -> None:
    result = subprocess.run(argv, env=_libpq_env(db), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def backup(db: dict, directory: Path | None = None, *, now: datetime | None = None) -> Path:
    """Dump the database into a new timestamped file; returns its path."""
    directory = Path(directory or backup_dir())
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    target = directory / f"portal-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    # Written aside, then renamed: a failed or interrupted dump never looks like a backup.
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], db)
    partial.chmod(0o600)
    partial.replace(target)
    return target


def restore(db: dict, path: Path) -> None:
    """Replace the database's tables with the dump's, in one transaction (all or nothing)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={db['NAME']}",
            str(path),
        ],
        db,
    )


def backups(directory: Path | None = None) -> list[tuple[datetime, Path]]:
    directory = Path(directory or backup_dir())
    found = []
    for path in directory.glob("portal-*.dump") if directory.is_dir() else []:
        match = NAME.match(path.name)
        if match:
            found.append((datetime.strptime(match[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC), path))
    return sorted(found, reverse=True)


def prune(directory: Path | None = None, *, daily: int, weekly: int) -> list[Path]:
    """Keep the newest backup of each of the last `daily` days and `weekly` ISO weeks that have
    one; delete the others. Returns the deleted paths."""
    keep: set[Path] = set()
    days: list = []
    weeks: list = []
    for taken, path in backups(directory):  # newest first
        day, week = taken.date(), taken.isocalendar()[:2]
        if day not in days and len(days) < daily:
            days.append(day)
            keep.add(path)
        if week not in weeks and len(weeks) < weekly:
            weeks.append(week)
            keep.add(path)
    deleted = [path for _, path in backups(directory) if path not in keep]
    for path in deleted:
        path.unlink()
    return deleted
