"""Baselines: what the portal would do without its matcher. Each returns up to `limit`
results in the /api/search result shape (vendor, vendor_slug, title, message), best first.
They have no notion of confidence."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from errors_kb.models import Entry, EntryStatus, Vendor

_FTS_VECTOR = "to_tsvector('english', e.title || ' ' || e.message)"
_FIELDS = ("vendor_slug", "vendor", "title", "message")


def _as_results(rows) -> list[dict]:
    return [dict(zip(_FIELDS, row, strict=True)) for row in rows]


def icontains(text: str, limit: int = 10) -> list[dict]:
    """Django admin search: every word must occur in the title or message."""
    query = Q()
    for word in text.split()[:30]:
        query &= Q(title__icontains=word) | Q(message__icontains=word)
    return _as_results(
        Entry.objects.published().filter(query).values_list("vendor__slug", "vendor__name", "title", "message")[:limit]
    )


def websearch(text: str, limit: int = 10) -> list[dict]:
    """PostgreSQL full-text search with websearch_to_tsquery and ts_rank."""
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.slug, v.name, e.title, e.message FROM {table} e JOIN {Vendor._meta.db_table} v ON v.id = e.vendor_id, "
            "websearch_to_tsquery('english', %s) q "
            f"WHERE e.status = %s AND {_FTS_VECTOR} @@ q ORDER BY ts_rank({_FTS_VECTOR}, q) DESC LIMIT %s",
            [text[:2000], EntryStatus.PUBLISHED, limit],
        )
        return _as_results(cursor.fetchall())


def trigram(text: str, limit: int = 10) -> list[dict]:
    """pg_trgm word_similarity of the paste against each message, best first."""
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.slug, v.name, e.title, e.message FROM {table} e JOIN {Vendor._meta.db_table} v ON v.id = e.vendor_id "
            "WHERE e.status = %s AND %s <%% e.message ORDER BY word_similarity(%s, e.message) DESC LIMIT %s",
            [EntryStatus.PUBLISHED, text[:2000], text[:2000], limit],
        )
        return _as_results(cursor.fetchall())


BASELINES = {"icontains": icontains, "websearch": websearch, "trigram": trigram}

INDEXES = [
    f"CREATE INDEX IF NOT EXISTS bench_entry_fts ON errors_kb_entry USING gin ({_FTS_VECTOR.replace('e.', '')})",
    "CREATE INDEX IF NOT EXISTS bench_entry_message_trgm ON errors_kb_entry USING gin (message gin_trgm_ops)",
]
