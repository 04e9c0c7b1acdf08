"""Search gaps: what people searched for and did not find, masked, for curators.

A search that ends without a confident answer adds one to the row of its masked text
(errors_kb/masking.py) and vendor. Nothing else of the request is written: no IP, no
user, no raw paste. A multi-error paste is recorded whole (masked) when any of its
groups is not confident: the search only groups lines that an entry explains, so the
text around them is what a curator needs to see.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from errors_kb.masking import mask
from errors_kb.models import SearchGap
from errors_kb.search import SearchResult

logger = logging.getLogger(__name__)

# One statement, so that two searches of the same text at once both count: the second
# waits for the first's row and adds to it. (bulk_create(update_conflicts=True) can only
# overwrite a column, not add to it.) The count stops at PostgreSQL's integer maximum.
_RECORD = """
INSERT INTO {table} (masked_text, vendor_id, count, first_seen, last_seen)
VALUES (%s, %s, 1, now(), now())
ON CONFLICT ON CONSTRAINT searchgap_unique_text_vendor
DO UPDATE SET count = LEAST({table}.count + 1, 2147483647), last_seen = EXCLUDED.last_seen
"""


def is_gap(result: SearchResult) -> bool:
    return not all(group.ranking.confident for group in result.groups)


def record_gap(result: SearchResult) -> None:
    """Count the search as a gap when it found no confident answer. Never raises: a search
    is answered even when this cannot be written, and the log line names no part of the paste."""
    if not settings.SEARCH_GAPS_ENABLED or not is_gap(result):
        return
    try:
        masked = mask(result.query)
        if not masked:
            return
        vendor_id = result.vendor.pk if result.vendor else None
        # A savepoint: inside a request's transaction, a failed insert must not spoil the rest.
        with transaction.atomic(), connection.cursor() as cursor:
            # A count for curators need not wait for the disk: a crash may lose the last
            # fraction of a second of them, never a half-written row.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(_RECORD.format(table=SearchGap._meta.db_table), [masked, vendor_id])
    except Exception as error:  # any failure here must leave the search alone
        logger.warning("Search gap not recorded: %s", type(error).__name__)


def older_than(queryset: QuerySet, days: int | None = None, *, now=None) -> QuerySet:
    """The gaps of `queryset` nobody searched for in the last `days` days (the retention setting by default)."""
    days = settings.SEARCH_GAP_RETENTION_DAYS if days is None else days
    return queryset.filter(last_seen__lt=(now or timezone.now()) - timedelta(days=days))


def purge(days: int | None = None) -> int:
    """Delete the gaps older than the retention; returns how many."""
    deleted, _ = older_than(SearchGap.objects.all(), days).delete()
    return deleted
