"""Realistic sync reports for triage tests and the benchmark, with their truth.

A report is what a district pastes or uploads when a grade sync fails for hundreds of
assignments: error lines from the dictionary's entries, filled with realistic values
(hundreds of students, dozens of sections, assignments and categories), each in a wrapper
(a log prefix with a timestamp, a CSV row with quoting, a JSON line), mixed in a known
proportion with lines from other systems (web servers, sign-in, printers, cron, other
apps) and report headers. Entries are drawn Zipf-like, so some problems are frequent and
many are rare (short messages more often than long API bodies); every entry appears at least once when the report is long enough.

The truth is the entry each line was made from (None for lines of other systems). Values
are made here, not by the matcher: only the placeholders' positions and slot names come
from the template compiler (errors_kb/matching/templates.py), so that a slot gets a
realistic value of its kind. Some known lines are the hand-written per-entry pastes of
tests/data/pastes/, joined onto one line: text no template filled.

Seeded: the same arguments always make the same report. Never imported by serving code.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from errors_kb.matching.templates import named_placeholders
from errors_kb.models import Entry, EntryStatus

FORMATS = ("text", "csv", "tsv", "jsonl")
PASTES_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "data" / "pastes"

# Lines of other systems: what sits around grade-sync errors in real logs and exports.
_OTHER_LINES = [
    '{ip} - - [{clf}] "GET /api/v1/courses/{n5}/assignments?per_page=100 HTTP/1.1" 200 {n4} "-" "python-requests/2.31"',
    '{ip} - - [{clf}] "POST /login/oauth2/token HTTP/1.1" 200 {n3} "-" "Faraday v1.10.3"',
    "sshd[{n4}]: Accepted publickey for deploy from {ip} port {n5} ssh2",
    "CRON[{n4}]: (root) CMD (/usr/local/bin/backup.sh --daily >/dev/null 2>&1)",
    "kernel: [{n5}.{n3}] EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro",
    "Printer HP LaserJet M404dn (Room {n3}) is offline. Check the printer's power and network connection.",
    "Zoom: Unable to connect. Please check your internet connection and try again. (Error code: {n4})",
    "Your password will expire in {d1} days. Press Ctrl+Alt+Delete and select Change a password.",
    "LDAP bind failed for uid={login},ou=staff,dc=district,dc=org: Invalid credentials (49)",
    "Okta: MFA challenge timed out for {login}@district.org after {n2} seconds",
    "Google Classroom: Course {n9} was archived by its owner",
    "Backup job nightly-db completed in {n3}s, {n4} MB written to s3://district-backups/{date}/",
    "Disk usage on /var is {n2}% (warning threshold 80%)",
    "Sync started for term {term}: {n3} courses queued",
    "Sync finished: {n4} grades sent, {n3} skipped, elapsed {n2}m{n2}s",
    "Roster import: {n4} enrollments processed, {n2} added, {n1} removed",
    "Attendance export to state reporting queued as batch {n6}",
    "Worker {n2} heartbeat OK (queue depth {n3})",
    "TLS handshake with mail.district.org:587 took {n3} ms",
    "Email to {login}@district.org deferred: 451 4.7.1 Greylisted, try again later",
    "Library system: item {n9} checked out to patron {n6}, due {date}",
    "Bus route {n2} delayed {n2} minutes: traffic on Main St",
    "Cafeteria POS terminal {n2} synced {n3} transactions",
    "WARN HikariPool-1 - Connection is not available, request timed out after {n5}ms",
    "npm WARN deprecated request@2.88.2: request has been deprecated",
    "Java heap usage {n2}% after full GC ({n4} MB freed)",
    "Chromebook {serial} enrolled in OU /Students/Grade{n1}",
    "Wi-Fi: client {mac} roamed from AP-Library-{n1} to AP-Gym-{n1}",
]
_HEADERS = [
    "==== Grade sync report: {district} ({term}) ====",
    "Generated {date} by SIS integration",
    "----------------------------------------",
    "Errors below. Contact your SIS administrator with questions.",
]
_DISTRICTS = ["Lincoln USD", "Maple Grove SD", "Riverside County Schools", "North Valley ISD"]
_TERMS = ["Q1 2025-26", "Q2 2025-26", "S1 2025-26", "T2 2025-26"]
_FIRST = ["Maria", "James", "Aiyana", "Chen", "Fatima", "Liam", "Sofia", "Noah", "Priya", "Mateo", "Olivia", "Kwame"]
_LAST = ["Lopez", "Nguyen", "Smith", "Okafor", "Haddad", "Kowalski", "Garcia", "Brown", "Patel", "Johansson"]
_UNITS = ["Unit", "Chapter", "Week", "Module", "Lab", "Quiz", "Essay", "Project"]
_TASKS = ["Quiz", "Test", "Reflection", "Homework", "Lab Report", "Exit Ticket", "Draft", "Review"]
_CATEGORIES = ["Homework", "Quizzes", "Tests", "Labs", "Participation", "Projects", "Classwork", "Assessments"]
_SUBJECTS = ["ALG 1", "ENG 10", "BIO", "US HIST", "CHEM", "GEOM", "SPAN 2", "ART"]
_PLACEHOLDERS = re.compile(r"\[[^\]]*\]|\([A-Z][A-Z ]+\)|<[^>]*>|\{\{[^}]*\}\}|[xX#]{3,}")
_NON_WORDS = re.compile(r"\W+")
_BARE_STATUS = re.compile(r"\d{3}\b[^.]{0,40}$")


@dataclass(frozen=True)
class EntrySpec:
    id: int
    vendor_slug: str
    vendor_name: str
    slug: str
    message: str
    variants: tuple[str, ...]
    is_generic: bool


@dataclass
class Report:
    """A generated report: its text, its format and, per line that holds text, the truth."""

    text: str
    format: str
    truth: dict[int, int | None]  # 1-based line number (a record's first line) -> entry id, None for others
    twins: dict[int, frozenset[int]] = field(default_factory=dict)  # entry id -> entries with the same message
    generic: frozenset[int] = frozenset()  # entries whose message countless systems emit

    @property
    def known_lines(self) -> int:
        return sum(1 for entry in self.truth.values() if entry is not None)

    def expected_counts(self) -> Counter:
        """Lines per entry id, most first: what triage's groups should count."""
        return Counter(entry for entry in self.truth.values() if entry is not None)

    def accepts(self, truth: int | None, assigned: int | None) -> bool:
        """Whether a line made from `truth` is rightly assigned to `assigned`: the entry itself,
        or an entry of another vendor with word for word the same message (which the line alone
        cannot tell apart)."""
        if truth is None:
            return assigned is None
        return assigned == truth or assigned in self.twins.get(truth, ())


