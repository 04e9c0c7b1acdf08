"""Rank candidate entries for a paste, decide confidence, recognise the vendor.

Plain Python: candidates come in as `Candidate` values, whatever retrieved them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from errors_kb.matching.fragments import fragment_match, fragment_params
from errors_kb.matching.generic import is_bare_http_status
from errors_kb.matching.normalize import Normalized, normalize
from errors_kb.matching.scoring import Match, PreparedPaste, Weight, exact_match, fuzzy_match
from errors_kb.matching.templates import compile_template
from errors_kb.matching.words import words_score

# Calibrated on the development cases and the per-entry tests (see `make bench`):
# a fuzzy best match under this score, or too close to a different message, is not
# confident.
CONFIDENT_FUZZY_SCORE = 0.55
CONFIDENT_MARGIN = 0.04
SUGGESTION_MIN_SCORE = 0.12
HINT_BONUS = 0.5
DETECTED_BONUS = 0.03
TITLE_FACTOR = 0.9
# A piece of a message (a first line) that explains the whole paste with this many of the
# template's words in order is as good as the message: it pins the entry.
FRAGMENT_MIN_WORDS = 5
FRAGMENT_MIN_EXPLAINED = 0.8
FRAGMENT_MAX_PASTE_WORDS = 80  # longer pastes are whole messages or reports
# A code alone ("RESTEASY003210", "TeacherCategoryID"): a word no ordinary text holds.
CODE_MAX_PASTE_WORDS = 3
CODE_MIN_LENGTH = 8
CODE_SCORE = 0.8
# Own words: the share of the typed words an entry's whole text explains, scaled so that a
# message match of the same quality still ranks first.
WORDS_FACTOR = 0.7
WORDS_MIN_FOUND = 2
WORDS_CONFIDENT_SCORE = 0.3
WORDS_MARGIN = 0.15
WORDS_UNSTEERED_SCORE = 0.5
WORDS_UNSTEERED_MARGIN = 0.3
# An entry with a long text explains any few words: its share is discounted by its length
# against the other candidates' (BM25's length normalisation).
WORDS_LENGTH_B = 0.3
# Vendor names too generic to say which vendor a paste comes from.
GENERIC_NAMES = {"canvas", "q", "campus", "api", "lms", "sis", "focus"}
# ... except in a few typed words ("focus cannot find due date"), where a name that is also an
# English word is far more likely the vendor than the word.
SHORT_TEXT_NAMES = {"focus"}
SHORT_TEXT_WORDS = 12


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
    core: frozenset[str] = frozenset()  # stems of what the entry is called and says: title, message, phrases
    prose: frozenset[str] = frozenset()  # stems of how it is explained: meanings, steps, topics


@dataclass
class Ranked:
    candidate: Candidate
    match: Match
    score: float  # shown to users: the match quality, 0..1
    sort_key: float = 0.0  # score plus vendor preference
    basis: str = "fuzzy"  # what found it: exact, fragment, code, words, fuzzy

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
            short_text = len(paste.words) <= SHORT_TEXT_WORDS and needle in SHORT_TEXT_NAMES
            if not needle or (needle in GENERIC_NAMES and not short_text):
                continue
            count += prepared.count(" " + needle + " ")
        if count > best_count:
            best, best_count = vendor.slug, count
    return best


def _is_code(word: str, display: str) -> bool:
    """An error code or identifier: long, and with digits, underscores or inner capitals."""
    if len(word) < CODE_MIN_LENGTH or word.isdigit():
        return False
    return any(c.isdigit() for c in word) or "_" in word or any(c.isupper() for c in display[1:])


def vendor_name_words(vendors: Iterable[VendorNames]) -> set[str]:
    """Words of vendor names and aliases: they steer the ranking, they do not describe a problem."""
    return {word for vendor in vendors for name in vendor.names for word in normalize(name).words}


def best_exact(candidate: Candidate, prepared: PreparedPaste) -> Match | None:
    """The candidate's best exact template match (message or variant, most fixed words), or None."""
    best = None
    for text in (candidate.message, *candidate.variants):
        template = compile_template(text)
        # Most candidates of a report's line lack its first fixed part: skip them cheaply.
        if not template.needles or template.needles[0] not in prepared.joined:
            continue
        match = exact_match(template, prepared)
        if match is not None:
            match.score = 0.9 + 0.1 * min(1.0, len(template.fixed_tokens) / max(1, len(prepared.words)))
            if best is None or match.score > best.score:
                best = match
    return best


