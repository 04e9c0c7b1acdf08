"""A sync report as triage reads it: bytes decoded, limits checked, one record per error line.

- Decoding: UTF-8 (with or without a byte-order mark) or UTF-16 with its mark; NUL bytes
  or bytes that are not text answer 400.
- Limits: over TRIAGE_MAX_BYTES or TRIAGE_MAX_LINES (lines that hold text) answer 413,
  naming the limit.
- Formats, recognised by themselves: JSON lines (the message is the first `message`,
  `error`, `msg`, `description`... field, however deep, else the longest text field);
  CSV or TSV with a header row (the message column is found by its name, or picked:
  `column`); anything else is text, one error a line, with log wrappers stripped
  (timestamps, levels, `program[pid]:`, a logger name such as `grade-sync:`).

Nothing here writes or logs any part of the report. Plain Python, fixed regular expressions.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
from dataclasses import dataclass, field

TEXT, CSV, TSV, JSONL = "text", "csv", "tsv", "jsonl"
SNIFF_LINES = 20  # lines looked at to tell the format
MAX_RECORD_CHARS = 20_000  # a record longer than this is cut: a message is far shorter
MESSAGE_COLUMNS = (
    "error_message",
    "errormessage",
    "error message",
    "message",
    "sync_error",
    "sync error",
    "error",
    "errors",
    "error_description",
    "error description",
    "msg",
    "description",
    "details",
    "detail",
    "reason",
    "text",
    "response",
)
_COLUMN_KEY = re.compile(r"[\s_\-]+")
MESSAGE_KEYS = ("message", "error_message", "errormessage", "error", "msg", "description", "detail", "reason", "text")
_HEADER_NAME = re.compile(r"[A-Za-z][\w .()/#\-]{0,59}")
# Log wrappers before a message, stripped one after another (at most a few).
_WRAPPERS = re.compile(
    r"""^(?:
      \d{4}-\d{2}-\d{2}(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?Z|\s?[+-]\d{2}:?\d{2})?)?
    | \d{1,2}/\d{1,2}/\d{2,4}(?:,?\s\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?)?
    | (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s
    | (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s{1,2}\d{1,2}\s\d{2}:\d{2}:\d{2}(?:\s[\w.\-]+(?=\s[\w.\-]+\[\d+\]:))?
    | \d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp][Mm])?
    | \[[^\[\]]{1,40}\]
    | (?:ERROR|ERR|WARN|WARNING|INFO|DEBUG|FATAL|CRITICAL|SEVERE|TRACE|NOTICE)\b:?
    | [\w.\-]+\[\d+\]:
    | [a-z][a-z0-9]*(?:[._\-][a-z0-9]+)+:(?=\s)
    | \#?\d{1,6}[.)]\s
    | [|\-:]\s
    )\s*""",
    re.VERBOSE,
)
MAX_WRAPPERS = 6


class TriageInputError(Exception):
    """Input triage cannot read: `status` 400 (not text, no message column) or 413 (over a limit)."""

    def __init__(self, message: str, status: int = 400, columns: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.columns = columns or []


@dataclass(frozen=True)
class Record:
    number: int  # 1-based line of the input where the record starts
    text: str


@dataclass
class Report:
    records: list[Record]
    format: str
    columns: list[str] = field(default_factory=list)  # a CSV/TSV header
    column: str | None = None  # the message column read

    @property
    def lines(self) -> int:
        return len(self.records)


def size_error(size: int, max_bytes: int) -> TriageInputError:
    return TriageInputError(
        f"The report is {size / 1_048_576:.1f} MB; triage reads at most {max_bytes / 1_048_576:g} MB "
        f"({max_bytes:,} bytes). Split it, or keep only the error lines.",
        status=413,
    )


def decode(raw: bytes, max_bytes: int) -> str:
    """The report as text; TriageInputError when it is too large or not text."""
    if len(raw) > max_bytes:
        raise size_error(len(raw), max_bytes)
    if raw.startswith(codecs.BOM_UTF8):
        encoding, raw = "utf-8", raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    if encoding == "utf-8" and b"\x00" in raw:
        check_text("\x00")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise TriageInputError(
            "The file is not text triage can read (UTF-8 or UTF-16 with a byte-order mark): "
            "save the report as plain text, CSV or JSON lines."
        ) from None
    check_text(text)
    return text


def check_text(text: str) -> None:
    if "\x00" in text:
        raise TriageInputError(
            "The file holds NUL bytes: it looks binary. Upload the report as plain text, CSV or JSON lines."
        )


def count_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def check_lines(text: str, max_lines: int) -> None:
    lines = count_lines(text)
    if lines > max_lines:
        raise TriageInputError(
            f"The report has {lines:,} lines; triage reads at most {max_lines:,} lines. "
            "Split it, or keep only the error lines.",
            status=413,
        )


def strip_wrappers(line: str) -> str:
    """The message without the log wrappers before it (timestamps, levels, program names)."""
    text = line.strip()
    for _ in range(MAX_WRAPPERS):
        found = _WRAPPERS.match(text)
        if not found or found.end() == 0 or found.end() >= len(text):
            break
        text = text[found.end() :]
    return text


def _column_key(name: str) -> str:
    return _COLUMN_KEY.sub(" ", name.strip().casefold()).strip()


def find_message_column(columns: list[str]) -> str | None:
    """The header name that says it holds the message, by the list's order; None if none does."""
    keys = {_column_key(name): name for name in reversed(columns)}
    for wanted in MESSAGE_COLUMNS:
        found = keys.get(_column_key(wanted))
        if found is not None:
            return found
    return None


