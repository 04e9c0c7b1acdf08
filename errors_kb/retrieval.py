"""Candidate entries for a paste, from PostgreSQL, in a fixed number of queries.

Each word of the paste is weighed by how rare it is among published entries
(SearchToken: in templates, and as a stem in their prose). A *probe* is one look-up: the
rarest template words and prose stems of one piece of the paste, within a row budget, and
the words that rank the rows found. All probes of a search (one per distinct error of a
pasted report, one more for the hinted vendor) run as one statement: a LATERAL join over
the probes, each a GIN index scan with its own LIMIT.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connections, router

from errors_kb.matching.rank import Candidate
from errors_kb.matching.words import stem
from errors_kb.models import Entry, EntryStatus, SearchToken, Vendor


def _reader():
    """The database the router reads entries from: the replica when there is one (portal/db_router.py)."""
    return connections[router.db_for_read(Entry)]


MAX_QUERY_WORDS = 16  # rarest template words of a probe sent to the index
MAX_QUERY_STEMS = 8  # rarest prose stems of a probe sent to the index
# Rows the index may hand to a probe's ranking: words are added rarest first until their
# entry counts reach this budget, which bounds the query's cost at any size.
ROW_BUDGET = 2000
# A line of a report is matched against its own few candidates: its rarest words suffice.
LINE_ROW_BUDGET = 300
CANDIDATES_PER_LINE = 20
STEMS_PER_LINE = 3
MIN_PROBE_WORDS = 3
# When even the rarest word is over budget: entries holding all the common words (up to
# MAX_ALL_WORDS), so a short paste of common words still finds its template.
MAX_ALL_WORDS = 4
MAX_RANKING_WORDS = 40  # words of a probe that rank the rows its rare words found
# A line is ranked by its rarest words only: every row a probe finds is scored by them, and
# 24 lines of 15 words cost a report more than the rest of its search.
RANKING_WORDS_PER_LINE = 6
CANDIDATES_PER_PROBE = 40
MAX_TYPO_WORDS = 12
MIN_TYPO_LENGTH = 5
NO_WORD = "\u0001"  # holds no entry: the "all of these words" look-up of a probe that has none
PROSE_WEIGHT = 0.5  # a word found only in an entry's prose ranks it less than one in its message


@dataclass
class WordStatistics:
    """How many published entries hold each word: in their templates, and as a prose stem."""

    template: dict[str, int] = field(default_factory=dict)
    prose: dict[str, int] = field(default_factory=dict)
    total: int = 1

    def template_frequency(self, word: str) -> int:
        return self.template.get(word, 0)


def word_statistics(words: list[str]) -> WordStatistics:
    """One query: the words' and their stems' entry counts, and the table's size estimate."""
    stems = sorted({stem(w) for w in words})
    table = SearchToken._meta.db_table
    with _reader().cursor() as cursor:
        cursor.execute(
            f"SELECT token, entry_count, content_count FROM {table} WHERE token = ANY(%s::text[]) "
            "UNION ALL SELECT NULL, GREATEST(reltuples::bigint, 0), 0 FROM pg_class WHERE oid = %s::regclass",
            [sorted({*words, *stems}), Entry._meta.db_table],
        )
        rows = cursor.fetchall()
    stats = WordStatistics()
    for token, entry_count, content_count in rows:
        if token is None:
            stats.total = max(1, int(entry_count))
            continue
        if entry_count:
            stats.template[token] = entry_count
        if content_count:
            stats.prose[token] = content_count
    stats.total = max(stats.total, *stats.template.values(), 1)
    return stats


def typo_corrections(words: list[str], stats: WordStatistics) -> dict[str, str]:
    """Template words the dictionary does not know, mapped to the nearest known word (pg_trgm);
    the corrections' entry counts are added to `stats`."""
    unknown = [
        w for w in words if w not in stats.template and len(w) >= MIN_TYPO_LENGTH and w.isalpha() and len(w) <= 40
    ][:MAX_TYPO_WORDS]
    if not unknown:
        return {}
    table = SearchToken._meta.db_table
    with _reader().cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT ON (q) q, t.token, t.entry_count FROM unnest(%s::text[]) AS q "
            f"JOIN {table} t ON t.token %% q AND t.entry_count > 0 "
            "ORDER BY q, similarity(t.token, q) DESC, t.entry_count DESC",
            [unknown],
        )
        rows = cursor.fetchall()
    for _, token, count in rows:
        stats.template[token] = count
    return {typo: token for typo, token, _ in rows}


@dataclass
class Probe:
    rare: list[str]  # template words: entries holding any of them
    stems: list[str]  # prose stems: entries holding any of them
    all_words: list[str]  # common template words: entries holding all of them
    words: dict[str, float]  # template words and their weights, to rank the rows
    stem_weights: dict[str, float]  # prose stems and their weights, to rank the rows
    vendor_id: int | None = None
    limit: int = CANDIDATES_PER_PROBE

    def as_json(self) -> dict:
        return {
            "rare": self.rare,
            "stems": self.stems,
            # An empty array is contained in every array: a word no entry holds stands in.
            "all": self.all_words or [NO_WORD],
            "words": list(self.words),
            "weights": list(self.words.values()),
            "stem_words": list(self.stem_weights),
            "stem_weights": list(self.stem_weights.values()),
            "vendor": self.vendor_id,
            "limit": self.limit,
        }


def _within_budget(words: list[str], frequency: dict[str, int], limit: int, budget: int) -> list[str]:
    chosen: list[str] = []
    rows = 0
    for word in sorted(set(words), key=lambda w: (frequency[w], w)):
        if rows + frequency[word] > budget or len(chosen) == limit:
            break
        chosen.append(word)
        rows += frequency[word]
    return chosen


