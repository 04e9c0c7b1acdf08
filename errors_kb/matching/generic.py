"""Texts that countless systems emit, which alone say nothing about which system sent them."""

from __future__ import annotations

from functools import cache
from http import HTTPStatus

from errors_kb.matching.normalize import Normalized

# Words that wrap a status line in logs and error pages: "HTTP/1.1 401 Unauthorized",
# "Error 404: Not Found", "Status code 500 (Internal Server Error)".
_STATUS_LINE_WORDS = frozenset({"http", "https", "1", "0", "2", "11", "error", "status", "code", "response", "the"})


@cache
def _reason_phrase_words() -> frozenset[str]:
    words: set[str] = set()
    for status in HTTPStatus:
        words.add(str(status.value))
        words.update(status.phrase.casefold().replace("-", " ").split())
    return frozenset(words)


def is_bare_http_status(paste: Normalized) -> bool:
    """True when the paste is nothing but an HTTP status code and/or its reason phrase."""
    words = paste.words
    if not words:
        return False
    known = _reason_phrase_words()
    meaningful = [w for w in words if w not in _STATUS_LINE_WORDS]
    return bool(meaningful) and len(meaningful) <= 6 and all(w in known for w in meaningful)
