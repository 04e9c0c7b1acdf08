"""What an entry contributes to retrieval: its templates and their distinct words."""

from __future__ import annotations

from errors_kb.matching.normalize import normalize
from errors_kb.matching.templates import compile_template
from errors_kb.matching.words import stems

MAX_TOKEN_LENGTH = 100


def entry_search_tokens(title: str, message: str, variants: list[str], phrases: list[str] = ()) -> list[str]:
    """Words of what the entry is called and says: its title, templates and curator phrases."""
    words: set[str] = set(normalize(title).words)
    for phrase in phrases:
        words.update(normalize(phrase).words)
    for text in [message, *variants]:
        words.update(compile_template(text).fixed_tokens)
    return sorted(word for word in words if len(word) <= MAX_TOKEN_LENGTH)


def entry_content_tokens(texts: list[str]) -> list[str]:
    """Distinct stems of the prose an entry is described by (meanings, steps, topics, phrases),
    so that "deleted" typed by a teacher meets "delete" in a step."""
    words: set[str] = set()
    for text in texts:
        words.update(normalize(text).words)
    return sorted(stem for stem in stems(words) if len(stem) <= MAX_TOKEN_LENGTH)