def _sniff(lines: list[str]) -> str:
    sample = [line for line in lines[: SNIFF_LINES * 3] if line.strip()][:SNIFF_LINES]
    if not sample:
        return TEXT
    if sample[0].lstrip().startswith("{"):
        objects = 0
        for line in sample:
            with contextlib.suppress(ValueError):
                objects += isinstance(json.loads(line), dict)
        if objects >= max(1, int(0.8 * len(sample))):
            return JSONL
    header = sample[0]
    for delimiter, fmt in (("\t", TSV), (",", CSV), (";", CSV)):
        if delimiter not in header:
            continue
        try:
            names = next(csv.reader([header], delimiter=delimiter))
        except csv.Error:
            continue
        named = [name.strip() for name in names if name.strip()]
        if len(named) >= 2 and all(_HEADER_NAME.fullmatch(name) for name in named):
            return fmt if delimiter != ";" else "csv;"
    return TEXT


def parse(text: str, *, column: str | None = None, max_lines: int) -> Report:
    """The report's records. `column`: the CSV/TSV column holding the message, when picked."""
    check_text(text)
    check_lines(text, max_lines)
    lines = text.splitlines()
    fmt = _sniff(lines)
    if fmt == JSONL:
        return Report(_json_records(lines), JSONL)
    if fmt in (CSV, TSV, "csv;"):
        delimiter = {"csv": ",", "tsv": "\t", "csv;": ";"}[fmt]
        return _table_records(text, delimiter, TSV if fmt == TSV else CSV, column)
    records = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            records.append(Record(number, strip_wrappers(line[:MAX_RECORD_CHARS])))
    return Report(records, TEXT)


def _table_records(text: str, delimiter: str, fmt: str, column: str | None) -> Report:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error):
        return Report([], fmt)
    columns = [name for name in header if name]
    if column:
        chosen = next((name for name in header if name == column.strip()), None)
        if chosen is None:
            raise TriageInputError(
                f"The file has no column {column.strip()[:100]!r}; its columns are: {', '.join(columns)}.",
                columns=columns,
            )
    else:
        chosen = find_message_column(header)
        if chosen is None:
            raise TriageInputError(
                f"Which column holds the error message? The file's columns are: {', '.join(columns)}. "
                "Pick one (API: pass it as `column`).",
                columns=columns,
            )
    index = header.index(chosen)
    records = []
    start = reader.line_num + 1
    try:
        for row in reader:
            value = row[index] if index < len(row) else ""
            if value.strip():
                records.append(Record(start, value.strip()[:MAX_RECORD_CHARS]))
            start = reader.line_num + 1
    except csv.Error:
        raise TriageInputError(f"The file could not be read as {fmt.upper()} from line {start}.") from None
    return Report(records, fmt, columns, chosen)


def message_of(value: object) -> str | None:
    """The message of a JSON record: the first message-like field, breadth first, else the
    longest text in it."""
    level = [value]
    for _ in range(6):
        following = []
        for item in level:
            if isinstance(item, dict):
                lowered = {str(k).casefold(): v for k, v in item.items()}
                for key in MESSAGE_KEYS:
                    found = lowered.get(key)
                    if isinstance(found, str) and found.strip():
                        return found
                following += [v for v in item.values() if isinstance(v, dict | list)]
            elif isinstance(item, list):
                following += [v for v in item if isinstance(v, dict | list)]
        level = following
        if not level:
            break
    texts = [t for t in _strings(value) if t.strip()]
    return max(texts, key=len) if texts else None


def _strings(value: object, depth: int = 0):
    if depth > 8:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def _json_records(lines: list[str]) -> list[Record]:
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            records.append(Record(number, strip_wrappers(line[:MAX_RECORD_CHARS])))
            continue
        text = message_of(value) if isinstance(value, dict | list) else str(value)
        if text and text.strip():
            records.append(Record(number, text.strip()[:MAX_RECORD_CHARS]))
    return records
