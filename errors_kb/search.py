"""Paste search: retrieve candidates in PostgreSQL, verify and rank them in Python.

Retrieval weighs each word of the paste by how rare it is among published templates
(SearchToken), asks the GIN index on Entry.search_tokens for the entries holding the
rarest ones, and maps words the dictionary does not know to known words by trigram
similarity (typos). A few dozen candidates then go through the exact/fuzzy matcher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.urls import reverse
from django.utils.http import urlencode

from errors_kb import retrieval
from errors_kb.matching.normalize import Normalized, normalize
from errors_kb.matching.rank import Ranked, Ranking, VendorNames, detect_vendor, rank, vendor_name_words
from errors_kb.matching.scoring import idf_weight
from errors_kb.matching.segments import Line, find_occurrences, group_occurrences, split_lines
from errors_kb.matching.words import stem, typed_weights
from errors_kb.models import Entry, Vendor

TYPO_MAX_DISTINCT_WORDS = 60  # long pastes carry enough right words; typos matter in short ones
MAX_DISTINCT_WORDS = 3000
OWN_WORDS_MAX = 30  # a description in one's own words is short; longer text is a message


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
    first_line: int = 1

    def to_dict(self, limit: int) -> dict:
        return {
            "count": self.count,
            "confident": self.ranking.confident,
            "generic": self.ranking.generic,
            "shared_by": self.ranking.shared_vendors,
            "wrong_vendor_hint": self.ranking.wrong_hint,
            "results": [result_to_dict(r) for r in self.ranking.results[:limit]],
        }


@lru_cache(maxsize=4096)
def entry_url(vendor_slug: str, entry_slug: str) -> str:
    """reverse() of a permalink: a report's groups repeat the same few hundred times."""
    return reverse("entry_detail", args=[vendor_slug, entry_slug])


