"""Rank candidate entries for a paste, decide confidence, recognise the vendor.

Plain Python: candidates come in as `Candidate` values, whatever retrieved them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from errors_kb.matching.generic import is_bare_http_status
from errors_kb.matching.normalize import Normalized, normalize
from errors_kb.matching.scoring import Match, PreparedPaste, Weight, exact_match, fuzzy_match
from errors_kb.matching.templates import compile_template

# Calibrated on the development cases and the per-entry tests (see `make bench`):
# a fuzzy best match under this score, or too close to a different message, is not
# confident.
CONFIDENT_FUZZY_SCORE = 0.55
CONFIDENT_MARGIN = 0.04
SUGGESTION_MIN_SCORE = 0.12
HINT_BONUS = 0.5
DETECTED_BONUS = 0.03
TITLE_FACTOR = 0.9
# Vendor names too generic to say which vendor a paste comes from.
GENERIC_NAMES = {"canvas", "q", "campus", "api", "lms", "sis", "focus"}


@dataclass(frozen=True)
class Candidate:
    id: int
    vendor_slug: str
    vendor_name: str
    title: str
    slug: str
    message: str
    variants: tuple[str, ...] = ()
    is_generic: bool = False  # countless systems emit this message: alone it names no system


@dataclass
class Ranked:
    candidate: Candidate
    match: Match
    score: float  # shown to users: the match quality, 0..1
    sort_key: float = 0.0  # score plus vendor preference

    @property
    def kind(self) -> str:
        return "exact" if self.match.exact else "fuzzy"


@dataclass
class Ranking:
    results: list[Ranked]
    confident: bool
    detected_vendor: str | None
    shared_vendors: list[str] = field(default_factory=list)  # one message, several SIS, none named
    generic: bool = False  # the best match is a message countless systems emit, and nothing says which
    wrong_hint: str | None = None  # the vendor whose exact message this is, when another was picked


@dataclass(frozen=True)
class VendorNames:
    slug: str
    names: tuple[str, ...]  # the name and aliases


def detect_vendor(paste: Normalized, vendors: Iterable[VendorNames]) -> str | None:
    """The vendor the text names most often (by name or alias), or None."""
    prepared = " " + " ".join(paste.words) + " "
    best, best_count = None, 0
    for vendor in vendors:
        count = 0
        for name in vendor.names:
            needle = " ".join(normalize(name).words)
            if not needle or needle in GENERIC_NAMES:
                continue
            count += prepared.count(" " + needle + " ")
        if count > best_count:
            best, best_count = vendor.slug, count
    return best


def score_candidate(candidate: Candidate, prepared: PreparedPaste, weight: Weight) -> Match:
    best: Match | None = None
    for text in (candidate.message, *candidate.variants):
        template = compile_template(text)
        match = exact_match(template, prepared)
        if match is not None:
            coverage = len(template.fixed_tokens) / max(1, len(prepared.words))
            match.score = 0.9 + 0.1 * min(1.0, coverage)
        else:
            match = fuzzy_match(template, prepared, weight)
        if best is None or (match.exact, match.score) > (best.exact, best.score):
            best = match
    title_match = fuzzy_match(compile_template(candidate.title), prepared, weight)
    title_match.score *= TITLE_FACTOR
    if not best.exact and title_match.score > best.score:
        best = title_match
    return best


def rank(
    candidates: Iterable[Candidate],
    paste: Normalized,
    weight: Weight,
    *,
    vendor_hint: str | None = None,
    detected_vendor: str | None = None,
    limit: int = 10,
) -> Ranking:
    prepared = PreparedPaste(paste)
    ranked: list[Ranked] = []
    for candidate in candidates:
        match = score_candidate(candidate, prepared, weight)
        if match.score <= 0:
            continue
        bonus = 0.0
        if vendor_hint and candidate.vendor_slug == vendor_hint:
            bonus = HINT_BONUS
        elif not vendor_hint and detected_vendor and candidate.vendor_slug == detected_vendor:
            bonus = DETECTED_BONUS
        ranked.append(Ranked(candidate, match, round(match.score, 3), sort_key=match.score + bonus))
    ranked.sort(key=lambda r: (-r.sort_key, -r.match.covered, r.candidate.vendor_name, r.candidate.title))
    ranked = [r for r in ranked if r.match.exact or r.score >= SUGGESTION_MIN_SCORE]

    # A bare status line ("401 Unauthorized") or a generic message could come from any system:
    # only a vendor picked or named in the paste says which.
    generic = (
        bool(ranked)
        and not vendor_hint
        and (is_bare_http_status(paste) or (ranked[0].candidate.is_generic and not detected_vendor))
    )
    confident = _is_confident(ranked, vendor_hint) and not generic
    shared = _shared_vendors(ranked, vendor_hint, detected_vendor)
    return Ranking(
        results=ranked[:limit],
        confident=confident,
        detected_vendor=detected_vendor,
        shared_vendors=[] if generic else shared,
        generic=generic,
    )


def _same_message(a: Ranked, b: Ranked) -> bool:
    return compile_template(a.candidate.message).fixed_tokens == compile_template(b.candidate.message).fixed_tokens


def _is_confident(ranked: list[Ranked], vendor_hint: str | None) -> bool:
    if not ranked:
        return False
    top = ranked[0]
    if vendor_hint and top.candidate.vendor_slug != vendor_hint:
        return False
    if top.match.exact:
        return True
    if top.score < CONFIDENT_FUZZY_SCORE:
        return False
    rival = next((r for r in ranked[1:] if not _same_message(r, top)), None)
    return rival is None or top.sort_key - rival.sort_key >= CONFIDENT_MARGIN


def _shared_vendors(ranked: list[Ranked], vendor_hint: str | None, detected_vendor: str | None) -> list[str]:
    if not ranked or vendor_hint:
        return []
    top = ranked[0]
    twins = [r for r in ranked if abs(r.sort_key - top.sort_key) < 1e-9 and _same_message(r, top)]
    vendors = sorted({r.candidate.vendor_slug for r in twins})
    if len(vendors) < 2 or (detected_vendor and detected_vendor in vendors):
        return []
    return vendors
