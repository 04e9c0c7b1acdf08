"""Log formatting that keeps one request to one short line (standard library only: the
logging configuration imports it before Django's apps are ready)."""

from __future__ import annotations

import logging
import threading
import time

MAX_MESSAGE_CHARS = 240
MAX_PATH_CHARS = 200


def short(text: str, limit: int = MAX_PATH_CHARS) -> str:
    """At most `limit` characters, saying how many were left out."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}...[{len(text) - limit} more chars]"


class ShortFormatter(logging.Formatter):
    """Messages cut to MAX_MESSAGE_CHARS (a 404 for an 8 KB path is one short line).

    With tracebacks=False the exception is named instead of printed: for django.security,
    whose oversized or malformed requests are the client's doing, not a bug to debug."""

    def __init__(self, *args, tracebacks: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        full = record.getMessage()
        message = short(full.replace("\n", " "), MAX_MESSAGE_CHARS)
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and path not in full:
            message = f"{message} ({getattr(request, 'method', '')} {short(path)})"
        line = f"{record.levelname} {record.name}: {message}"
        if record.exc_info and self.tracebacks:
            return line + "\n" + self.formatException(record.exc_info)
        if record.exc_info and record.exc_info[0] is not None:
            line += f" [{record.exc_info[0].__name__}]"
        return line


class Throttle:
    """Lets one message per key through per period and counts the ones it held back."""

    def __init__(self, period: float = 60.0):
        self.period = period
        self._lock = threading.Lock()
        self._last: dict[str, tuple[float, int]] = {}

    def allow(self, key: str) -> tuple[bool, int]:
        """(whether to log now, how many were held back since the last line for this key)."""
        now = time.monotonic()
        with self._lock:
            last, held = self._last.get(key, (float("-inf"), 0))
            if now - last >= self.period:
                self._last[key] = (now, 0)
                return True, held
            self._last[key] = (last, held + 1)
            return False, held + 1