def make_probe(
    words: list[str],
    stats: WordStatistics,
    weight,
    vendor: Vendor | None = None,
    *,
    budget: int = ROW_BUDGET,
    limit: int = CANDIDATES_PER_PROBE,
    stems_limit: int = MAX_QUERY_STEMS,
    ranking_limit: int = MAX_RANKING_WORDS,
    widen: bool = True,
) -> Probe:
    """The look-up for one piece of a paste: `words` are its known template words (typos
    already corrected); its stems come from all its words. `budget`: rows it may rank;
    `stems_limit`: how many of its prose stems it may look up; `widen`: look further when too
    few rare words fit the budget."""
    known = [w for w in dict.fromkeys(words) if w in stats.template]
    rare = _within_budget(known, stats.template, MAX_QUERY_WORDS, budget)
    if widen and len(rare) < min(MIN_PROBE_WORDS, len(known)) and budget < ROW_BUDGET:
        # Too few rare words to tell entries apart at this dictionary size: look further.
        budget = ROW_BUDGET
        rare = _within_budget(known, stats.template, MAX_QUERY_WORDS, budget)
    common = [w for w in sorted(set(known), key=lambda w: (stats.template[w], w)) if stats.template[w] > budget]
    stem_words = [s for s in dict.fromkeys(stem(w) for w in words if not w.isdigit()) if s in stats.prose]
    rare_stems = _within_budget(stem_words, stats.prose, stems_limit, budget)
    ranked_by = sorted(set(known), key=lambda w: (stats.template[w], w))[:ranking_limit]
    # A probe that looks up no prose stems (a report's line) is not ranked by them either.
    stem_ranked = sorted(set(stem_words), key=lambda s: (stats.prose[s], s))[: ranking_limit if stems_limit else 0]
    return Probe(
        rare=rare,
        stems=rare_stems,
        all_words=common[:MAX_ALL_WORDS] if not rare and len(common) >= 2 else [],
        words={w: weight(w) for w in ranked_by},
        stem_weights={s: PROSE_WEIGHT * weight(s) for s in stem_ranked},
        vendor_id=vendor.id if vendor else None,
        limit=limit,
    )


_CANDIDATES_SQL = """
WITH probe AS (
  SELECT
    ARRAY(SELECT jsonb_array_elements_text(p->'rare'))::varchar(100)[] AS rare,
    ARRAY(SELECT jsonb_array_elements_text(p->'stems'))::varchar(100)[] AS stems,
    ARRAY(SELECT jsonb_array_elements_text(p->'all'))::varchar(100)[] AS all_words,
    ARRAY(SELECT jsonb_array_elements_text(p->'words')) AS words,
    ARRAY(SELECT (jsonb_array_elements_text(p->'weights'))::float8) AS weights,
    ARRAY(SELECT jsonb_array_elements_text(p->'stem_words')) AS stem_words,
    ARRAY(SELECT (jsonb_array_elements_text(p->'stem_weights'))::float8) AS stem_weights,
    (p->>'vendor')::bigint AS vendor_id,
    (p->>'limit')::int AS row_limit,
    ord
  FROM jsonb_array_elements(%(probes)s::jsonb) WITH ORDINALITY AS t(p, ord)
), found AS (
  SELECT probe.ord, hit.id FROM probe CROSS JOIN LATERAL (
    SELECT e.id FROM {entries} e
    WHERE e.status = %(published)s
      AND (probe.vendor_id IS NULL OR e.vendor_id = probe.vendor_id)
      AND (e.search_tokens && probe.rare OR e.content_tokens && probe.stems
           OR e.search_tokens @> probe.all_words)
    ORDER BY
      (SELECT coalesce(sum(q.weight), 0) FROM unnest(probe.words, probe.weights) AS q(word, weight)
        WHERE q.word = ANY(e.search_tokens))
      + CASE WHEN cardinality(probe.stem_words) > 0 THEN
          (SELECT coalesce(sum(s.weight), 0) FROM unnest(probe.stem_words, probe.stem_weights) AS s(word, weight)
           WHERE s.word = ANY(e.content_tokens)) ELSE 0 END DESC,
      cardinality(e.search_tokens), e.id
    LIMIT probe.row_limit
  ) hit
)
SELECT e.id, v.slug, v.name, e.title, e.slug, e.message, e.variants, e.is_generic, e.search_tokens, e.content_tokens,
  (SELECT array_agg(found.ord) FROM found WHERE found.id = e.id)
FROM {entries} e JOIN {vendors} v ON v.id = e.vendor_id
WHERE e.id IN (SELECT id FROM found)
"""


def candidates(probes: list[Probe]) -> list[list[Candidate]]:
    """One query: for each probe, in order, the entries it finds, with what the matcher needs."""
    asked = [p for p in probes if p.rare or p.stems or p.all_words]
    found: list[list[Candidate]] = [[] for _ in probes]
    if not asked:
        return found
    position = {id(p): i for i, p in enumerate(probes)}
    sql = _CANDIDATES_SQL.format(entries=Entry._meta.db_table, vendors=Vendor._meta.db_table)
    with _reader().cursor() as cursor:
        cursor.execute(
            sql,
            {
                "probes": json.dumps([p.as_json() for p in asked]),
                "published": EntryStatus.PUBLISHED,
            },
        )
        rows = cursor.fetchall()
    for row in sorted(rows):
        candidate = Candidate(
            id=row[0],
            vendor_slug=row[1],
            vendor_name=row[2],
            title=row[3],
            slug=row[4],
            message=row[5],
            variants=tuple(row[6]),
            is_generic=row[7],
            core=frozenset(stem(w) for w in row[8]),
            prose=frozenset(row[9]),
        )
        for ordinal in row[10]:
            found[position[id(asked[ordinal - 1])]].append(candidate)
    return found
