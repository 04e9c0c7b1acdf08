"""Paste search: retrieve candidates in PostgreSQL, verify and rank them in Python.

Retrieval weighs each word of the paste by how rare it is among published templates
(SearchToken), asks the GIN index on Entry.search_tokens for the entries holding the
rarest ones, and maps words the dictionary does not know to known words by trigram
similarity (typos). A few dozen candidates then go through the exact/fuzzy matcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Func
from django.urls import reverse
from django.utils.http import urlencode

from errors_kb.matching.normalize import Normalized, normalize
from errors_kb.matching.rank import Candidate, Ranked, Ranking, VendorNames, detect_vendor, rank
from errors_kb.matching.scoring import idf_weight
from errors_kb.models import Entry, EntryStatus, SearchToken, Vendor

MAX_QUERY_WORDS = 16  # rarest words of the paste sent to the index
# Entries the index may hand to the ranking query: words are added rarest first until
# their entry counts reach this budget, which bounds the query's cost at any size.
ROW_BUDGET = 2000
# When even the rarest word is over budget: entries holding all of the paste's words
# (up to MAX_ALL_WORDS), dropping the most common ones down to ALL_COMMON_WORDS.
MAX_ALL_WORDS = 8
ALL_COMMON_WORDS = 2
MAX_RANKING_WORDS = 40  # known words of the paste that rank the rows the rare ones found
MAX_TYPO_WORDS = 12
TYPO_MAX_DISTINCT_WORDS = 60  # long pastes carry enough right words; typos matter in short ones
CANDIDATES = 40
MAX_DISTINCT_WORDS = 3000


class SearchInputError(ValueError):
    pass


@dataclass(frozen=True)
class BrowseLink:
    """A way on when a paste is only a status, a vendor name, or finds nothing certain."""

    label: str
    url: str

    def to_dict(self) -> dict:
        return {"label": self.label, "url": self.url}


@dataclass
class ErrorGroup:
    """One distinct error of the paste: how often it occurs and what explains it."""

    count: int
    ranking: Ranking

    def to_dict(self, limit: int) -> dict:
        return {
            "count": self.count,
            "confident": self.ranking.confident,
            "generic": self.ranking.generic,
            "shared_by": self.ranking.shared_vendors,
            "wrong_vendor_hint": self.ranking.wrong_hint,
            "results": [result_to_dict(r) for r in self.ranking.results[:limit]],
        }


def result_to_dict(ranked: Ranked) -> dict:
    c = ranked.candidate
    return {
        "id": c.id,
        "url": reverse("entry_detail", args=[c.vendor_slug, c.slug]),
        "vendor": c.vendor_name,
        "vendor_slug": c.vendor_slug,
        "title": c.title,
        "message": c.message,
        "score": ranked.score,
        "match": ranked.kind,
        "params": ranked.match.params,
    }


@dataclass
class SearchResult:
    """What a search found: the one type views, the API and the benchmark read."""

    query: str
    vendor: Vendor | None  # the vendor filter in force, given or detected
    detected_vendor: Vendor | None
    groups: list[ErrorGroup]
    warnings: list[str]
    browse: list[BrowseLink] = field(default_factory=list)

    @property
    def ranking(self) -> Ranking:
        """The first error's ranking: what a single-error paste is about."""
        return self.groups[0].ranking

    @property
    def confident(self) -> bool:
        return self.ranking.confident

    def to_dict(self, limit: int = 10) -> dict:
        first = self.groups[0].to_dict(limit)
        return {
            "query": self.query,
            "vendor": self.vendor.slug if self.vendor else None,
            "detected_vendor": self.detected_vendor.slug if self.detected_vendor else None,
            "confident": first["confident"],
            "generic": first["generic"],
            "shared_by": first["shared_by"],
            "wrong_vendor_hint": first["wrong_vendor_hint"],
            "warnings": self.warnings,
            "browse": [link.to_dict() for link in self.browse],
            "errors": [group.to_dict(limit) for group in self.groups],
            "results": first["results"],
        }