def score_candidate(candidate: Candidate, prepared: PreparedPaste, weight: Weight) -> tuple[Match, str]:
    best: Match | None = None
    templates = [compile_template(text) for text in (candidate.message, *candidate.variants)]
    for template in templates:
        match = exact_match(template, prepared)
        if match is not None:
            coverage = len(template.fixed_tokens) / max(1, len(prepared.words))
            match.score = 0.9 + 0.1 * min(1.0, coverage)
        else:
            match = fuzzy_match(template, prepared, weight)
        if best is None or (match.exact, match.score) > (best.exact, best.score):
            best = match
    if best.exact:
        return best, "exact"
    basis = "fuzzy"
    title_match = fuzzy_match(compile_template(candidate.title), prepared, weight)
    title_match.score *= TITLE_FACTOR
    if title_match.score > best.score:
        best = title_match
    # A fragment needs FRAGMENT_MIN_WORDS of the template's words: the fuzzy match counted them.
    if len(prepared.words) <= FRAGMENT_MAX_PASTE_WORDS and best.covered >= FRAGMENT_MIN_WORDS:
        for template in templates:
            fragment = fragment_match(template, prepared)
            if (
                fragment
                and fragment.fixed_found >= FRAGMENT_MIN_WORDS
                and fragment.explained_share >= FRAGMENT_MIN_EXPLAINED
            ):
                score = (0.7 + 0.2 * min(1.0, fragment.fixed_found / 12)) * fragment.explained_share
                if basis != "fragment" or score > best.score:
                    # A piece of the message explains the paste: it is the evidence, with its values.
                    params = fragment_params(template, prepared, fragment)
                    best = Match(exact=False, score=max(score, best.score), params=params, covered=fragment.fixed_found)
                    basis = "fragment"
    return best, basis


def _code_score(candidate: Candidate, paste: Normalized) -> float:
    tokens = paste.tokens
    if not 1 <= len(tokens) <= CODE_MAX_PASTE_WORDS:
        return 0.0
    fixed = {word for text in (candidate.message, *candidate.variants) for word in compile_template(text).fixed_tokens}
    for token in tokens:
        if token.text in fixed and _is_code(token.text, paste.display[token.start : token.end]):
            return CODE_SCORE
    return 0.0


