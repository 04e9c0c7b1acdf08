"""`make backup` / `make restore` run `manage.py backup` / `restore`: back up, change, restore, compare."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from errors_kb.models import DictionaryGeneration, Entry, SearchToken, Vendor
from portal import backup

TABLES = ["errors_kb_vendor", "errors_kb_topic", "errors_kb_entry", "errors_kb_searchtoken", "auth_group"]


def snapshot() -> dict[str, str]:
    """Each table's rows, hashed in key order: equal snapshots, equal data."""
    digests = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT t::text FROM {table} t ORDER BY 1")
            digests[table] = hashlib.sha256("\n".join(row[0] for row in cursor.fetchall()).encode()).hexdigest()
    return digests


def test_backup_change_restore_compare(live_dictionary, tmp_path, capsys):
    before = snapshot()
    entries = Entry.objects.count()
    generation_at_backup = DictionaryGeneration.objects.current()
    call_command("backup", "--dir", str(tmp_path))
    path = tmp_path / capsys.readouterr().out.strip().rsplit("/", 1)[-1]
    assert path.is_file() and path.stat().st_size > 0 and path.read_bytes()[:5] == b"PGDMP"

    Entry.objects.filter(pk__in=Entry.objects.values("pk")[:5]).delete()
    Vendor.objects.filter(pk=Vendor.objects.first().pk).update(name="Changed after the backup")
    assert snapshot() != before

    seen = {DictionaryGeneration.objects.current()}  # the generation moved with the changes
    call_command("restore", str(path), "--yes")
    assert snapshot() == before
    # The restored data has a generation no worker can have seen, before the backup or since.
    restored = DictionaryGeneration.objects.current()
    assert restored > max(seen) and restored > generation_at_backup
    assert Entry.objects.count() == entries
    assert not Vendor.objects.filter(name="Changed after the backup").exists()
    # The search index's triggers came back too: a save still updates the word counts.
    entry = Entry.objects.filter(status="published").first()
    entry.title += " zyxwvutsr"
    entry.save()
    assert SearchToken.objects.filter(token="zyxwvutsr").exists()


def test_restore_asks_first(db, tmp_path, monkeypatch):
    dump = tmp_path / "portal-20260101-000000.dump"
    dump.write_bytes(b"PGDMP")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="not confirmed"):
        call_command("restore", str(dump))


def test_prune_keeps_daily_and_weekly(tmp_path):
    start = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    for day in range(40):
        for hour in (0, 2):
            taken = start - timedelta(days=day, hours=hour)
            (tmp_path / f"portal-{taken:%Y%m%d-%H%M%S}.dump").write_bytes(b"")
    backup.prune(tmp_path, daily=7, weekly=4)
    kept = [taken for taken, _ in backup.backups(tmp_path)]
    assert kept[:7] == [start - timedelta(days=day) for day in range(7)]
    assert len({t.isocalendar()[:2] for t in kept}) == 4 and len(kept) <= 11