def published_entries() -> list[EntrySpec]:
    rows = (
        Entry.objects.published()
        .filter(status=EntryStatus.PUBLISHED)
        .exclude(vendor__slug__startswith="synthetic-")
        .values_list("id", "vendor__slug", "vendor__name", "slug", "message", "variants", "is_generic")
        .order_by("id")
    )
    return [EntrySpec(i, v, n, s, m, tuple(var), g) for i, v, n, s, m, var, g in rows]


def _message_key(message: str) -> str:
    return " ".join(_NON_WORDS.sub(" ", _PLACEHOLDERS.sub(" ", message)).casefold().split())


class _Values:
    """Realistic values by slot kind, from pools the size a district has."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.students = [str(rng.randrange(100_000, 999_999)) for _ in range(600)]
        self.names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(200)]
        self.sections = [
            f"{rng.randrange(1000, 9999)}.{rng.randrange(1, 4)}.{rng.randrange(1, 12):03d}" for _ in range(40)
        ] + [f"{rng.choice(_SUBJECTS).replace(' ', '-')}-{rng.randrange(1, 12):02d}" for _ in range(20)]
        self.assignments = [f"{rng.choice(_UNITS)} {rng.randrange(1, 12)} {rng.choice(_TASKS)}" for _ in range(150)]
        self.teachers = ["".join(rng.choice("0123456789abcdef") for _ in range(24)) for _ in range(30)]

    def digits(self, low: int, high: int) -> str:
        return str(self.rng.randrange(low, high))

    def date(self) -> str:
        day = datetime(2025, 8, 20) + timedelta(days=self.rng.randrange(0, 280))
        return day.strftime("%m/%d/%Y")

    def value(self, shape: str, name: str, numeric: bool, text: str) -> str:
        rng = self.rng
        if shape == "uuid":
            prefix = text[:-36] if len(text) > 36 else ""
            value = "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12))
            return prefix + (value.upper() if text[-12:].isupper() else value)
        if shape == "hex":
            return "".join(rng.choice("0123456789abcdef") for _ in text)
        if shape in ("iso_date", "iso_datetime"):
            day = (datetime(2025, 8, 20) + timedelta(days=rng.randrange(0, 280))).strftime("%Y-%m-%d")
            return day + ("T00:00:00" if shape == "iso_datetime" else "")
        if shape == "date":
            return self.date()
        if shape == "char":
            return rng.choice("U}dx")
        if shape == "status":
            return rng.choice(["500", "502", "503"])
        if name.startswith("student"):
            return rng.choice(self.students)
        if name.startswith("teacher"):
            return rng.choice(self.teachers)
        if name.startswith("section") and not numeric:
            return rng.choice(self.sections)
        if name.startswith("assignment") and not name.endswith("id") and not numeric:
            return rng.choice(self.assignments)
        if name.startswith("categor") and not name.endswith("id") and not numeric:
            return rng.choice(_CATEGORIES)
        if numeric or shape in ("number", "digits") or name.endswith("id"):
            width = max(3, min(9, len(text))) if shape in ("number",) else rng.choice((4, 5, 6, 7))
            return self.digits(10 ** (width - 1), 10**width)
        if "date" in name:
            return self.date()
        from errors_kb.matching.slots import samples

        return rng.choice(samples(name))


def fill_message(message: str, values: _Values) -> str:
    out, cursor = [], 0
    for placeholder, name in named_placeholders(message):
        out.append(message[cursor : placeholder.start])
        out.append(values.value(placeholder.shape, name, placeholder.numeric, placeholder.text))
        cursor = placeholder.end
    out.append(message[cursor:])
    return "".join(out)


def _hand_written(specs: list[EntrySpec]) -> list[tuple[int, str]]:
    """The per-entry pastes of tests/data/pastes/, as (entry id, text on one line)."""
    by_key = {(s.vendor_slug, s.slug): s.id for s in specs}
    found = []
    for path in sorted(PASTES_DIR.glob("*.jsonl")):
        if path.name.startswith("_"):
            continue
        for raw in path.read_text().splitlines():
            if not raw.strip():
                continue
            case = json.loads(raw)
            entry_id = by_key.get((case["vendor"], case["slug"]))
            if entry_id is not None and not case.get("vendor_hint"):
                found.append((entry_id, " ".join(case["paste"].split())))
    return found


class _Other:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def line(self) -> str:
        rng = self.rng
        template = rng.choice(_OTHER_LINES)
        fields = {
            "ip": ".".join(str(rng.randrange(1, 255)) for _ in range(4)),
            "clf": f"{rng.randrange(1, 29):02d}/Nov/2025:{rng.randrange(0, 24):02d}:{rng.randrange(0, 60):02d}:"
            f"{rng.randrange(0, 60):02d} +0000",
            "n1": str(rng.randrange(1, 10)),
            "d1": str(rng.randrange(1, 10)),
            "n2": str(rng.randrange(10, 100)),
            "n3": str(rng.randrange(100, 1000)),
            "n4": str(rng.randrange(1000, 10000)),
            "n5": str(rng.randrange(10000, 100000)),
            "n6": str(rng.randrange(100000, 1000000)),
            "n9": str(rng.randrange(10**8, 10**9)),
            "login": "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randrange(4, 9))),
            "date": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "term": rng.choice(_TERMS),
            "serial": "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(10)),
            "mac": ":".join(f"{rng.randrange(256):02x}" for _ in range(6)),
            "district": rng.choice(_DISTRICTS),
        }
        return template.format(**fields)


def _timestamp(rng: random.Random, start: datetime, index: int) -> datetime:
    return start + timedelta(seconds=index * 2 + rng.randrange(0, 2))


def _text_line(rng: random.Random, when: datetime, message: str) -> str:
    one_line = " ".join(message.split())
    style = rng.randrange(5)
    if style == 0:
        return f"{when.strftime('%Y-%m-%dT%H:%M:%SZ')} ERROR grade-sync: {one_line}"
    if style == 1:
        return f"[{when.strftime('%m/%d/%Y %I:%M:%S %p')}] {one_line}"
    if style == 2:
        return f"{when.strftime('%b %d %H:%M:%S')} sis-sync[{rng.randrange(1000, 9999)}]: {one_line}"
    if style == 3:
        return f"{when.strftime('%Y-%m-%d %H:%M:%S,%f')[:-3]} [ERROR] {one_line}"
    return one_line


def generate(
    lines: int,
    *,
    fmt: str = "text",
    known_share: float = 0.85,
    hand_written_share: float = 0.1,
    seed: int = 12,
    specs: list[EntrySpec] | None = None,
) -> Report:
    """A report of about `lines` records: `known_share` of them from the dictionary's entries
    (of which `hand_written_share` are hand-written pastes), the rest from other systems."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    rng = random.Random(seed)
    specs = published_entries() if specs is None else specs
    values, other = _Values(rng), _Other(rng)
    hand = _hand_written(specs)
    by_id = {spec.id: spec for spec in specs}
    # Short messages first, loosely: the errors a sync repeats most are the short ones
    # ("Student not enrolled ..."), the long API bodies are rarer.
    order = sorted(specs, key=lambda s: (len(s.message) + 60 * s.is_generic) * rng.uniform(0.3, 1.7))
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(order))]
    known_total = round(lines * known_share)
    # Every entry once when the report is long enough, then Zipf-like.
    picks = order[:] if known_total >= 4 * len(order) else []
    picks += rng.choices(order, weights=weights, k=max(0, known_total - len(picks)))
    records: list[tuple[int | None, str]] = []
    for spec in picks:
        if hand and rng.random() < hand_written_share:
            entry_id, text = rng.choice(hand)
            if by_id[entry_id].is_generic:
                text = f"{by_id[entry_id].vendor_name}: {text}"
            records.append((entry_id, text))
            continue
        message = fill_message(rng.choice((spec.message, *spec.variants)), values)
        if spec.is_generic or _BARE_STATUS.match(message):
            # Countless systems say "Internal Server Error" or "405": a real log line says which one answered.
            message = f"{spec.vendor_name}: {message}"
        records.append((spec.id, message))
    records += [(None, other.line()) for _ in range(lines - len(records))]
    rng.shuffle(records)
    start = datetime(2025, 11, 30, 6, 0, 0)
    truth: dict[int, int | None] = {}
    out: list[str] = []
    if fmt == "text":
        header = [
            h.format(district=rng.choice(_DISTRICTS), term=rng.choice(_TERMS), date="2025-11-30") for h in _HEADERS
        ]
        for number, text in enumerate(header[: min(len(header), max(0, lines - len(records)))], start=1):
            truth[number] = None
            out.append(text)
        for index, (entry_id, message) in enumerate(records):
            out.append(_text_line(rng, _timestamp(rng, start, index), message))
            truth[len(out)] = entry_id
        text = "\n".join(out) + "\n"
    elif fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        delimiter = "," if fmt == "csv" else "\t"
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        writer.writerow(["timestamp", "course_id", "section", "assignment_id", "status", "error_message"])
        line = 2
        for index, (entry_id, message) in enumerate(records):
            if fmt == "tsv":
                message = " ".join(message.split())
            row = [
                _timestamp(rng, start, index).strftime("%Y-%m-%d %H:%M:%S"),
                str(rng.randrange(10_000, 99_999)),
                rng.choice(values.sections),
                str(rng.randrange(100_000, 999_999)),
                "failed",
                message,
            ]
            writer.writerow(row)
            truth[line] = entry_id
            line += _row_lines(row, delimiter)
        text = buffer.getvalue()
    else:
        for index, (entry_id, message) in enumerate(records):
            when = _timestamp(rng, start, index).strftime("%Y-%m-%dT%H:%M:%SZ")
            if rng.random() < 0.5:
                record = {"ts": when, "level": "error", "course_id": rng.randrange(10_000, 99_999), "message": message}
            else:
                record = {
                    "time": when,
                    "request": {"method": "POST", "path": f"/v3.0/sections/{rng.randrange(10**6, 10**7)}/scores"},
                    "response": {"status": rng.choice([400, 404, 409, 422]), "error": message},
                }
            out.append(json.dumps(record, ensure_ascii=False))
            truth[len(out)] = entry_id
        text = "\n".join(out) + "\n"
    twins = _twins(specs)
    return Report(text, fmt, truth, twins, frozenset(s.id for s in specs if s.is_generic))


def _row_lines(row: list[str], delimiter: str) -> int:
    """Physical lines a CSV row takes: one, plus the line breaks inside its quoted fields."""
    return 1 + sum(field.count("\n") for field in row)


def _twins(specs: list[EntrySpec]) -> dict[int, frozenset[int]]:
    by_key: dict[str, set[int]] = {}
    for spec in specs:
        by_key.setdefault(_message_key(spec.message), set()).add(spec.id)
    return {spec.id: frozenset(by_key[_message_key(spec.message)] - {spec.id}) for spec in specs}
