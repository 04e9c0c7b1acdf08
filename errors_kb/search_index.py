"""The words' statistics the search weighs words by (SearchToken), kept right incrementally.

Migration 0010 puts triggers on the entry table: every statement that inserts, updates or
deletes entries changes the counts of the words it added or took away, in the same
transaction, whichever code path wrote it (admin, actions, deletes, importer, shell). A
transaction-level advisory lock taken before any count changes serialises the writers, so
two curators saving at once both commit with exact counts and never deadlock.

A bulk load (thousands of entries) skips the triggers and recounts once at its end:

    with search_index.bulk_load():
        Entry.objects.bulk_create(rows)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

# The session setting the triggers read; 'on' only inside bulk_load().
BULK_LOAD_SETTING = "errors_kb.bulk_load"


def in_bulk_load(using: str = DEFAULT_DB_ALIAS) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [BULK_LOAD_SETTING])
        return cursor.fetchone()[0] == "on"


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Recount every word of the published entries from scratch (1 s at 100,000 entries),
    then refresh the entry table's statistics. Waits for transactions that are changing the
    counts to finish; the ones that start changing entries meanwhile wait for this one."""
    entries, tokens = "errors_kb_entry", "errors_kb_searchtoken"
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT errors_kb_searchtoken_rebuild()")
        # A bulk load leaves its rows in the GIN indexes' pending lists, which every look-up
        # scans whole until autovacuum merges them (the typo look-up: 20 ms a search, not 0.4).
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'gin' AND i.indrelid IN (%s::regclass, %s::regclass)",
            [entries, tokens],
        )
        cursor.execute(f"ANALYZE {entries}")
        cursor.execute(f"ANALYZE {tokens}")


@contextmanager
def bulk_load(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A transaction (a savepoint inside one) whose entry writes skip the count triggers; the
    counts are recounted once when it ends without an error. Nested blocks recount with the
    outermost one. The setting lasts to the end of the block only, or is rolled back with it."""
    with transaction.atomic(using=using):
        if in_bulk_load(using):
            yield
            return
        _switch(using, "on")
        with connections[using].cursor() as cursor:
            # A bulk load may outlast the portal's per-statement limit (DB_STATEMENT_TIMEOUT_MS).
            cursor.execute("SELECT set_config('statement_timeout', '0', true)")
        yield
        rebuild(using)
        _switch(using, "off")


def _switch(using: str, value: str) -> None:
    with connections[using].cursor() as cursor:
        # is_local: undone at the end of the transaction, or with the savepoint rolled back
        cursor.execute("SELECT set_config(%s, %s, true)", [BULK_LOAD_SETTING, value])
