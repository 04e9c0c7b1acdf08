"""Score one compiled template against one normalised paste.

Exact: every fixed segment of the template occurs in the paste, in order, with slots of
bounded size between them. Segments are found with str.find on a space-joined token
string, which is linear in the paste length; nothing is ever compiled from user text
or templates into a regular expression.

Fuzzy: for partial, mistyped or reworded pastes, a weighted F-measure of the template's
fixed words found in the paste (recall) and of the paste's words the template explains
(precision), where a word within one edit of another counts as found.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from errors_kb.matching.normalize import Normalized
from errors_kb.matching.templates import Slot, Template

MAX_SLOT_TOKENS = 40  # a filled-in slot longer than this is not the same message
TRAILING_SLOT_TOKENS = 20  # words each slot at the end of a message may take
MAX_FIRST_ANCHORS = 8  # occurrences of the first segment tried as a starting point
MIN_TYPO_LENGTH = 5
# Typos are looked for in words of ordinary length, and in a bounded number of them: a
# crafted paste of one 20,000-letter word or of thousands of distinct words would otherwise
# build a deletion neighbourhood of hundreds of megabytes.
MAX_TYPO_LENGTH = 40
MAX_TYPO_WORDS = 500
FRAGMENT_MAX_GAP = 3  # paste words allowed between two template words of one run
FRAGMENT_FULL_LENGTH = 8  # a run of this many template words is a fragment worth trusting
FRAGMENT_FACTOR = 0.9

Weight = Callable[[str], float]


@dataclass
class Match:
    exact: bool
    score: float
    params: dict[str, str] = field(default_factory=dict)
    covered: int = 0  # fixed tokens of the template found in order (exact) or at all (fuzzy)


class PreparedPaste:
    """A paste with the lookups every template comparison needs, built once per search."""

    def __init__(self, paste: Normalized):
        self.paste = paste
        self.words = paste.words
        self.joined = " " + " ".join(self.words) + " "
        # offsets[i]: where token i starts in `joined`; index_at inverts it
        self.offsets: list[int] = []
        offset = 1
        for word in self.words:
            self.offsets.append(offset)
            offset += len(word) + 1
        self.offsets.append(len(self.joined))
        self.index_at = {offset: i for i, offset in enumerate(self.offsets)}
        self.vocabulary = set(self.words)
        self._near: dict[str, str] | None = None
        self._typos: dict[str, str | None] = {}
        self._content_weight: tuple[Weight, float] | None = None
        self._positions: dict[str, list[int]] | None = None
        self._pairs: set[tuple[str, str]] | None = None

    def pairs(self) -> set[tuple[str, str]]:
        """Consecutive word pairs of the paste, built once per search."""
        if self._pairs is None:
            self._pairs = set(zip(self.words, self.words[1:], strict=False))
        return self._pairs

    def positions(self) -> dict[str, list[int]]:
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for index, word in enumerate(self.words):
                positions.setdefault(word, []).append(index)
            self._positions = positions
        return self._positions

    def content_weight(self, weight: Weight) -> float:
        if self._content_weight is None or self._content_weight[0] is not weight:
            self._content_weight = (weight, sum(weight(word) for word in _content_words(self.vocabulary)))
        return self._content_weight[1]

    def near_words(self) -> dict[str, str]:
        """Deletion neighbourhood of the paste's longer words (one edit away)."""
        if self._near is None:
            near: dict[str, str] = {}
            typo_words = [w for w in dict.fromkeys(self.words) if MIN_TYPO_LENGTH <= len(w) <= MAX_TYPO_LENGTH]
            for word in typo_words[:MAX_TYPO_WORDS]:
                if not word.isdigit():
                    for i in range(len(word)):
                        near.setdefault(word[:i] + word[i + 1 :], word)
                    near.setdefault(word, word)
            self._near = near
        return self._near

    def typo_of(self, word: str) -> str | None:
        """A paste word one edit (insertion, deletion, substitution, transposition) from `word`."""
        # Every candidate's template asks about its words: the same few hundred, again and again.
        try:
            return self._typos[word]
        except KeyError:
            found = self._typos[word] = self._find_typo(word)
            return found

    def _find_typo(self, word: str) -> str | None:
        if not MIN_TYPO_LENGTH <= len(word) <= MAX_TYPO_LENGTH or word.isdigit():
            return None
        near = self.near_words()
        if word in near:
            return near[word]
        for i in range(len(word)):
            found = near.get(word[:i] + word[i + 1 :])
            if found is not None:
                return found
        return None