def resolve_vendor(value: str | None, vendors: list[Vendor]) -> Vendor | None:
    """A vendor by slug, name or alias (case-insensitive); None for blank or unknown."""
    wanted = (value or "").strip().casefold()
    for vendor in vendors if wanted else []:
        if wanted in {vendor.slug, vendor.name.casefold(), *(a.casefold() for a in vendor.aliases)}:
            return vendor
    return None


def _document_frequencies(words: list[str]) -> dict[str, int]:
    return dict(SearchToken.objects.filter(token__in=words, entry_count__gt=0).values_list("token", "entry_count"))


def _typo_corrections(unknown: list[str]) -> dict[str, str]:
    if not unknown:
        return {}
    table = SearchToken._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT ON (q) q, t.token FROM unnest(%s::text[]) AS q "
            f"JOIN {table} t ON t.token %% q AND t.entry_count > 0 "
            "ORDER BY q, similarity(t.token, q) DESC, t.entry_count DESC",
            [unknown],
        )
        return dict(cursor.fetchall())


def _query_words(known: list[str], frequencies: dict[str, int]) -> tuple[list[str], list[str]]:
    """The rarest words within the row budget (each is an index look-up), and the common
    words over it (entries must hold all of them: an index intersection)."""
    by_rarity = sorted(set(known), key=lambda w: (frequencies[w], w))
    rare: list[str] = []
    rows = 0
    for word in by_rarity:
        if rows + frequencies[word] > ROW_BUDGET or len(rare) == MAX_QUERY_WORDS:
            break
        rare.append(word)
        rows += frequencies[word]
    common = [w for w in by_rarity if frequencies[w] > ROW_BUDGET][:MAX_ALL_WORDS]
    return rare, common


def _candidates_holding_all(words: list[str], vendor: Vendor | None) -> list[int]:
    """Entries holding as many of the common words as possible (all, then all but the
    most common, ...), shortest templates first: a short paste of common words."""
    for size in range(len(words), min(ALL_COMMON_WORDS, len(words)) - 1, -1):
        entries = Entry.objects.published().filter(search_tokens__contains=words[:size])
        if vendor:
            entries = entries.filter(vendor=vendor)
        ids = list(
            entries.annotate(size=Func(F("search_tokens"), function="cardinality"))
            .order_by("size", "id")
            .values_list("id", flat=True)[:CANDIDATES]
        )
        if ids:
            return ids
    return []


def _candidate_ids(rare: list[str], weights: dict[str, float], vendor: Vendor | None) -> list[int]:
    """Entries holding any of the rare words (GIN), ranked by the weight of all the
    paste's known words they hold, shorter templates first on ties."""
    if not rare:
        return []
    table = Entry._meta.db_table
    vendor_clause = "AND e.vendor_id = %s" if vendor else ""
    words = list(weights)
    params: list = [words, [weights[w] for w in words], rare, EntryStatus.PUBLISHED]
    if vendor:
        params.append(vendor.id)
    params.append(CANDIDATES)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH q(word, weight) AS (SELECT * FROM unnest(%s::text[], %s::float8[])) "
            f"SELECT e.id FROM {table} e "
            "WHERE e.search_tokens && %s::varchar(100)[] AND e.status = %s "
            f"{vendor_clause} "
            "ORDER BY (SELECT sum(q.weight) FROM q WHERE q.word = ANY(e.search_tokens)) DESC, "
            "cardinality(e.search_tokens), e.id LIMIT %s",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def _candidates(ids: list[int]) -> list[Candidate]:
    rows = Entry.objects.filter(id__in=ids).values_list(
        "id", "vendor__slug", "vendor__name", "title", "slug", "message", "variants", "is_generic"
    )
    return [Candidate(*row[:6], variants=tuple(row[6]), is_generic=row[7]) for row in rows]


def _vendor_names() -> tuple[list[Vendor], list[VendorNames]]:
    vendors = list(Vendor.objects.all())
    return vendors, [VendorNames(v.slug, (v.name, *v.aliases)) for v in vendors]