def rank(
    candidates: Iterable[Candidate],
    paste: Normalized,
    weight: Weight,
    *,
    vendor_hint: str | None = None,
    detected_vendor: str | None = None,
    typed: dict[str, float] | None = None,
    limit: int = 10,
    exact_only: bool = False,
) -> Ranking:
    """`typed`: the paste's own-word stems and their weights (vendor names left out)."""
    prepared = PreparedPaste(paste)
    steer = vendor_hint or detected_vendor
    ranked: list[Ranked] = []
    candidates = list(candidates)
    mean_vocabulary = sum(len(c.core) + len(c.prose) for c in candidates) / max(1, len(candidates))
    for candidate in candidates:
        if exact_only:
            match = best_exact(candidate, prepared)
            if match is None:
                continue
            basis = "exact"
        else:
            match, basis = score_candidate(candidate, prepared, weight)
        if not match.exact:
            code = _code_score(candidate, paste)
            if code > match.score:
                match, basis = Match(exact=False, score=code, covered=1), "code"
            if typed and candidate.core:
                share, found = words_score(typed, candidate.core, candidate.prose)
                size = len(candidate.core) + len(candidate.prose)
                length = 1 - WORDS_LENGTH_B + WORDS_LENGTH_B * mean_vocabulary / size
                score = WORDS_FACTOR * share * min(1.0, length)
                # Own words decide only where the message itself gave no good match.
                if (
                    found >= min(WORDS_MIN_FOUND, len(typed))
                    and match.score < CONFIDENT_FUZZY_SCORE
                    and score > match.score
                ):
                    match, basis = Match(exact=False, score=score, covered=found), "words"
        if match.score <= 0:
            continue
        bonus = 0.0
        if steer and candidate.vendor_slug == steer:
            # A vendor picked, or named in the text, steers the ranking (but see below).
            bonus = HINT_BONUS
        ranked.append(Ranked(candidate, match, round(match.score, 3), sort_key=match.score + bonus, basis=basis))
    exact_elsewhere = _promote_exact_over_steer(ranked, steer)
    wrong_hint = exact_elsewhere if vendor_hint else None
    ranked.sort(key=lambda r: (-r.sort_key, -r.match.covered, r.candidate.vendor_name, r.candidate.title))
    ranked = [r for r in ranked if r.match.exact or r.score >= SUGGESTION_MIN_SCORE]

    # A bare status line ("401 Unauthorized") or a generic message could come from any system:
    # only a vendor picked or named in the paste says which.
    generic = (
        bool(ranked)
        and not vendor_hint
        and (is_bare_http_status(paste) or (ranked[0].candidate.is_generic and not detected_vendor))
    )
    confident = _is_confident(ranked, wrong_hint or vendor_hint, steered=bool(steer)) and not generic
    shared = _shared_vendors(ranked, vendor_hint, detected_vendor)
    return Ranking(
        results=ranked[:limit],
        confident=confident,
        detected_vendor=detected_vendor,
        shared_vendors=[] if generic else shared,
        generic=generic,
        wrong_hint=wrong_hint,
    )


def _promote_exact_over_steer(ranked: list[Ranked], steer: str | None) -> str | None:
    """When the vendor picked or named has no exact match but another vendor's message matches
    word for word (and is not generic), that vendor's entry is the answer: return its slug."""
    if not steer or any(r.match.exact and r.candidate.vendor_slug == steer for r in ranked):
        return None
    exact = [r for r in ranked if r.match.exact and not r.candidate.is_generic]
    if not exact:
        return None
    best = max(exact, key=lambda r: (r.score, r.match.covered))
    if len({r.candidate.vendor_slug for r in exact if _same_message(r, best)}) > 1:
        return None  # the message is shared: the pick cannot be wrong by it
    best.sort_key = max(r.sort_key for r in ranked) + 0.01
    return best.candidate.vendor_slug


def _same_message(a: Ranked, b: Ranked) -> bool:
    return compile_template(a.candidate.message).fixed_tokens == compile_template(b.candidate.message).fixed_tokens


def _is_confident(ranked: list[Ranked], vendor_hint: str | None, steered: bool = False) -> bool:
    if not ranked:
        return False
    top = ranked[0]
    if vendor_hint and top.candidate.vendor_slug != vendor_hint:
        return False
    if top.match.exact:
        return True
    if top.score < (WORDS_CONFIDENT_SCORE if top.basis == "words" else CONFIDENT_FUZZY_SCORE):
        return False
    rival = next((r for r in ranked[1:] if not _same_message(r, top)), None)
    if top.basis == "words" and not steered and top.score < WORDS_UNSTEERED_SCORE:
        return False  # own words that name no system suggest, unless they pin one entry by far
    margin = (WORDS_MARGIN if steered else WORDS_UNSTEERED_MARGIN) if top.basis == "words" else CONFIDENT_MARGIN
    return rival is None or top.sort_key - rival.sort_key >= margin


def _shared_vendors(ranked: list[Ranked], vendor_hint: str | None, detected_vendor: str | None) -> list[str]:
    if not ranked or vendor_hint:
        return []
    top = ranked[0]
    twins = [r for r in ranked if abs(r.sort_key - top.sort_key) < 1e-9 and _same_message(r, top)]
    vendors = sorted({r.candidate.vendor_slug for r in twins})
    if len(vendors) < 2 or (detected_vendor and detected_vendor in vendors):
        return []
    return vendors