def result_to_dict(ranked: Ranked) -> dict:
    c = ranked.candidate
    return {
        "id": c.id,
        "url": entry_url(c.vendor_slug, c.slug),
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


def search(
    text: str,
    vendor_value: str | None = None,
    *,
    max_chars: int,
    limit: int = 10,
    vendors: list[Vendor] | None = None,
) -> SearchResult:
    """`vendors`: every vendor, when the caller has loaded them already (the page does)."""
    query = validate_query(text, max_chars)
    paste = normalize(query, max_chars)
    vendors = list(Vendor.objects.all()) if vendors is None else vendors
    names = [VendorNames(v.slug, (v.name, *v.aliases)) for v in vendors]
    hinted = resolve_vendor(vendor_value, vendors)
    warnings = []
    if vendor_value and vendor_value.strip() and hinted is None:
        warnings.append(f"Unknown vendor {vendor_value.strip()[:100]!r}: searched every vendor instead.")
    detected_slug = detect_vendor(paste, names)
    detected = next((v for v in vendors if v.slug == detected_slug), None)
    lines = split_lines(query)
    ranker = PasteRanker(paste, lines, hinted, detected, vendor_name_words(names), limit=limit)
    result = SearchResult(
        query=query,
        vendor=hinted or detected,
        detected_vendor=detected,
        groups=explain(ranker, paste, lines),
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


MAX_PROBED_LINES = 24  # distinct lines of a report that get a look-up of their own


class PasteRanker:
    """Ranks a paste, and each line or run of lines of it, from one retrieval.

    Two queries whatever the paste holds: the words' statistics (plus a typo look-up for
    short pastes), and one statement of probes: the whole paste, the hinted vendor, and each
    distinct line of a report."""

    def __init__(
        self,
        paste: Normalized,
        lines: list[Line],
        hinted: Vendor | None,
        detected: Vendor | None,
        vendor_words: set[str],
        *,
        limit: int,
    ):
        self.hinted, self.detected, self.vendor_words, self.limit = hinted, detected, vendor_words, limit
        # A report's line is normalised for its probe, its exact pass and its thorough pass: once.
        self._normalized: dict[str, Normalized] = {}
        self._whole: Ranking | None = None
        distinct = list(dict.fromkeys(paste.words))[:MAX_DISTINCT_WORDS]
        self.stats = stats = retrieval.word_statistics(distinct)
        short = len(distinct) <= TYPO_MAX_DISTINCT_WORDS
        self.corrections = retrieval.typo_corrections(distinct, stats) if short else {}
        self.weight = idf_weight(stats.template_frequency, stats.total)
        self.prose_weight = idf_weight(lambda w: stats.prose.get(stem(w), 0) + stats.template.get(w, 0), stats.total)
        words = self._corrected(distinct)
        probes = [retrieval.make_probe(words, stats, self.weight)]
        if hinted:
            probes.append(retrieval.make_probe(words, stats, self.weight, vendor=hinted))
        line_texts = list(dict.fromkeys(line.text for line in lines))[:MAX_PROBED_LINES] if len(lines) > 1 else []
        for text in line_texts:
            words = self._corrected(self._normalize(text).words)
            probes.append(
                retrieval.make_probe(
                    words,
                    stats,
                    self.weight,
                    budget=retrieval.LINE_ROW_BUDGET,
                    limit=retrieval.CANDIDATES_PER_LINE,
                    stems_limit=retrieval.STEMS_PER_LINE,
                    ranking_limit=retrieval.RANKING_WORDS_PER_LINE,
                )
            )
        found = retrieval.candidates(probes)
        self.whole_pool = list({c.id: c for pool in found[: 2 if hinted else 1] for c in pool}.values())
        self.line_pools = dict(zip(line_texts, found[len(probes) - len(line_texts) :], strict=True))
        self._rankings: dict[tuple[str, bool], Ranking] = {}

    def _corrected(self, words: list[str]) -> list[str]:
        return [self.corrections.get(w, w) for w in words]

    def _rank(self, candidates, paste: Normalized, *, own_words: bool, exact_only: bool = False) -> Ranking:
        words = self._corrected(paste.words)
        typed = typed_weights(words, self.prose_weight, self.vendor_words) if own_words else None
        return rank(
            candidates,
            paste,
            self.weight,
            vendor_hint=self.hinted.slug if self.hinted else None,
            detected_vendor=self.detected.slug if self.detected else None,
            typed=typed,
            limit=self.limit,
            exact_only=exact_only,
        )

    def whole(self, paste: Normalized) -> Ranking:
        if self._whole is None:
            self._whole = self._rank(self.whole_pool, paste, own_words=len(set(paste.words)) <= OWN_WORDS_MAX)
        return self._whole

    def piece(self, text: str, thorough: bool) -> Ranking:
        """A line, or lines joined, ranked against the candidates their lines found."""
        key = (text, thorough)
        if key not in self._rankings:
            # The lines' own candidates; for the cheap exact pass, the whole paste's too.
            pool = {c.id: c for line in text.split("\n") for c in self.line_pools.get(line, ())}
            if not thorough or not pool:
                pool |= {c.id: c for c in self.whole_pool}
            self._rankings[key] = self._rank(
                list(pool.values()), self._normalize(text), own_words=False, exact_only=not thorough
            )
        return self._rankings[key]

    def _normalize(self, text: str) -> Normalized:
        if text not in self._normalized:
            self._normalized[text] = normalize(text)
        return self._normalized[text]


def explain(ranker: PasteRanker, paste: Normalized, lines: list[Line]) -> list[ErrorGroup]:
    """One group per distinct error, in order of first appearance. A paste that is one error
    (or that no line of explains on its own) is ranked whole."""
    if len(lines) > 1:
        occurrences = find_occurrences(lines, ranker.piece)
        groups = group_occurrences(occurrences)
        # Ranking the whole paste costs a long report dearly: only to tell one message
        # wrapped over lines from one error found on a line.
        if (
            groups
            and any(o.ranking.results[0].match.exact for o in occurrences)
            and (len(groups) > 1 or not _one_exact_message(ranker.whole(paste)))
        ):
            return [
                ErrorGroup(count=g.count, ranking=g.ranking, first_line=g.occurrences[0].first_line) for g in groups
            ]
    return [ErrorGroup(count=1, ranking=ranker.whole(paste), first_line=lines[0].number if lines else 1)]


def _one_exact_message(ranking: Ranking) -> bool:
    return ranking.confident and ranking.results[0].match.exact


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