def _find_segment(prepared: PreparedPaste, segment: tuple[str, ...], start_char: int) -> int:
    return _find_needle(prepared, " " + " ".join(segment) + " ", start_char)


def _find_needle(prepared: PreparedPaste, needle: str, start_char: int) -> int:
    position = prepared.joined.find(needle, start_char)
    return -1 if position < 0 else prepared.index_at[position + 1]


_OPENERS = {")": "(", "]": "["}


def _strip_start(value: str, affix: str) -> str:
    """`value` without the template's punctuation `affix` at its start, as far as the paste has it
    (whitespace anywhere ignored)."""
    i = 0
    for char in affix:
        if char.isspace():
            continue
        while i < len(value) and value[i].isspace():
            i += 1
        if i >= len(value) or value[i] != char:
            break
        i += 1
    return value[i:]


def _strip_end(value: str, affix: str) -> str:
    """`value` without the template's punctuation `affix` at its end; a closing bracket the
    value opened stays ("1021.2.004 (ALG 1)", "utf8 [EID_50011876]")."""
    end = len(value)
    for char in reversed(affix):
        if char.isspace():
            continue
        while end > 0 and value[end - 1].isspace():
            end -= 1
        if end == 0 or value[end - 1] != char:
            break
        opener = _OPENERS.get(char)
        if opener and value.count(opener, 0, end) > value.count(char, 0, end - 1):
            break
        end -= 1
    return value[:end]


