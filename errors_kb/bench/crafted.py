"""Worst-case pastes at the search's length cap, built in code (no database needed).

Each is exactly `max_chars` long, the most the search accepts: one giant word (alone, and
after a real message, which brings candidates to compare it with); thousands of distinct
words; one message repeated hundreds of times; many lines of near-messages (real messages
with a typo and a word dropped); and real messages run together on one line.
An ordinary one-line paste is the baseline their cost is compared with.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from pathlib import Path

from errors_kb.bench.cases import load_entry_pastes

ORDINARY = 'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1)'

# Used when tests/data/pastes/ is missing: real messages of the dictionary, filled in.
_FALLBACK_MESSAGES = [
    ORDINARY,
    "Student 448120 was not enrolled in Section for Assignment 77120",
    "Assignment 20931.448120 is in a locked Grading Period or is outside the Grading Periods used by the Section.",
    'HTTP response HTTP/1.1 409 Conflict response: {"message":"Score entry points is required.","errors":[]}',
    "Not a valid Score (12). Must be 0 to double Max Score (10)",
    "Grading Category missing for assignment Warm-up 3",
]


@dataclass(frozen=True)
class CraftedPaste:
    name: str
    text: str
    what: str

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1

    @property
    def words(self) -> int:
        return len(self.text.split())


def sample_messages(pastes_dir: Path | None) -> list[str]:
    """One-line real pastes: the hand-written per-entry pastes, or a built-in few."""
    texts = [" ".join(p.text.split()) for p in load_entry_pastes(pastes_dir)] if pastes_dir else []
    texts = [t for t in texts if 20 <= len(t) <= 400]
    return texts or list(_FALLBACK_MESSAGES)


def _fit(text: str, max_chars: int) -> str:
    """Exactly `max_chars` characters, no whitespace at either end (the search strips it)."""
    while len(text) < max_chars:
        text += text
    text = text[:max_chars]
    return text[:-1] + "x" if text[-1].isspace() else text


def _word(rng: random.Random, low: int = 3, high: int = 10) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(low, high)))


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice(
        [word[:i] + word[i + 1 :], word[:i] + word[i + 1] + word[i] + word[i + 2 :], word[:i] + "x" + word[i + 1 :]]
    )


def _near(message: str, rng: random.Random) -> str:
    words = message.split()
    long_ones = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if long_ones:
        i = rng.choice(long_ones)
        words[i] = _typo(words[i], rng)
    if len(words) > 4:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def crafted_pastes(max_chars: int, pastes_dir: Path | None = None, seed: int = 9) -> list[CraftedPaste]:
    rng = random.Random(seed)
    messages = sample_messages(pastes_dir)

    giant = "".join(rng.choice(string.ascii_lowercase) for _ in range(max_chars))

    distinct: list[str] = []
    seen: set[str] = set()
    size = 0
    while size < max_chars:
        word = _word(rng)
        if word not in seen:
            seen.add(word)
            distinct.append(word)
            size += len(word) + 1

    short = next((m for m in messages if 40 <= len(m) <= 90), messages[0])  # hundreds of copies fit
    repeated = "\n".join([short] * (max_chars // (len(short) + 1) + 1))

    near, size = [], 0
    while size < max_chars:
        line = _near(rng.choice(messages), rng)
        near.append(line)
        size += len(line) + 1

    one_line, size = [], 0
    while size < max_chars:
        line = rng.choice(messages)
        one_line.append(line)
        size += len(line) + 1

    return [
        CraftedPaste("giant_word", _fit(giant, max_chars), "one word of random letters"),
        CraftedPaste(
            "message_giant_word",
            _fit(f"{messages[0]} {giant}", max_chars),
            "a real message, then one giant word (candidates found, so the word is compared)",
        ),
        CraftedPaste("distinct_words", _fit(" ".join(distinct), max_chars), "thousands of distinct random words"),
        CraftedPaste("repeated_message", _fit(repeated, max_chars), "one real message on hundreds of lines"),
        CraftedPaste(
            "near_messages", _fit("\n".join(near), max_chars), "lines of real messages, a typo and a word dropped"
        ),
        CraftedPaste(
            "one_line_messages", _fit(" ".join(one_line), max_chars), "real messages run together on one line"
        ),
    ]
