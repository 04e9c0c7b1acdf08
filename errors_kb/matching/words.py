"""Own words: how much of what a person typed an entry's whole text explains.

A teacher types "skyward assignment marked deleted teacher restore", not the message.
Each entry is described by the words of its title, message, meanings, steps, topics and
curator-kept phrases; a typed word counts when the entry holds it or a word of the same
stem. The score is the share of the typed words' weight (rare words weigh more) that the
entry explains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

# Suffixes people and documents swap freely: "deleted"/"deleting"/"delete", "scores"/"score".
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly")
_MIN_STEM = 4
PROSE_SHARE = 0.5


@lru_cache(maxsize=100_000)  # every candidate's words are stemmed on every search
def stem(word: str) -> str:
    if word.isdigit() or len(word) <= _MIN_STEM:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > _MIN_STEM else word


def stems(words: Iterable[str]) -> set[str]:
    return {stem(word) for word in words}


def words_score(typed: dict[str, float], core: frozenset[str], prose: frozenset[str]) -> tuple[float, int]:
    """(share of the typed weight the entry explains, how many typed stems it holds).

    `typed` maps each typed stem to its weight. A stem in the entry's `core` (title, message,
    phrases) counts fully; one only in its `prose` (meanings, steps, topics) counts half:
    a long explanation mentions many things the error is not about."""
    total = sum(typed.values())
    if not total:
        return 0.0, 0
    explained = found = 0
    for typed_stem, weight in typed.items():
        if typed_stem in core:
            explained, found = explained + weight, found + 1
        elif typed_stem in prose:
            explained, found = explained + PROSE_SHARE * weight, found + 1
    return explained / total, found


def typed_weights(words: Iterable[str], weight: Callable[[str], float], ignore: set[str]) -> dict[str, float]:
    """Typed stems with the weight of their rarest spelling; vendor names and numbers left out."""
    weights: dict[str, float] = {}
    for word in words:
        if word in ignore or word.isdigit():
            continue
        key = stem(word)
        weights[key] = max(weights.get(key, 0.0), weight(word))
    return weights