def _tidy(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    if any(char.isalnum() for char in value):
        # a value with words keeps no quotes or sentence punctuation around it ("Homework",)
        value = value.strip(" \"'.,;:")
    return value


def _gap_values(raw: str, slots: tuple[Slot, ...]) -> list[str]:
    """The values of a gap's slots: its text without the template's punctuation around
    them, split where the template has punctuation between two slots ("/[id]/[id]")."""
    text = _strip_end(_strip_start(raw, slots[0].before), slots[-1].after)
    values = []
    for slot in slots[:-1]:
        # the separator as the paste has it after cleaning: " - " (not the "-" inside a UUID), "/"
        core = " ".join(slot.after.split()) or " "
        separator = (" " if slot.after[:1].isspace() else "") + core + (" " if slot.after[-1:].isspace() else "")
        position = (text + " ").find(separator)  # a separator may end the text: "<id> -"
        if position < 0:
            values.append(text)
            text = ""
        else:
            values.append(text[:position])
            text = text[position + len(separator) :]
    values.append(text)
    return [_tidy(value) for value in values]


def exact_match(template: Template, prepared: PreparedPaste) -> Match | None:
    if not template.segments:
        return None
    words = prepared.words
    first = template.segments[0]
    needles = template.needles
    search_from = 0
    for _ in range(MAX_FIRST_ANCHORS):
        anchor = _find_needle(prepared, needles[0], search_from)
        if anchor < 0:
            return None
        bounds = [(anchor, anchor + len(first))]
        cursor = anchor + len(first)
        ok = True
        for segment, needle in zip(template.segments[1:], needles[1:], strict=True):
            position = _find_needle(prepared, needle, prepared.offsets[cursor] - 1)
            if position < 0:
                return None
            if position - cursor > MAX_SLOT_TOKENS:
                ok = False
                break
            bounds.append((position, position + len(segment)))
            cursor = position + len(segment)
        if ok:
            params = _params(template, prepared.paste, bounds, len(words))
            if template.has_trailing_slot and template.gaps[-1][-1].name not in params:
                # a message that ends in a value ends with one: without it the paste is cut short
                # ("ASSIGNMENT_SCORES_EXPORT - <id> -" on a line of its own, the text on the next)
                return None
            return Match(exact=True, score=1.0, params=params, covered=len(template.fixed_tokens))
        search_from = prepared.offsets[anchor + 1] - 1
    return None


def _params(template: Template, paste: Normalized, bounds: list[tuple[int, int]], total: int) -> dict[str, str]:
    """Slot values: the paste's text between the fixed segments found, by character, so
    that punctuation in a value survives ("A+", "-5", "}")."""
    tokens, display = paste.tokens, paste.display
    params: dict[str, str] = {}
    last_gap = len(template.gaps) - 1
    for index, gap in enumerate(template.gaps):
        if not gap:
            continue
        if index == 0:
            first = bounds[0][0]
            lowest = max(0, first - MAX_SLOT_TOKENS)
            start, end = (tokens[lowest - 1].end if lowest else 0), tokens[first].start
        elif index == last_gap:
            after = bounds[-1][1]
            stop = min(total, after + TRAILING_SLOT_TOKENS * len(gap))
            start, end = tokens[after - 1].end, (tokens[stop].start if stop < total else len(display))
        else:
            start, end = tokens[bounds[index - 1][1] - 1].end, tokens[bounds[index][0]].start
        values = _gap_values(display[start:end], gap)
        if index == 0 and " - " in values[0]:
            values[0] = values[0].split(" - ")[-1]  # "Sync failed - <value> text": the part next to the message
        for slot, value in zip(gap, values, strict=True):
            if value:
                params[slot.name] = value[:200]
    return params


def fuzzy_match(template: Template, prepared: PreparedPaste, weight: Weight) -> Match:
    fixed = template.fixed_tokens
    if not fixed or not prepared.words:
        return Match(exact=False, score=0.0)
    found_weight = total_weight = 0.0
    explained: set[str] = set()
    covered = 0
    in_paste: dict[str, str] = {}  # template word -> the paste word standing for it
    for word in set(fixed):
        w = weight(word)
        total_weight += w
        if word in prepared.vocabulary:
            found_weight += w
            explained.add(word)
            in_paste[word] = word
            covered += 1
        else:
            typo = prepared.typo_of(word)
            if typo is not None:
                found_weight += 0.8 * w
                explained.add(typo)
                in_paste[word] = typo
                covered += 1
    if found_weight == 0:
        return Match(exact=False, score=0.0)
    recall = found_weight / total_weight
    paste_weight = prepared.content_weight(weight)
    explained_weight = sum(weight(word) for word in _content_words(explained))
    precision = explained_weight / paste_weight if paste_weight else 0.0
    # Recall counts more: a paste with a sentence of its own around the message is common.
    beta2 = 1.5
    score = (1 + beta2) * precision * recall / (beta2 * precision + recall) if precision + recall else 0.0
    order = _order_bonus(fixed, prepared.pairs())
    score = score * (0.85 + 0.15 * order)
    fragment = _fragment_score(fixed, in_paste, prepared, weight, paste_weight)
    return Match(exact=False, score=min(0.95, max(score, fragment)), covered=covered)


def _fragment_score(
    fixed: tuple[str, ...], in_paste: dict[str, str], prepared: PreparedPaste, weight: Weight, paste_weight: float
) -> float:
    """A paste that is a piece of the message (often its first line): the longest run of
    template words found in the same order, scored by how much of the paste it explains
    and how long it is."""
    if not paste_weight:
        return 0.0
    positions = prepared.positions()
    best_weight, best_count = 0.0, 0
    run_weight, run_count, last = 0.0, 0, -1
    for word in fixed:
        spots = positions.get(in_paste.get(word, ""), ())
        after = bisect_right(spots, last) if run_count else 0
        if run_count and after < len(spots) and spots[after] - last <= FRAGMENT_MAX_GAP:
            last = spots[after]
            run_weight += weight(word)
            run_count += 1
        elif spots:
            last, run_weight, run_count = spots[0], weight(word), 1
        else:
            run_weight, run_count, last = 0.0, 0, -1
        if run_weight > best_weight:
            best_weight, best_count = run_weight, run_count
    explained = min(1.0, best_weight / paste_weight)
    return FRAGMENT_FACTOR * explained * min(1.0, best_count / FRAGMENT_FULL_LENGTH)


def _content_words(words: Iterable[str]) -> Iterable[str]:
    """Words that carry meaning: no bare numbers or long hex ids, which are slot values."""
    for word in words:
        if word.isdigit() or (len(word) >= 8 and all(c in "0123456789abcdef" for c in word)):
            continue
        yield word


def _order_bonus(fixed: tuple[str, ...], pairs: set[tuple[str, str]]) -> float:
    """Share of consecutive fixed-word pairs that also follow each other in the paste."""
    if len(fixed) < 2:
        return 1.0
    hits = sum(1 for pair in zip(fixed, fixed[1:], strict=False) if pair in pairs)
    return hits / (len(fixed) - 1)


def idf_weight(document_frequency: Callable[[str], int], total_documents: int) -> Weight:
    known: dict[str, float] = {}  # a search weighs the same few hundred words many times

    def weight(word: str) -> float:
        if word not in known:
            known[word] = math.log((total_documents + 1) / (document_frequency(word) + 0.5)) + 0.1
        return known[word]

    return weight
