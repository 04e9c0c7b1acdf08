"""Turn a raw paste (or a template) into comparable tokens, keeping where each came from.

Everything here is linear in the text length and uses only fixed regular expressions.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple
from urllib.parse import unquote_plus

# Characters NFKC leaves alone but people (and word processors) swap freely.
_LOOKALIKES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\u00ad": "",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# A line break or tab written as an escape in JSON ("list:\\nsubmission_types"): a paste may
# carry it as written or as a real line break, so both read as a space.
_ESCAPED_BREAK = re.compile(r"\\[nrt]")
_TOKEN = re.compile(r"[^\W_]+(?:_[^\W_]+)*", re.UNICODE)


class Token(NamedTuple):
    # A tuple, not a frozen dataclass: a 20,000-character paste makes thousands of them,
    # and a frozen dataclass's __init__ cost a quarter of such a search.
    text: str  # case-folded, what comparisons use
    start: int  # offsets into Normalized.display
    end: int


@dataclass(frozen=True)
class Normalized:
    display: str  # cleaned text with its original case, for slot values

    @cached_property
    def words(self) -> tuple[str, ...]:
        # Read many times per search (once per candidate ranked): computed once, immutable.
        return tuple(map(str.casefold, _TOKEN.findall(self.display)))

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        # Where each word came from: only slot values need it, so a report's lines that match
        # nothing never build them.
        return tokenize(self.display)


def _looks_url_encoded(text: str) -> bool:
    escapes = len(_PERCENT_ESCAPE.findall(text))
    return escapes >= 2 or (escapes >= 1 and " " not in text.strip())


def clean(text: str, max_chars: int | None = None) -> str:
    """NFKC, entities, URL-encoding, quotes and dashes, control characters, whitespace."""
    if max_chars is not None:
        text = text[:max_chars]
    text = _CONTROL.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "%" in text and _looks_url_encoded(text):
        text = unquote_plus(text)
    text = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    if "\\" in text:
        text = _ESCAPED_BREAK.sub(" ", text)
    return _WHITESPACE.sub(" ", text).strip()


def tokenize(display: str) -> tuple[Token, ...]:
    return tuple(Token(m.group().casefold(), m.start(), m.end()) for m in _TOKEN.finditer(display))


def normalize(text: str, max_chars: int | None = None) -> Normalized:
    display = clean(text, max_chars)
    return Normalized(display=display)