def search(text: str, vendor_value: str | None = None, *, max_chars: int, limit: int = 10) -> SearchResult:
    query = validate_query(text, max_chars)
    paste = normalize(query, max_chars)
    vendors, names = _vendor_names()
    hinted = resolve_vendor(vendor_value, vendors)
    warnings = []
    if vendor_value and vendor_value.strip() and hinted is None:
        warnings.append(f"Unknown vendor {vendor_value.strip()[:100]!r}: searched every vendor instead.")
    detected_slug = detect_vendor(paste, names)
    detected = next((v for v in vendors if v.slug == detected_slug), None)
    ranking = rank_paste(paste, hinted, detected, limit=limit)
    result = SearchResult(
        query=query,
        vendor=hinted or detected,
        detected_vendor=detected,
        groups=[ErrorGroup(count=1, ranking=ranking)],
        warnings=warnings,
    )
    result.browse = browse_links(paste, result)
    return result


# A paste this short is a status or a name typed alone, not a message.
BARE_PASTE_WORDS = 4


def browse_links(paste: Normalized, result: SearchResult) -> list[BrowseLink]:
    """Where to go on from a bare status, a vendor name, or a paste with no confident answer."""
    if result.confident and len(paste.words) > BARE_PASTE_WORDS:
        return []
    links: list[BrowseLink] = []
    vendor = result.vendor
    statuses = sorted({int(w) for w in paste.words if w.isdigit() and len(w) == 3 and 100 <= int(w) <= 599})
    if statuses:
        known = Entry.objects.published().filter(http_status__in=statuses)
        if vendor:
            known = known.filter(vendor=vendor)
        for status in sorted(set(known.values_list("http_status", flat=True))):
            params = {"http_status": status, **({"vendor": vendor.slug} if vendor else {})}
            label = f"{vendor.name} entries with HTTP {status}" if vendor else f"Entries with HTTP {status}"
            links.append(BrowseLink(label, f"{reverse('entry_list')}?{urlencode(params)}"))
    if vendor:
        links.append(BrowseLink(f"All {vendor.name} entries", vendor.get_absolute_url()))
    links.append(BrowseLink("Browse all entries", reverse("entry_list")))
    return links


def rank_paste(paste: Normalized, hinted: Vendor | None, detected: Vendor | None, *, limit: int) -> Ranking:
    distinct = list(dict.fromkeys(paste.words))[:MAX_DISTINCT_WORDS]
    frequencies = _document_frequencies(distinct)
    unknown = [w for w in distinct if w not in frequencies and len(w) >= 5 and w.isalpha()][:MAX_TYPO_WORDS]
    corrections = _typo_corrections(unknown) if len(distinct) <= TYPO_MAX_DISTINCT_WORDS else {}
    if corrections:
        frequencies.update(_document_frequencies(list(set(corrections.values()))))
    total = max(1, max(frequencies.values(), default=1), _published_count_estimate())
    weight = idf_weight(lambda w: frequencies.get(w, 0), total)
    known = [w for w in distinct if w in frequencies] + [c for c in corrections.values() if c not in distinct]
    rare, common = _query_words(known, frequencies)
    ranked_by = sorted(set(known), key=lambda w: (frequencies[w], w))[:MAX_RANKING_WORDS]
    weights = {w: weight(w) for w in ranked_by}
    ids: list[int] = []
    for vendor in [None, hinted] if hinted else [None]:
        found = _candidate_ids(rare, weights, vendor)
        if len(common) >= ALL_COMMON_WORDS:
            found += _candidates_holding_all(common, vendor)
        ids += [i for i in found if i not in ids]
    candidates = _candidates(ids)
    return rank(
        candidates,
        paste,
        weight,
        vendor_hint=hinted.slug if hinted else None,
        detected_vendor=detected.slug if detected else None,
        limit=limit,
    )


def _published_count_estimate() -> int:
    """Entries, from the planner's statistics (SearchToken.refresh analyses the table),
    so a search does not count(*) a large table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT GREATEST(reltuples::bigint, 0) FROM pg_class WHERE oid = %s::regclass",
            [Entry._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] else 1


def validate_query(text: str | None, max_chars: int) -> str:
    if text is None or not text.strip():
        raise SearchInputError("Paste an error message to search for.")
    if "\x00" in text:
        raise SearchInputError("The text contains NUL bytes; paste the error message as plain text.")
    if len(text) > max_chars:
        raise SearchInputError(
            f"The text is {len(text):,} characters long; the search reads at most {max_chars:,}. "
            "Paste just the error message."
        )
    return text.strip()
